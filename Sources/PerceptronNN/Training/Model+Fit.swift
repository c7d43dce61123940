// Keras's fit, read as its documentation says it: plan the epoch (split, shuffle, batches),
// run the steps (forward, loss, backward, update), call the callbacks, keep the history.

import Foundation
import PerceptronIO
import PerceptronTensor
import PerceptronVision

/// Something about the data or settings given to fit/evaluate/predict that cannot work.
public struct TrainingError: LocalizedError, Equatable, Sendable {
    /// What cannot work, with the values received and a hint.
    public let message: String
    /// An error reporting `message`.
    public init(_ message: String) { self.message = message }
    /// `message`, as `LocalizedError` presents it.
    public var errorDescription: String? { message }
}

/// How much fit and evaluate print: 0 silent, 1 progress bar, 2 one line per epoch.
public struct Verbosity: ExpressibleByIntegerLiteral, Equatable, Sendable {
    /// 0, 1 or 2.
    public let level: Int
    /// The level `value`, which must be 0, 1 or 2: `verbose: 2`.
    public init(integerLiteral value: Int) {
        precondition((0...2).contains(value), "verbose must be 0, 1 or 2, got \(value)")
        level = value
    }
    /// Keras's `verbose="auto"`: 1.
    public static let auto: Verbosity = 1
}

extension Model {
    /// The names metrics are logged under, in compile order.
    var metricNames: [String] { metrics.map(\.name) }

    /// Trains the model, like Keras's `fit`.
    ///
    /// - `validationSplit` takes the LAST fraction of the samples, before any shuffling, as
    ///   Keras does (`split_at = floor(n * (1 - split))`); `validationData` overrides it.
    /// - The training samples are shuffled every epoch when `shuffle` is true, with a
    ///   generator seeded by `seed` (drawn from the global generator when nil).
    /// - The last, partial batch is kept. The loss and metrics shown and recorded are the
    ///   means over the epoch's samples (each batch weighted by its size).
    /// - `augmentation` transforms each training batch (never the validation data), drawing
    ///   from its own generator derived from `seed`.
    /// - `checkpoint` saves the model, optimizer state, history and random states as its
    ///   policy says, and always when `TrainingInterrupt.request()` stops the run; `resuming`
    ///   continues from a checkpoint's state (same data and settings), giving bit for bit the
    ///   weights and history of an uninterrupted run on the same backend and thread count.
    ///
    /// - Parameters:
    ///   - x: samples `[N, ...inputShape]`: a `Tensor`, or bytes scaled on the fly.
    ///   - y: targets: one-hot `[N, K]`, or class indices `[N]` for a sparse loss.
    ///   - batchSize: samples per step, at least 1; 32 by default, as Keras.
    ///   - epochs: at least 1; fit runs epochs `initialEpoch..<epochs` (0-based), as Keras does.
    ///   - verbose: 0 silent, 1 a progress bar (the default), 2 one line per epoch; on standard error.
    ///   - validationSplit: the fraction in [0, 1) held out for validation, from the end; 0 by default.
    ///   - validationData: samples and targets to validate on after each epoch, instead of a split.
    ///   - shuffle: whether to shuffle the training samples every epoch; true by default, as Keras.
    ///   - callbacks: called at the start and end of training, of each epoch and after each batch,
    ///     after the progress display.
    ///   - initialEpoch: the epoch to start at (0-based), at most `epochs`; 0 by default.
    ///   - seed: seeds the shuffles and the augmentation; drawn from the global generator when nil.
    ///   - augmentation: applied to each training batch; none by default.
    ///   - checkpoint: when to save a checkpoint; none by default.
    ///   - resuming: the state of a checkpoint to continue from (`Model.loadCheckpoint(from:)`).
    /// - Returns: the loss and metrics of every epoch run (and, when resuming, of the epochs before).
    /// - Throws: `TrainingError` for an uncompiled model, mismatched counts or shapes,
    ///   a split outside [0, 1), non-finite inputs, or a `resuming` state of other settings;
    ///   `FileError` when a checkpoint cannot be written.
    @discardableResult
    public func fit(
        _ x: some SampleSource, _ y: Tensor, batchSize: Int = 32, epochs: Int = 1, verbose: Verbosity = .auto,
        validationSplit: Double = 0, validationData: (x: any SampleSource, y: Tensor)? = nil,
        shuffle: Bool = true, callbacks: [any Callback] = [], initialEpoch: Int = 0, seed: UInt64? = nil,
        augmentation: (any Augmentation)? = nil, checkpoint: Checkpointing? = nil, resuming: TrainingState? = nil
    ) throws -> History {
        guard let loss, let optimizer else { throw TrainingError("the model must be compiled before fit: call compile(loss:optimizer:metrics:)") }
        try Model.checkFitSettings(batchSize: batchSize, epochs: epochs, initialEpoch: initialEpoch, validationSplit: validationSplit)
        let plan = try EpochPlan(model: self, loss: loss, x: x, y: y, batchSize: batchSize, validationSplit: validationSplit,
                                 validationData: validationData, shuffle: shuffle)
        var position = try resuming.map {
            try FitPosition(resuming: $0, plan: plan, epochs: epochs, metricCount: metrics.count, seed: seed, initialEpoch: initialEpoch)
        } ?? FitPosition(seed: seed, initialEpoch: initialEpoch)
        let steps = EpochSteps(model: self, trainer: Trainer(model: self, loss: loss, optimizer: optimizer), plan: plan,
                               callbacks: [ProgressLogger.forStandardError(verbose: verbose.level, epochs: epochs, steps: plan.steps)] + callbacks)
        let checkpointer = Checkpointer(policy: checkpoint, model: self)
        func saved(_ epoch: Int, _ step: Int, _ epochGenerator: SeededGenerator, _ running: RunningLogs?) -> TrainingState {
            position.state(epoch: epoch, step: step, epochGenerator: epochGenerator, running: running, plan: plan,
                           epochs: epochs, metricCount: metrics.count, optimizer: optimizer)
        }
        beginTraining()
        for callback in steps.callbacks { callback.onTrainBegin(model: self) }
        for epoch in position.epoch..<epochs {
            let epochStart = ProgressBar.now()
            let epochGenerator = position.shuffleGenerator
            let order = plan.order(drawingFrom: &position.shuffleGenerator)
            for callback in steps.callbacks { callback.onEpochBegin(epoch, model: self) }
            let start = position.takeEpochStart(metricCount: metrics.count)
            let (running, interruptedAt) = steps.run(epoch, order: order, from: start.step, running: start.running,
                                                     augmentation: augmentation, generator: &position.augmentationGenerator)
            if let interruptedAt {
                try checkpointer.saveInterruptedEpoch(saved(epoch, interruptedAt, epochGenerator, running))
                break
            }
            let logs = running.logs(names: metricNames) + steps.validate()
            position.history.append(epoch: epoch, logs: logs, seconds: ProgressBar.now() - epochStart)
            for callback in steps.callbacks { callback.onEpochEnd(epoch, logs: logs, model: self) }
            try checkpointer.epochEnded(epoch, of: epochs, logs: logs, interrupted: isInterrupted,
                                        state: saved(epoch + 1, 0, position.shuffleGenerator, nil))
            if isInterrupted { stopTraining = true }
            if stopTraining { break }
        }
        for callback in steps.callbacks { callback.onTrainEnd(model: self) }
        return position.history
    }

    /// The settings fit checks before touching the data.
    static func checkFitSettings(batchSize: Int, epochs: Int, initialEpoch: Int, validationSplit: Double) throws {
        guard batchSize >= 1 else { throw TrainingError("batch size must be at least 1, got \(batchSize)") }
        guard epochs >= 1, initialEpoch >= 0, initialEpoch <= epochs else {
            throw TrainingError("epochs must be at least 1 (and initialEpoch within 0...epochs), got epochs \(epochs), initialEpoch \(initialEpoch)")
        }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TrainingError("validation split must be in [0, 1), got \(validationSplit)")
        }
    }

    /// Clears the stop flags a previous fit may have left on this model. A Ctrl-C request
    /// (`TrainingInterrupt`) stays: one that came before fit began stops it after its first step.
    private func beginTraining() {
        stopTraining = false
        interruptRequested = false
    }

    /// Whether a stop was asked for, on this model or by Ctrl-C.
    var isInterrupted: Bool { interruptRequested || TrainingInterrupt.isRequested }
}

/// The steps of one epoch and its validation: each batch through the trainer, the batch
/// callbacks after it, and the stop checks between steps.
struct EpochSteps {
    let model: Model
    let trainer: Trainer
    let plan: EpochPlan
    let callbacks: [any Callback]

    /// Runs the steps of `epoch` from `first`, adding to `running`. Returns the epoch's sums
    /// and, when an interrupt stopped it before its last step, the step to resume at.
    func run(_ epoch: Int, order: [Int], from first: Int, running: RunningLogs, augmentation: (any Augmentation)?,
             generator: inout SeededGenerator) -> (RunningLogs, interruptedAt: Int?) {
        var running = running
        for step in first..<plan.steps {
            trainer.trainStep(source: plan.source, targets: plan.targets, indices: plan.batch(step, in: order),
                              into: &running) { batch in
                augmentation?.augment(&batch, generator: &generator)
            }
            let logs = running.logs(names: model.metricNames)
            for callback in callbacks { callback.onBatchEnd(step, logs: logs, model: model) }
            if model.isInterrupted && step + 1 < plan.steps {
                model.stopTraining = true
                return (running, step + 1)
            }
            if model.stopTraining { break }
        }
        return (running, nil)
    }

    /// The validation logs (`val_` names) for the epoch just trained, empty without validation.
    func validate() -> Logs {
        guard let validation = plan.validation, !validation.indices.isEmpty else { return [] }
        let result = trainer.evaluate(source: validation.source, targets: validation.targets,
                                      indices: validation.indices, batchSize: plan.batchSize)
        return result.logs(names: model.metricNames, prefix: "val_")
    }
}

extension Model {
    /// Whether `requestInterrupt()` asked the last or current fit to stop.
    public var isInterruptRequested: Bool { interruptRequested }
}
