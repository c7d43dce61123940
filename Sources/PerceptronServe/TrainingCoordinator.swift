// Training from the playground: one `TrainingRun` at a time on its own thread, its progress
// as events for every subscriber, stop and resume, and the finished model served.

import Foundation
import PerceptronIO
import PerceptronNN
import PerceptronTraining

/// One server-sent event: its name and JSON data.
public struct TrainingEvent: Sendable, Equatable {
    public let name: String
    public let data: JSONValue

    public init(_ name: String, _ data: JSONValue) {
        self.name = name
        self.data = data
    }

    /// `event: NAME`, `data: JSON`, a blank line.
    public var text: String { "event: \(name)\ndata: \(data.serialized())\n\n" }
}

/// Starts, stops and resumes the playground's runs, one at a time, and tells subscribers.
///
/// Runs are `TrainingRun`s in `runs`, exactly as `perceptron train` makes them. A run trains
/// on a thread of its own; its callbacks post events to an inbox that this actor reads in
/// order, so every subscriber sees the same sequence. A completed run's model file is loaded
/// afresh into the registry: the instance that trained never predicts.
public actor TrainingCoordinator {
    /// The states a run reports in `status` events.
    public enum State: String, Sendable { case idle, training, stopped, completed, failed }

    /// How a run's thread ended, as the actor learns it.
    enum Finish: Sendable {
        case completed(testAccuracy: Double, model: URL)
        case interrupted(epoch: Int?)
        case stoppedBeforeTraining
        case failed(String)
    }

    /// What the training thread posts, in order.
    enum Message: Sendable {
        case event(TrainingEvent)
        case finished(run: String, folder: URL, Finish)
    }

    let runs: URL
    let dataFolder: URL?
    let trainingImages: Int
    let registry: ModelRegistry
    private(set) var state = State.idle
    private(set) var message = "no run has started"
    private(set) var runName: String?
    private var current: RunHandle?
    private var history: [TrainingEvent] = []
    private var subscribers: [UUID: AsyncStream<TrainingEvent>.Continuation] = [:]
    private let inbox: AsyncStream<Message>.Continuation
    /// The most events kept for late subscribers (a long CNN run posts one per batch).
    static let historyLimit = 50_000

    init(runs: URL, dataFolder: URL?, trainingImages: Int, registry: ModelRegistry) {
        self.runs = runs
        self.dataFolder = dataFolder
        self.trainingImages = trainingImages
        self.registry = registry
        let (stream, continuation) = AsyncStream<Message>.makeStream()
        inbox = continuation
        Task { [weak self] in
            for await message in stream {
                guard let self else { return }
                await self.receive(message)
            }
        }
    }

    /// The current status as an event.
    public var status: TrainingEvent {
        TrainingEvent("status", .object(["run": runName.map { .string($0) } ?? .null, "state": .string(state.rawValue),
                                         "message": .string(message)]))
    }

    public var isTraining: Bool { state == .training }

    /// A stream of events: the current status, the current run's events so far, then each new
    /// one. It ends when the consumer stops iterating.
    public func subscribe() -> AsyncStream<TrainingEvent> {
        let (stream, continuation) = AsyncStream<TrainingEvent>.makeStream(bufferingPolicy: .bufferingNewest(Self.historyLimit + 16))
        continuation.yield(status)
        for event in history where event.name != "status" { continuation.yield(event) }
        let id = UUID()
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.unsubscribe(id) } }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    private func publish(_ event: TrainingEvent) {
        if event.name != "status" {
            history.append(event)
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        }
        for continuation in subscribers.values { continuation.yield(event) }
    }

    private func setStatus(_ state: State, _ message: String) {
        self.state = state
        self.message = message
        publish(status)
    }

    private func receive(_ message: Message) async {
        switch message {
        case .event(let event):
            publish(event)
        case .finished(let run, let folder, let finish):
            current = nil
            switch finish {
            case .completed(let accuracy, let file):
                do {
                    let model = try await registry.add(file: file, name: run)
                    setStatus(.completed, String(format: "test accuracy %.4f; the model is served as '%@'", accuracy, model.name))
                } catch {
                    setStatus(.failed, "the run completed but its model could not be loaded: \(error.localizedDescription)")
                }
            case .interrupted(let epoch):
                setStatus(.stopped, "stopped" + (epoch.map { " during epoch \($0)" } ?? "") + "; the checkpoint is kept, POST /api/train/resume {\"run\": \"\(run)\"} continues it")
            case .stoppedBeforeTraining:
                Self.removeIfEmpty(folder)
                setStatus(.stopped, "stopped before training began; nothing was kept")
            case .failed(let reason):
                Self.removeIfEmpty(folder)
                setStatus(.failed, reason)
            }
        }
    }

    static func removeIfEmpty(_ folder: URL) {
        if let items = try? FileManager.default.contentsOfDirectory(atPath: folder.path), items.isEmpty {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    // MARK: Requests

    /// Starts a new run of `settings` in a new folder of `runs`; returns the folder's name.
    /// - Throws: `APIError` 409 while a run trains; 400 for settings out of range; 500-free.
    public func start(_ settings: RunSettings) throws -> String {
        guard state != .training else { throw APIError.conflict("run '\(runName ?? "")' is training; stop it first (POST /api/train/stop)") }
        do { try settings.validate() } catch { throw APIError.badRequest(error.localizedDescription) }
        let folder: RunFolder
        do { folder = try RunFolder.makeUnique(in: runs) } catch {
            throw APIError(507, "cannot make a run folder in \(runs.path): \(error.localizedDescription)")
        }
        let run: TrainingRun
        do { run = try TrainingRun(settings: settings, folder: folder.url) } catch {
            Self.removeIfEmpty(folder.url)
            throw APIError.badRequest(error.localizedDescription)
        }
        launch(run, name: folder.url.lastPathComponent, folder: folder.url, resumed: false)
        return folder.url.lastPathComponent
    }

    /// Continues the stopped run `name` of `runs` from its checkpoint.
    /// - Throws: `APIError` 409 while a run trains or when the run cannot be resumed; 404 when
    ///   there is no such run.
    public func resume(_ name: String) throws -> String {
        guard state != .training else { throw APIError.conflict("run '\(runName ?? "")' is training; stop it first (POST /api/train/stop)") }
        let folder = runs.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("train.json").path) else {
            throw APIError.notFound("no run named '\(name)' in \(runs.path)")
        }
        let run: TrainingRun
        do { run = try TrainingRun.resuming(folder) } catch { throw APIError.conflict(error.localizedDescription) }
        launch(run, name: name, folder: folder, resumed: true)
        return name
    }

    /// Asks the training run to stop after its current step; returns its name.
    /// - Throws: `APIError` 409 when no run is training.
    public func stop() throws -> String {
        guard state == .training, let current, let runName else { throw APIError.conflict("no run is training") }
        current.stop()
        message = "stopping after the current step"
        publish(status)
        return runName
    }

    private func launch(_ run: TrainingRun, name: String, folder: URL, resumed: Bool) {
        history = []
        runName = name
        let settings = run.settings
        let count = min(settings.trainLimit ?? trainingImages, trainingImages)
        let trainCount = Int((Double(count) * (1 - settings.resolvedValidationSplit)).rounded(.down))
        let steps = max(1, (trainCount + settings.resolvedBatchSize - 1) / settings.resolvedBatchSize)
        let reporter = EventReporter(run: name, epochs: settings.resolvedEpochs, steps: steps, inbox: inbox)
        run.verbose = 0
        run.observer = TrainingRun.Observer(message: { [inbox] line in
            inbox.yield(.event(TrainingEvent("progress", .object(["line": .string(line)]))))
        }, callbacks: [reporter])
        let handle = RunHandle(run: run, reporter: reporter)
        current = handle
        setStatus(.training, resumed ? "resuming from the checkpoint" : "training \(settings.architecture.rawValue), \(settings.resolvedEpochs) epochs")
        let thread = Thread { [inbox] in
            inbox.yield(.finished(run: name, folder: folder, handle.runToEnd()))
        }
        thread.name = "perceptron.serve.training"
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// A run and its reporter, handed to the training thread.
///
/// `@unchecked Sendable`: the training thread alone calls `runToEnd()` (once); other threads
/// only call `stop()`, which `TrainingRun` documents as safe from any thread.
final class RunHandle: @unchecked Sendable {
    private let run: TrainingRun
    private let reporter: EventReporter

    init(run: TrainingRun, reporter: EventReporter) {
        self.run = run
        self.reporter = reporter
    }

    func stop() { run.stop() }

    /// Trains to the end, on the calling thread.
    func runToEnd() -> TrainingCoordinator.Finish {
        do {
            let result = try run.start()
            switch result.outcome {
            case .completed(_, let accuracy): return .completed(testAccuracy: accuracy, model: run.folder.model)
            case .interrupted: return .interrupted(epoch: reporter.epoch)
            case .stoppedBeforeTraining: return .stoppedBeforeTraining
            }
        } catch {
            return .failed(error.localizedDescription)
        }
    }
}
