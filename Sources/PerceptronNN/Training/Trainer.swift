// One training step (gather, forward, loss, backward, update) and the batched evaluation
// that fit's validation and evaluate share, with their batch buffers reused across steps.

import Foundation
import PerceptronIO
import PerceptronTensor

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
    func logs(names: [String], prefix: String = "") -> Logs {
        let n = Double(max(samples, 1))
        var entries = zip(names, metricSums).map { (prefix + $0.0, $0.1 / n) }
        entries.append((prefix + "loss", lossSum / n))
        return Logs(entries.sorted { $0.0 < $1.0 })
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
