// Batch normalisation over the last axis with Keras's defaults, forward and backward side by
// side; the moving statistics are non-trainable weights, used in inference and saved.

import Foundation
import PerceptronIO
import PerceptronTensor

/// Keras's `layers.BatchNormalization()` on the last axis (features or channels, F).
///
/// Training: per feature, the batch mean and the **biased** variance (divide by the count,
/// as `tf.nn.moments`) over all other axes normalise the input,
/// `y = gamma (x - mean) / sqrt(var + epsilon) + beta`, and update the moving statistics,
/// `moving = moving * momentum + batch * (1 - momentum)`. Inference uses the moving ones.
/// Defaults are Keras's: momentum 0.99, epsilon 1e-3; gamma ones, beta zeros, moving mean
/// zeros, moving variance ones.
public final class BatchNormalization: Layer {
    public let name: String
    public let typeName = "BatchNormalization"
    public let momentum: Float
    public let epsilon: Float
    public private(set) var inputShape: [Int]?
    public private(set) var gamma: Parameter!
    public private(set) var beta: Parameter!
    public private(set) var movingMean: Parameter!
    public private(set) var movingVariance: Parameter!

    private var normalized = Tensor.empty
    private var inverseDeviation = [Float]()
    private var output = Tensor.empty
    private var inputGradient = Tensor.empty

    public init(momentum: Float = 0.99, epsilon: Float = 1e-3, name: String? = nil) {
        precondition(momentum >= 0 && momentum <= 1 && epsilon > 0,
                     "BatchNormalization needs momentum in [0, 1] and epsilon > 0, got \(momentum), \(epsilon)")
        self.momentum = momentum
        self.epsilon = epsilon
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("batch_normalization")
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(!inputShape.isEmpty, "BatchNormalization '\(name)' needs an input with a feature axis")
        self.inputShape = inputShape
        let features = inputShape.last!
        gamma = Parameter(name: "gamma", value: Tensor.ones([features]))
        beta = Parameter(name: "beta", value: Tensor.zeros([features]))
        movingMean = Parameter(name: "moving_mean", value: Tensor.zeros([features]), isTrainable: false)
        movingVariance = Parameter(name: "moving_variance", value: Tensor.ones([features]), isTrainable: false)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    public var parameters: [Parameter] { [gamma, beta, movingMean, movingVariance].compactMap { $0 } }
    public var config: [String: JSONValue] { ["momentum": .double(Double(momentum)), "epsilon": .double(Double(epsilon))] }

    // x: [..., F] -> y: [..., F]
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let features = gamma.value.count
        precondition(x.shape.last == features, "BatchNormalization '\(name)' expects \(features) features, got shape \(x.shape)")
        let rows = x.count / features
        var y = Tensor.empty
        if training { swap(&y, &output) }
        Tensor.reuse(&y, shape: x.shape)
        if !training {
            y.withUnsafeMutableBufferPointer { out in
                x.withUnsafeBufferPointer { input in
                    gamma.value.withUnsafeBufferPointer { g in beta.value.withUnsafeBufferPointer { b in
                    movingMean.value.withUnsafeBufferPointer { mean in movingVariance.value.withUnsafeBufferPointer { variance in
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
            return y
        }
        // Batch statistics in Double for accuracy, one pass for the mean and one for the variance.
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
        inverseDeviation = (0..<features).map { Float(1 / (variance[$0] + Double(epsilon)).squareRoot()) }
        Tensor.reuse(&normalized, shape: x.shape)
        normalized.withUnsafeMutableBufferPointer { xhat in
            y.withUnsafeMutableBufferPointer { out in
                x.withUnsafeBufferPointer { input in
                    gamma.value.withUnsafeBufferPointer { g in beta.value.withUnsafeBufferPointer { b in
                        for r in 0..<rows {
                            for f in 0..<features {
                                let i = r * features + f
                                xhat[i] = (input[i] - Float(mean[f])) * inverseDeviation[f]
                                out[i] = g[f] * xhat[i] + b[f]
                            }
                        }
                    } }
                }
            }
        }
        let keep = momentum
        movingMean.value.withUnsafeMutableBufferPointer { m in
            for f in 0..<features { m[f] = m[f] * keep + Float(mean[f]) * (1 - keep) }
        }
        movingVariance.value.withUnsafeMutableBufferPointer { v in
            for f in 0..<features { v[f] = v[f] * keep + Float(variance[f]) * (1 - keep) }
        }
        output = y
        return y
    }

    // dy -> dgamma += Σ dy x̂, dbeta += Σ dy,
    // dx = gamma / (M sqrt(var + eps)) (M dy - Σ dy - x̂ Σ dy x̂), M = rows per feature
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        let features = gamma.value.count
        let rows = dy.count / features
        var sumGradient = [Float](repeating: 0, count: features)
        var sumGradientNormalized = [Float](repeating: 0, count: features)
        dy.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xhat in
                for r in 0..<rows {
                    for f in 0..<features {
                        let i = r * features + f
                        sumGradient[f] += g[i]
                        sumGradientNormalized[f] += g[i] * xhat[i]
                    }
                }
            }
        }
        gamma.gradient.withUnsafeMutableBufferPointer { dg in for f in 0..<features { dg[f] += sumGradientNormalized[f] } }
        beta.gradient.withUnsafeMutableBufferPointer { db in for f in 0..<features { db[f] += sumGradient[f] } }
        guard needsInputGradient else { return Tensor.empty }
        Tensor.reuse(&inputGradient, shape: dy.shape)
        let m = Float(rows)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            dy.withUnsafeBufferPointer { g in
                normalized.withUnsafeBufferPointer { xhat in
                    gamma.value.withUnsafeBufferPointer { gammaValues in
                        for r in 0..<rows {
                            for f in 0..<features {
                                let i = r * features + f
                                let factor = gammaValues[f] * inverseDeviation[f] / m
                                dx[i] = factor * (m * g[i] - sumGradient[f] - xhat[i] * sumGradientNormalized[f])
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
