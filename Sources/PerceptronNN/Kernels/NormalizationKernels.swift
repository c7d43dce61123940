// Batch normalisation's kernels on tensors: batch moments (in Double), normalising, the
// folded inference form, the moving averages and the gradients. BatchNormalization calls
// them; `BatchNormalization.Reference` is the definition the tests hold them to.
// Legend: M rows (every axis but the last), F features (the last axis).

import PerceptronTensor

/// Batch normalisation's kernels over the last axis of `[M, F]` tensors.
enum NormalizationKernels {
    // x: [M, F] -> mean, variance: [F], biased (divided by M), in Double for accuracy
    /// Per feature, one pass for the mean and one for the variance, rows in order.
    static func moments(_ x: Tensor, features: Int) -> (mean: [Double], variance: [Double]) {
        let rows = x.count / features
        var mean = [Double](repeating: 0, count: features)
        var variance = [Double](repeating: 0, count: features)
        x.withUnsafeBufferPointer { input in
            for r in 0..<rows { for f in 0..<features { mean[f] += Double(input[r * features + f]) } }
            for f in 0..<features { mean[f] /= Double(max(rows, 1)) }
            for r in 0..<rows {
                for f in 0..<features { let d = Double(input[r * features + f]) - mean[f]; variance[f] += d * d }
            }
            for f in 0..<features { variance[f] /= Double(max(rows, 1)) }
        }
        return (mean, variance)
    }

    // x: [M, F], mean, inverseDeviation, gamma, beta: [F] -> x̂ = (x - mean) inverseDeviation, y = gamma x̂ + beta: [M, F]
    /// The training output and the normalised input backward needs; both reuse their storage.
    static func normalize(_ x: Tensor, mean: [Double], inverseDeviation: [Float], gamma: Tensor, beta: Tensor,
                          normalized: inout Tensor, into y: inout Tensor) {
        let features = gamma.count, rows = x.count / features
        Tensor.reuse(&normalized, shape: x.shape)
        Tensor.reuse(&y, shape: x.shape)
        normalized.withUnsafeMutableBufferPointer { xhat in
            y.withUnsafeMutableBufferPointer { out in
                x.withUnsafeBufferPointer { input in
                    gamma.withUnsafeBufferPointer { g in
                        beta.withUnsafeBufferPointer { b in
                            for r in 0..<rows {
                                for f in 0..<features {
                                    let i = r * features + f
                                    xhat[i] = (input[i] - Float(mean[f])) * inverseDeviation[f]
                                    out[i] = g[f] * xhat[i] + b[f]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // x: [M, F], gamma, beta, mean, variance: [F] -> y: [M, F] = x scale + shift
    /// Inference with the moving statistics folded into `scale = gamma / sqrt(variance + ε)` and
    /// `shift = beta - mean scale`: one multiply-add per value.
    static func scaleAndShift(_ x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, epsilon: Float,
                              into y: inout Tensor) {
        let features = gamma.count
        Tensor.reuse(&y, shape: x.shape)
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
                mean.withUnsafeBufferPointer { mean in variance.withUnsafeBufferPointer { variance in
                    for f in 0..<features {
                        let scale = g[f] / (variance[f] + epsilon).squareRoot()
                        let shift = b[f] - mean[f] * scale
                        var i = f
                        while i < out.count { out[i] = input[i] * scale + shift; i += features }
                    }
                } }
                } }
            }
        }
    }

    // moving, batch: [F] -> moving = moving momentum + batch (1 - momentum)
    /// Keras's moving average of a batch statistic.
    static func updateMovingAverage(_ moving: inout Tensor, batch: [Double], momentum: Float) {
        moving.withUnsafeMutableBufferPointer { m in
            for f in 0..<m.count { m[f] = m[f] * momentum + Float(batch[f]) * (1 - momentum) }
        }
    }

    // dy, x̂: [M, F] -> Σ dy, Σ dy x̂: [F] (rows in order, in Float)
    /// The sums that give dbeta and dgamma and enter dx.
    static func gradientSums(_ dy: Tensor, normalized: Tensor) -> (sum: [Float], sumNormalized: [Float]) {
        let features = dy.shape.last ?? 1, rows = dy.count / features
        var sum = [Float](repeating: 0, count: features)
        var sumNormalized = [Float](repeating: 0, count: features)
        dy.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xhat in
                for r in 0..<rows {
                    for f in 0..<features {
                        let i = r * features + f
                        sum[f] += g[i]
                        sumNormalized[f] += g[i] * xhat[i]
                    }
                }
            }
        }
        return (sum, sumNormalized)
    }

    // dy, x̂: [M, F], gamma, inverseDeviation, sums: [F] -> dx = gamma inverseDeviation / M (M dy - Σ dy - x̂ Σ dy x̂)
    /// The input gradient, into `dx`'s storage when it can.
    static func inputGradient(_ dy: Tensor, normalized: Tensor, gamma: Tensor, inverseDeviation: [Float],
                              sums: (sum: [Float], sumNormalized: [Float]), into dx: inout Tensor) {
        let features = gamma.count, rows = dy.count / features
        let m = Float(rows)
        Tensor.reuse(&dx, shape: dy.shape)
        dx.withUnsafeMutableBufferPointer { dx in
            dy.withUnsafeBufferPointer { g in
                normalized.withUnsafeBufferPointer { xhat in
                    gamma.withUnsafeBufferPointer { gammaValues in
                        for r in 0..<rows {
                            for f in 0..<features {
                                let i = r * features + f
                                let factor = gammaValues[f] * inverseDeviation[f] / m
                                dx[i] = factor * (m * g[i] - sums.sum[f] - xhat[i] * sums.sumNormalized[f])
                            }
                        }
                    }
                }
            }
        }
    }
}
