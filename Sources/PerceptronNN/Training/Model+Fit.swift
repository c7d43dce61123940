// Training: Keras's fit loop (validation split from the end, per-epoch shuffle, partial last
// batch kept, batch-size-weighted running means) and one training step.

import Foundation
import PerceptronIO
import PerceptronTensor

/// Something about the data or settings given to fit/evaluate/predict that cannot work.
public struct TrainingError: LocalizedError, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}

/// How much fit and evaluate print: 0 silent, 1 progress bar, 2 one line per epoch.
public struct Verbosity: ExpressibleByIntegerLiteral, Equatable, Sendable {
    public let level: Int
    public init(integerLiteral value: Int) {
        precondition((0...2).contains(value), "verbose must be 0, 1 or 2, got \(value)")
        level = value
    }
    /// Keras's `verbose="auto"`: 1.
    public static let auto: Verbosity = 1
}

/// Running, sample-weighted means of the loss and metrics over an epoch.
struct RunningLogs {
    var lossSum = 0.0
    var metricSums: [Double]
    var samples = 0

    init(metricCount: Int) { metricSums = Array(repeating: 0, count: metricCount) }

    init(lossSum: Double, metricSums: [Double], samples: Int) {
        self.lossSum = lossSum
        self.metricSums = metricSums
        self.samples = samples
    }

    /// Logs in Keras's order: the metrics first, then the loss, keys sorted as Keras 3 prints them.
    func logs(names: [String], prefix: String = "") -> [(String, Double)] {
        let n = Double(max(samples, 1))
        var entries = zip(names, metricSums).map { (prefix + $0.0, $0.1 / n) }
        entries.append((prefix + "loss", lossSum / n))
        return entries.sorted { $0.0 < $1.0 }
    }
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
    /// - Throws: `TrainingError` for an uncompiled model, mismatched counts or shapes,
    ///   a split outside [0, 1), non-finite inputs.
    @discardableResult
    public func fit(
        _ x: some SampleSource, _ y: Tensor, batchSize: Int = 32, epochs: Int = 1, verbose: Verbosity = .auto,
        validationSplit: Double = 0, validationData: (x: any SampleSource, y: Tensor)? = nil,
        shuffle: Bool = true, callbacks: [any Callback] = [], initialEpoch: Int = 0, seed: UInt64? = nil,
        augmentation: (any Augmentation)? = nil, checkpoint: Checkpointing? = nil, resuming: TrainingState? = nil
    ) throws -> History {
        guard let loss, let optimizer else { throw TrainingError("the model must be compiled before fit: call compile(loss:optimizer:metrics:)") }
        guard batchSize >= 1 else { throw TrainingError("batch size must be at least 1, got \(batchSize)") }
        guard epochs >= 1, initialEpoch >= 0, initialEpoch <= epochs else {
            throw TrainingError("epochs must be at least 1 (and initialEpoch within 0...epochs), got epochs \(epochs), initialEpoch \(initialEpoch)")
        }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TrainingError("validation split must be in [0, 1), got \(validationSplit)")
        }
        try checkData(x, y, loss: loss, role: "training")
        var trainIndices = Array(0..<x.sampleCount)
        var validationIndices: [Int] = []
        var validationSource: (any SampleSource)?
        var validationTargets = y
        if let validationData {
            try checkData(validationData.x, validationData.y, loss: loss, role: "validation")
            validationSource = validationData.x
            validationTargets = validationData.y
            validationIndices = Array(0..<validationData.x.sampleCount)
        } else if validationSplit > 0 {
            let splitAt = Int((Double(x.sampleCount) * (1 - validationSplit)).rounded(.down))
            guard splitAt > 0 && splitAt < x.sampleCount else {
                throw TrainingError("validation split \(validationSplit) of \(x.sampleCount) samples leaves \(splitAt) for training and \(x.sampleCount - splitAt) for validation; both must be non-empty")
            }
            trainIndices = Array(0..<splitAt)
            validationIndices = Array(splitAt..<x.sampleCount)
            validationSource = x
        }
        guard !trainIndices.isEmpty else { throw TrainingError("no training samples") }
        let steps = (trainIndices.count + batchSize - 1) / batchSize

        var generator = SeededGenerator(seed: seed ?? GlobalRandom.with { $0.next() })
        // Augmentation draws from its own stream, so turning it on leaves the shuffles unchanged.
        var augmentationGenerator = SeededGenerator(seed: generator.next())
        var history = History()
        var startEpoch = initialEpoch
        var startStep = 0
        var resumedRunning: RunningLogs?
        if let state = resuming {
            guard state.batchSize == batchSize, state.epochs == epochs, state.trainingSamples == trainIndices.count,
                  state.shuffle == shuffle, state.epoch >= 0, state.epoch <= epochs, state.step >= 0, state.step < max(steps, 1),
                  state.metricSums.count == metrics.count, state.samples >= 0 else {
                throw TrainingError("the checkpoint was made with other settings (batch size \(state.batchSize), \(state.epochs) epochs, \(state.trainingSamples) training samples, shuffle \(state.shuffle)); resume with the same ones")
            }
            generator = try TrainingState.generator(state.epochGenerator, field: "epochGenerator")
            augmentationGenerator = try TrainingState.generator(state.augmentationGenerator, field: "augmentationGenerator")
            history = state.history
            startEpoch = state.epoch
            startStep = state.step
            if state.step > 0 {
                resumedRunning = RunningLogs(lossSum: state.lossSum, metricSums: state.metricSums, samples: state.samples)
            }
        }

        let logger = ProgressLogger(verbose: verbose.level, epochs: epochs, steps: steps)
        let allCallbacks: [any Callback] = [logger] + callbacks
        stopTraining = false
        interruptRequested = false
        TrainingInterrupt.reset()
        let interrupted = { self.interruptRequested || TrainingInterrupt.isRequested }
        let trainer = Trainer(model: self, loss: loss, optimizer: optimizer)
        let baseOrder = trainIndices
        func state(epoch: Int, step: Int, epochGenerator: SeededGenerator, running: RunningLogs?) -> TrainingState {
            TrainingState(epoch: epoch, step: step, epochGenerator: TrainingState.words(epochGenerator.state),
                          augmentationGenerator: TrainingState.words(augmentationGenerator.state),
                          lossSum: running?.lossSum ?? 0, metricSums: running?.metricSums ?? Array(repeating: 0, count: metrics.count),
                          samples: running?.samples ?? 0, history: history, optimizerIterations: optimizer.iterations,
                          batchSize: batchSize, epochs: epochs, trainingSamples: trainIndices.count, shuffle: shuffle)
        }
        for callback in allCallbacks { callback.onTrainBegin(model: self) }

        for epoch in startEpoch..<epochs {
            let epochStart = ProgressBar.now()
            // Each epoch shuffles the original order afresh, so an epoch's order depends only on
            // the generator state at its start (which checkpoints keep).
            let epochGenerator = generator
            if shuffle {
                trainIndices = baseOrder
                generator.shuffle(&trainIndices)
            }
            for callback in allCallbacks { callback.onEpochBegin(epoch, model: self) }
            var running = epoch == startEpoch ? resumedRunning ?? RunningLogs(metricCount: metrics.count)
                : RunningLogs(metricCount: metrics.count)
            var interruptedAt: Int?
            for step in (epoch == startEpoch ? startStep : 0)..<steps {
                let batch = trainIndices[(step * batchSize)..<min((step + 1) * batchSize, trainIndices.count)]
                trainer.trainStep(source: x, targets: y, indices: batch, into: &running) { batch in
                    augmentation?.augment(&batch, generator: &augmentationGenerator)
                }
                let logs = running.logs(names: metricNames)
                for callback in allCallbacks { callback.onBatchEnd(step, logs: logs, model: self) }
                if interrupted() && step + 1 < steps {
                    interruptedAt = step + 1
                    stopTraining = true
                }
                if stopTraining { break }
            }
            if let interruptedAt {
                // Stopped inside the epoch: save where it stands (weights after the step just
                // taken, the epoch's running sums), so a resumed run continues with the next step.
                if let checkpoint {
                    try saveCheckpoint(state(epoch: epoch, step: interruptedAt, epochGenerator: epochGenerator, running: running),
                                       to: checkpoint.url)
                }
                break
            }
            var logs = running.logs(names: metricNames)
            if let validationSource, !validationIndices.isEmpty {
                let result = trainer.evaluate(source: validationSource, targets: validationTargets,
                                              indices: validationIndices, batchSize: batchSize)
                logs += result.logs(names: metricNames, prefix: "val_")
            }
            let seconds = ProgressBar.now() - epochStart
            history.append(epoch: epoch, logs: logs, seconds: seconds)
            for callback in allCallbacks { callback.onEpochEnd(epoch, logs: logs, model: self) }
            let lossIsFinite = logs.first { $0.0 == "loss" }?.1.isFinite ?? true
            if let checkpoint, lossIsFinite,
               interrupted() || epoch + 1 == epochs
                || (checkpoint.everyEpochs > 0 && (epoch + 1) % checkpoint.everyEpochs == 0) {
                try saveCheckpoint(state(epoch: epoch + 1, step: 0, epochGenerator: generator, running: nil), to: checkpoint.url)
            }
            if interrupted() { stopTraining = true }
            if stopTraining { break }
        }
        for callback in allCallbacks { callback.onTrainEnd(model: self) }
        return history
    }

    /// Checks counts, shapes and finiteness of user data before any work.
    func checkData(_ x: some SampleSource, _ y: Tensor, loss: Loss?, role: String) throws {
        guard x.sampleCount > 0 else { throw TrainingError("the \(role) data is empty") }
        guard x.sampleShape == inputShape else {
            throw TrainingError("the \(role) samples have shape \(x.sampleShape), the model's input '\(inputLayer.name)' expects \(inputShape)")
        }
        guard y.sampleCount == x.sampleCount else {
            throw TrainingError("the \(role) data has \(x.sampleCount) samples but \(y.sampleCount) targets")
        }
        let outputWidth = outputShape.reduce(1, *)
        if let loss, loss.takesClassIndices {
            guard y.rowWidth == 1 else {
                throw TrainingError("\(loss.rawValue) takes class indices [N], got targets of shape \(y.shape); use categorical_crossentropy for one-hot targets")
            }
            let bad = y.scalars.firstIndex { !($0 >= 0 && $0 < Float(outputWidth) && $0 == $0.rounded()) }
            if let bad { throw TrainingError("\(role) target \(bad) is \(y.scalars[bad]), not a class index in 0..<\(outputWidth)") }
        } else if y.rowWidth != outputWidth {
            throw TrainingError("the \(role) targets have \(y.rowWidth) values per sample, the model outputs \(outputWidth)")
        }
        if let bad = x.firstNonFiniteSample() {
            throw TrainingError("\(role) sample \(bad) contains NaN or infinity")
        }
        if let bad = y.firstNonFiniteSample() {
            throw TrainingError("\(role) target \(bad) contains NaN or infinity")
        }
    }
}

/// The per-step machinery of fit and evaluate, with batch buffers reused across steps.
final class Trainer {
    let model: Model
    let loss: Loss
    let optimizer: any Optimizer
    let resolvedMetrics: [Metric]
    /// The output layer whose logits the loss uses, if any.
    let logitsOutput: (any LogitsOutputLayer)?
    private var xBatch = Tensor.empty
    private var yBatch = Tensor.empty
    private var lossGradient = Tensor.empty
    private var perSample = [Float]()

    init(model: Model, loss: Loss, optimizer: any Optimizer) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        resolvedMetrics = model.metrics.map { $0.resolved(for: loss, outputWidth: model.outputShape.reduce(1, *)) }
        logitsOutput = model.logitsOutput
        logitsOutput?.keepsLogits = true
    }

    /// Copies the samples and targets at `indices` into the reused batch buffers.
    func gather(source: some SampleSource, targets: Tensor, indices: ArraySlice<Int>) {
        let n = indices.count
        Tensor.reuse(&xBatch, shape: [n] + source.sampleShape)
        Tensor.reuse(&yBatch, shape: [n] + targets.sampleShape)
        indices.withContiguousStorageIfAvailable { positions in
            xBatch.withUnsafeMutableBufferPointer { source.copySamples(at: positions, into: $0.baseAddress!) }
            yBatch.withUnsafeMutableBufferPointer { targets.copySamples(at: positions, into: $0.baseAddress!) }
        }
    }

    /// Adds the batch's loss and metric totals to `running`.
    func accumulate(output: Tensor, count n: Int, into running: inout RunningLogs) {
        let columns = output.rowWidth
        if perSample.count < n { perSample = [Float](repeating: 0, count: n) }
        output.withUnsafeBufferPointer { p in
            yBatch.withUnsafeBufferPointer { t in
                perSample.withUnsafeMutableBufferPointer { l in
                    if let logits = logitsOutput?.logits {
                        logits.withUnsafeBufferPointer { z in
                            loss.perSample(logits: z.baseAddress!, targets: t.baseAddress!, rows: n, columns: columns, into: l.baseAddress!)
                        }
                    } else {
                        loss.perSample(predictions: p.baseAddress!, targets: t.baseAddress!, rows: n, columns: columns, into: l.baseAddress!)
                    }
                    var sum = 0.0
                    for i in 0..<n { sum += Double(l[i]) }
                    running.lossSum += sum
                }
                for (index, metric) in resolvedMetrics.enumerated() {
                    running.metricSums[index] += metric.total(predictions: p.baseAddress!, targets: t.baseAddress!, rows: n, columns: columns)
                }
            }
        }
        running.samples += n
    }

    /// One optimisation step on the samples at `indices`; `transform` may change the gathered
    /// batch in place first (augmentation).
    func trainStep(source: some SampleSource, targets: Tensor, indices: ArraySlice<Int>, into running: inout RunningLogs,
                   transform: (inout Tensor) -> Void = { _ in }) {
        gather(source: source, targets: targets, indices: indices)
        transform(&xBatch)
        let n = indices.count
        model.zeroGradients()
        let output = model.forward(xBatch, training: true)
        accumulate(output: output, count: n, into: &running)
        Tensor.reuse(&lossGradient, shape: output.shape)
        let columns = output.rowWidth
        lossGradient.withUnsafeMutableBufferPointer { g in
            output.withUnsafeBufferPointer { p in
                yBatch.withUnsafeBufferPointer { t in
                    if logitsOutput != nil {
                        loss.logitsGradient(probabilities: p.baseAddress!, targets: t.baseAddress!, rows: n,
                                            columns: columns, batchSize: n, into: g.baseAddress!)
                    } else {
                        loss.gradient(predictions: p.baseAddress!, targets: t.baseAddress!, rows: n, columns: columns,
                                      batchSize: n, into: g.baseAddress!)
                    }
                }
            }
        }
        model.backward(from: lossGradient, fromLogits: logitsOutput != nil)
        optimizer.step(model.parameters)
    }

    /// Loss and metrics over the samples at `indices`, in batches, without training caches.
    func evaluate(source: some SampleSource, targets: Tensor, indices: [Int], batchSize: Int,
                  onBatch: ((Int, RunningLogs) -> Void)? = nil) -> RunningLogs {
        var running = RunningLogs(metricCount: resolvedMetrics.count)
        var start = 0
        var step = 0
        while start < indices.count {
            let batch = indices[start..<min(start + batchSize, indices.count)]
            gather(source: source, targets: targets, indices: batch)
            let output = model.forward(xBatch, training: false)
            accumulate(output: output, count: batch.count, into: &running)
            start += batchSize
            onBatch?(step, running)
            step += 1
        }
        return running
    }
}
