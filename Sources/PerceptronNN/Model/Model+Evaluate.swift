// Inference: Keras's evaluate (loss and metrics over a dataset, batched, with progress) and
// predict (batched outputs). Neither keeps training caches.

import Foundation
import PerceptronIO
import PerceptronTensor

extension Model {
    /// Loss and metrics over `x`, `y`, like Keras's `evaluate`: means over all samples,
    /// computed in batches of `batchSize` without training caches.
    ///
    /// - Returns: the loss and each compiled metric by its log name.
    /// - Throws: `TrainingError` for an uncompiled model or data that does not fit the model.
    public func evaluate(_ x: some SampleSource, _ y: Tensor, batchSize: Int = 32,
                         verbose: Verbosity = .auto) throws -> (loss: Double, metrics: [String: Double]) {
        guard let loss, let optimizer else { throw TrainingError("the model must be compiled before evaluate: call compile(loss:optimizer:metrics:)") }
        guard batchSize >= 1 else { throw TrainingError("batch size must be at least 1, got \(batchSize)") }
        try checkData(x, y, loss: loss, role: "evaluation")
        let trainer = Trainer(model: self, loss: loss, optimizer: optimizer)
        let steps = (x.sampleCount + batchSize - 1) / batchSize
        var bar = ProgressBar.forStandardError(target: steps)
        let names = metricNames
        let result = trainer.evaluate(source: x, targets: y, indices: Array(0..<x.sampleCount), batchSize: batchSize) { step, running in
            guard verbose.level == 1 else { return }
            if let text = bar.update(step + 1, logs: running.logs(names: names), final: step + 1 == steps) {
                ProgressLogger.write(text)
            }
        }
        let logs = result.logs(names: names)
        // Keras's verbose 2 prints only the final line: `313/313 - 1s - 4ms/step - ...`.
        if verbose.level == 2 { ProgressLogger.write(bar.summaryLine(logs: logs)) }
        return (logs.loss!, logs.metrics)
    }

    /// The model's outputs for `x`, computed in batches, like Keras's `predict`.
    ///
    /// A single sample (shape equal to `inputShape`) is accepted and gives a batch of one.
    /// - Returns: `[N, ...outputShape]`.
    /// - Throws: `TrainingError` when a sample holds NaN or infinity (naming the first one).
    public func predict(_ x: Tensor, batchSize: Int = 32) throws -> Tensor {
        let batched = x.shape == inputShape ? x.reshaped([1] + inputShape) : x
        precondition(Array(batched.shape.dropFirst()) == inputShape,
                     "predict expects samples of shape \(inputShape), got \(x.shape)")
        precondition(batchSize >= 1, "predict needs a positive batch size, got \(batchSize)")
        if let bad = batched.firstNonFiniteSample() {
            throw TrainingError("predict input sample \(bad) contains NaN or infinity")
        }
        let n = batched.shape[0]
        if n <= batchSize { return forward(batched, training: false) }
        var parts: [Tensor] = []
        var start = 0
        while start < n {
            parts.append(forward(batched.rows(start..<min(start + batchSize, n)), training: false))
            start += batchSize
        }
        return Tensor.concatenated(parts)
    }

    /// Outputs for any sample source (e.g. bytes scaled on the fly), in batches.
    /// - Throws: `TrainingError` when a sample holds NaN or infinity (naming the first one).
    public func predict(_ x: some SampleSource, batchSize: Int = 256) throws -> Tensor {
        precondition(x.sampleShape == inputShape, "predict expects samples of shape \(inputShape), got \(x.sampleShape)")
        if let bad = x.firstNonFiniteSample() {
            throw TrainingError("predict input sample \(bad) contains NaN or infinity")
        }
        var parts: [Tensor] = []
        var start = 0
        while start < x.sampleCount {
            let end = min(start + batchSize, x.sampleCount)
            parts.append(forward(x.gather(Array(start..<end)), training: false))
            start = end
        }
        return parts.isEmpty ? Tensor.zeros([0] + outputShape) : Tensor.concatenated(parts)
    }
}
