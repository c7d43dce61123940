// A training run, start to end, for every front end: its folder and settings file, the data,
// the model, fit with checkpoints, Ctrl-C, the last-good-weights guard, the test evaluation,
// run.json and the report. The CLI and the playground start, watch, stop and resume runs here.

import Foundation
import PerceptronData
import PerceptronIO
import PerceptronNN
import PerceptronReport
import PerceptronTensor

/// One training run in its folder.
///
/// The folder holds `train.json` (the settings), `checkpoint.safetensors` while the run is
/// unfinished, then `model.safetensors`, `history.csv`, `run.json` and, unless turned off,
/// the report. `start()` runs it from the beginning or, for a run made with `resuming(_:)`,
/// from its checkpoint, bit for bit as an uninterrupted run on the same backend and threads.
public final class TrainingRun {
    /// How the run ended.
    public enum Outcome: Equatable, Sendable {
        /// Trained all epochs and evaluated on the test set.
        case completed(testLoss: Double, testAccuracy: Double)
        /// Stopped by `stop()` or Ctrl-C once training had begun; the checkpoint holds the
        /// run so far, and `resuming(_:)` continues it (a run stopped during its final
        /// evaluation or report resumes straight to them).
        case interrupted(checkpoint: URL)
        /// Stopped before training began: nothing was written, no folder was left behind.
        case stoppedBeforeTraining
    }

    /// What a finished `start()` hands back.
    public struct Result {
        /// How the run ended.
        public let outcome: Outcome
        /// The trained model, nil when stopped before training.
        public let model: Model?
        /// The metrics per epoch (a resumed run's include the epochs before it stopped).
        public let history: History
        /// The record written as `run.json`, nil unless completed.
        public let record: RunRecord?
    }

    /// What a front end watches: one-line diagnostics (standard error in the CLI), the model
    /// once built (the CLI prints its summary), and callbacks that fit calls (progress, curves).
    public struct Observer {
        /// Receives one-line diagnostics: resuming, BLAS advice, files written, timings.
        public var message: (String) -> Void
        /// Receives the model once built or loaded, before training.
        public var modelReady: (Model) -> Void
        /// Callbacks passed to `fit` after the run's own (the NaN guard and the stop watch).
        public var callbacks: [any Callback]

        /// An observer; by default it ignores everything.
        public init(message: @escaping (String) -> Void = { _ in }, modelReady: @escaping (Model) -> Void = { _ in },
                    callbacks: [any Callback] = []) {
            self.message = message
            self.modelReady = modelReady
            self.callbacks = callbacks
        }
    }

    /// The run's settings, validated; a resumed run's come from its `train.json`.
    public let settings: RunSettings
    /// The run's folder: the one asked for, or for a new run without one, `runs/<time>` once
    /// `start()` has made it (`runs` until then).
    public internal(set) var folder: RunFolder
    /// Whether a new run may replace the run files of an existing run in its folder.
    public let overwrites: Bool
    /// 0 silent, 1 progress bar, 2 one line per epoch: how the front end shows progress,
    /// not a setting of the run (a resumed run may show it otherwise).
    public var verbose: Int = 1
    /// What the front end watches; set it before `start()`.
    public var observer = Observer()
    let namesItsFolder: Bool
    let checkpoint: (model: Model, state: TrainingState)?
    private let stopLock = NSLock()
    nonisolated(unsafe) private var stopRequested = false

    /// A new run of `settings` in `folder` (a new folder in `runs/`, named by the time, when nil).
    /// Nothing is touched until `start()`.
    /// - Throws: `RunSettingsError` for a setting out of range.
    public init(settings: RunSettings, folder: URL? = nil, overwrites: Bool = false) throws {
        try settings.validate()
        self.settings = settings
        self.folder = RunFolder(folder ?? URL(fileURLWithPath: "runs"))
        self.namesItsFolder = folder == nil
        self.overwrites = overwrites
        self.checkpoint = nil
    }

    private init(settings: RunSettings, folder: RunFolder, checkpoint: (model: Model, state: TrainingState)) {
        self.settings = settings
        self.folder = folder
        self.namesItsFolder = false
        self.overwrites = false
        self.checkpoint = checkpoint
    }

    /// The interrupted run in `folder`, to continue with its own settings (`writesReport`
    /// false turns its report off).
    /// - Throws: `RunFolderError` when the folder holds no run, a finished one, or one with no
    ///   checkpoint; a checkpoint's own errors when it cannot be read.
    public static func resuming(_ folder: URL, writesReport: Bool? = nil) throws -> TrainingRun {
        let runFolder = RunFolder(folder)
        var settings = try runFolder.readSettings()
        if let writesReport { settings.writesReport = settings.writesReport && writesReport }
        try settings.validate()
        guard FileManager.default.fileExists(atPath: runFolder.checkpoint.path) else {
            if FileManager.default.fileExists(atPath: runFolder.record.path) {
                throw RunFolderError("\(runFolder.url.path) completed all \(settings.resolvedEpochs) epochs; nothing to resume")
            }
            throw RunFolderError("\(runFolder.url.path) holds no checkpoint: the run stopped before its first one; start it again with --output \(runFolder.url.path) --overwrite")
        }
        let checkpoint = try Model.loadCheckpoint(from: runFolder.checkpoint)
        return TrainingRun(settings: settings, folder: runFolder, checkpoint: checkpoint)
    }

    /// Where a resumed run continues: epoch and step, 0-based; nil for a new run.
    public var resumesAt: (epoch: Int, step: Int)? { checkpoint.map { ($0.state.epoch, $0.state.step) } }

    /// Asks the run to stop at its next safe point: after the current training step (keeping
    /// a checkpoint), or before training if it has not begun. Safe from any thread.
    public func stop() { stopLock.withLock { stopRequested = true } }

    /// Whether `stop()` or Ctrl-C asked the run to stop.
    public var isStopRequested: Bool { stopLock.withLock { stopRequested } || TrainingInterrupt.isRequested }

    /// Routes Ctrl-C (SIGINT) to a stop; a second Ctrl-C ends the process at once (status 130).
    public static func handleInterruptSignal() { TrainingInterrupt.installSignalHandler() }

    /// Runs the run. Everything is checked first (the backend, the data, the settings against
    /// the data); only then is the folder claimed: locked against other runs, refused if it
    /// holds another run's files (unless `overwrites`), and given `train.json`. Then it
    /// trains, evaluates, and writes its files.
    /// - Throws: `RunFolderError`, `FileError` or data errors before anything is written;
    ///   `TrainingRunError` when the loss became NaN or infinite (the model file then holds
    ///   the last good weights).
    @discardableResult
    public func start() throws -> Result {
        if let wait = settings.blasIdleWait { BLASBackend.idleWait = wait }
        if let problem = GEMM.configurationProblem ?? SparseProducts.configurationProblem ?? BLASBackend.threadingProblem {
            throw TrainingRunError(problem)
        }
        let data = try MNIST.load(from: settings.dataDirectory.map { URL(fileURLWithPath: $0) })
        let available = data.trainImages.shape[0]
        if let limit = settings.trainLimit, limit > available {
            throw RunSettingsError("--train-limit \(limit) is more than the \(available) training images of \(settings.dataDirectory ?? "the bundled MNIST")")
        }
        if isStopRequested { return Result(outcome: .stoppedBeforeTraining, model: nil, history: History(), record: nil) }
        let claim = try claimFolder()
        defer { claim.lock.release(); try? FileManager.default.removeItem(at: folder.lockFile) }
        if let checkpoint {
            observer.message("resuming \(folder.url.path) at epoch \(checkpoint.state.epoch + 1), step \(checkpoint.state.step)")
        }
        let model = try checkpoint?.model ?? buildModel(for: data)
        if isStopRequested {
            if checkpoint == nil { abandon(claim) }
            return Result(outcome: checkpoint == nil ? .stoppedBeforeTraining : .interrupted(checkpoint: folder.checkpoint),
                          model: model, history: checkpoint?.state.history ?? History(), record: nil)
        }
        return try train(model, data: data)
    }

    private func train(_ model: Model, data: MNIST) throws -> Result {
        observer.modelReady(model)
        let scale = settings.pixelScale
        model.metadata["pixel_scale"] = "\(scale)"
        model.metadata["dataset"] = settings.dataDirectory ?? "bundled MNIST"
        let count = min(settings.trainLimit ?? data.trainImages.shape[0], data.trainImages.shape[0])
        let x = try samples(data.trainImages.rows(0..<count), for: model)
        let y = oneHot(data.trainLabels.rows(0..<count), classes: data.classCount)
        let nanGuard = TerminateOnNaN(keepsLastGoodWeights: true, announces: false)
        let stopWatch = StopWatch { [unowned self] in stopLock.withLock { stopRequested } }
        if GEMM.current is BLASBackend, let advice = BLASBackend.coreTypeAdvice { observer.message(advice) }
        let history = try model.fit(x, y, batchSize: settings.resolvedBatchSize, epochs: settings.resolvedEpochs,
                                    verbose: Verbosity(integerLiteral: verbose), validationSplit: settings.resolvedValidationSplit,
                                    callbacks: [nanGuard, stopWatch] + observer.callbacks, seed: settings.seed,
                                    augmentation: settings.augmentation?.randomAffine,
                                    checkpoint: Checkpointing(url: folder.checkpoint, everyEpochs: settings.checkpointEvery),
                                    resuming: checkpoint?.state)
        try FileIO.writeAtomically(history.csv(), to: folder.history)
        if let failure = nanGuard.failure {
            model.setWeights(nanGuard.lastGoodWeights)
            try model.save(to: folder.model)
            throw TrainingRunError.lossNotFinite(failure, lastGoodEpoch: nanGuard.lastGoodEpoch, model: folder.model,
                                                 settings: settings)
        }
        if isStopRequested || model.isInterruptRequested { return try interrupted(model, history: history) }
        return try finish(model, history: history, data: data)
    }

    /// Saves the model beside the checkpoint of a run stopped after training had begun.
    private func interrupted(_ model: Model, history: History) throws -> Result {
        try model.save(to: folder.model)
        return Result(outcome: .interrupted(checkpoint: folder.checkpoint), model: model, history: history, record: nil)
    }

    /// The test evaluation, the model file, run.json and the report of a completed run.
    private func finish(_ model: Model, history: History, data: MNIST) throws -> Result {
        let scale = settings.pixelScale
        let result = try model.evaluate(try samples(data.testImages, for: model), oneHot(data.testLabels, classes: data.classCount),
                                        batchSize: 1000, verbose: 0)
        try model.save(to: folder.model)
        let accuracy = result.metrics["categorical_accuracy"] ?? .nan
        let record = RunRecord(settings: settings.summary, dataFolder: settings.dataDirectory, pixelScale: scale,
                               testLoss: result.loss, testAccuracy: accuracy)
        try FileIO.writeAtomically(try record.json(), to: folder.record)
        if isStopRequested { return try interrupted(model, history: history) }
        if settings.writesReport {
            let start = Date()
            try RunReport.write(into: folder.url, model: model, history: history, record: record, dataset: data)
            observer.message(String(format: "wrote the report and pictures in %.2f s: ", Date().timeIntervalSince(start))
                             + folder.report.path)
        }
        // The run is complete: its checkpoint is now redundant with the model file.
        try? FileManager.default.removeItem(at: folder.checkpoint)
        observer.message("saved \(folder.model.path), history.csv and run.json")
        let seconds = history.epochSeconds.filter(\.isFinite)
        if !seconds.isEmpty {
            let sorted = seconds.dropFirst().sorted()
            let median = sorted.isEmpty ? seconds[0] : sorted[sorted.count / 2]
            observer.message(String(format: "seconds per epoch: median %.3f (first %.3f), ", median, seconds[0])
                             + "GEMM backend " + GEMM.current.name)
        }
        return Result(outcome: .completed(testLoss: result.loss, testAccuracy: accuracy), model: model,
                      history: history, record: record)
    }

    /// A new model of the settings' architecture, its weights drawn from the seed.
    /// - Throws: `TrainingRunError` when the data's images do not suit the architecture.
    private func buildModel(for data: MNIST) throws -> Model {
        let shape = data.trainImages.shape
        guard shape.count == 3 else {
            throw TrainingRunError("the training images have shape \(Array(shape.dropFirst())); \(settings.architecture.rawValue) takes images [H, W]")
        }
        setRandomSeed(settings.seed)
        let classes = data.classCount
        let model = settings.architecture == .mlp
            ? Architecture.mlp(inputWidth: data.trainImages.rowWidth, hidden: settings.hidden, classes: classes)
            : Architecture.cnn(height: shape[1], width: shape[2], classes: classes)
        model.compile(loss: .categoricalCrossentropy, optimizer: settings.makeOptimizer(), metrics: [.categoricalAccuracy])
        return model
    }

    /// The images `[N, H, W]` as samples of the model's input shape, scaled lazily.
    private func samples(_ images: ByteTensor, for model: Model) throws -> ScaledBytes {
        guard model.inputShape.reduce(1, *) == images.rowWidth else {
            throw TrainingRunError("the model takes inputs of shape \(model.inputShape) (\(model.inputShape.reduce(1, *)) values) but the images have \(images.rowWidth) pixels")
        }
        return images.scaled(by: settings.pixelScale).reshaped(sampleShape: model.inputShape)
    }
}

/// Passes a run's stop request to the model from the training thread, between steps.
private final class StopWatch: Callback {
    let isRequested: () -> Bool
    init(_ isRequested: @escaping () -> Bool) { self.isRequested = isRequested }
    func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {
        if isRequested() { model.requestInterrupt() }
    }
}

/// A run that could not go on, in one line with a hint.
public struct TrainingRunError: LocalizedError, Equatable, Sendable {
    /// What stopped the run, with a hint.
    public let message: String
    /// An error reporting `message`.
    public init(_ message: String) { self.message = message }
    /// `message`, as `LocalizedError` presents it.
    public var errorDescription: String? { message }

    /// The loss became NaN or infinite; `model` holds the last good weights.
    static func lossNotFinite(_ failure: TerminateOnNaN.Failure, lastGoodEpoch: Int?, model: URL,
                              settings: RunSettings) -> TrainingRunError {
        let kept = lastGoodEpoch.map { "the weights after epoch \($0 + 1)" } ?? "the initial weights"
        let hint = settings.rawPixels ? "the pixels are fed raw (0...255, --raw-pixels): scale them, or lower --learning-rate"
            : "lower --learning-rate (now \(settings.learningRate))"
        return TrainingRunError("the loss became \(failure.value.isNaN ? "NaN" : "infinite") at epoch \(failure.epoch + 1), step \(failure.batch + 1); training stopped and \(model.path) holds \(kept). Likely cause: the steps are too large; \(hint)")
    }
}
