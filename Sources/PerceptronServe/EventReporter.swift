// A training callback that turns a run's epochs and batches into the playground's events,
// with Keras-style progress lines, posted to the coordinator's inbox from the training thread.

import Foundation
import PerceptronIO
import PerceptronNN

/// Posts `epoch`, `batch`, `epochEnd` and `progress` events for one run. Epochs and steps are
/// counted from 1, as Keras prints them.
final class EventReporter: Callback {
    let run: String
    let epochs: Int
    let steps: Int
    private let inbox: AsyncStream<TrainingCoordinator.Message>.Continuation
    private var bar: ProgressBar?
    private var lastLine: TimeInterval = 0
    /// The epoch under way, from 1; nil before the first.
    private(set) var epoch: Int?

    init(run: String, epochs: Int, steps: Int, inbox: AsyncStream<TrainingCoordinator.Message>.Continuation) {
        self.run = run
        self.epochs = epochs
        self.steps = steps
        self.inbox = inbox
    }

    private func post(_ name: String, _ fields: [String: JSONValue]) {
        inbox.yield(.event(TrainingEvent(name, .object(fields))))
    }

    static func json(_ logs: Logs) -> JSONValue {
        var fields: [String: JSONValue] = [:]
        for (name, value) in logs { fields[name] = value.isFinite ? .double(value) : .null }
        return .object(fields)
    }

    func onEpochBegin(_ epoch: Int, model: Model) {
        self.epoch = epoch + 1
        bar = ProgressBar(target: steps, isDynamic: false)
        post("epoch", ["epoch": .int(epoch + 1), "epochs": .int(epochs)])
        post("progress", ["line": .string("Epoch \(epoch + 1)/\(epochs)")])
    }

    func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {
        post("batch", ["epoch": .int(epoch ?? 1), "step": .int(batch + 1), "steps": .int(steps), "logs": Self.json(logs)])
        // A progress line at most ten times a second, as a terminal would redraw it.
        let now = ProgressBar.now()
        if now - lastLine >= 0.1, batch + 1 < steps, var current = bar, let line = current.update(batch + 1, logs: logs, final: true, now: now) {
            bar = current
            lastLine = now
            post("progress", ["line": .string(line.trimmingCharacters(in: .newlines))])
        }
    }

    func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) {
        post("epochEnd", ["epoch": .int(epoch + 1), "logs": Self.json(logs)])
        if var current = bar, let line = current.update(steps, logs: logs, final: true) {
            bar = current
            post("progress", ["line": .string(line.trimmingCharacters(in: .newlines))])
        }
    }
}
