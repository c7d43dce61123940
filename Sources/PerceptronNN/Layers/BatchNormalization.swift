// Batch normalisation over the last axis with Keras's defaults, forward and backward side by
// side; the moving statistics are non-trainable weights, used in inference and saved. The
// loops are in NormalizationKernels. Legend: M rows (every axis but the last), F features.

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
    /// The layer's unique name.
    public let name: String
    /// `"BatchNormalization"`.
    public let typeName = "BatchNormalization"
    /// The weight of the old value in each moving-statistics update, in [0, 1].
    public let momentum: Float
    /// Added to the variance before the square root, positive.
    public let epsilon: Float
    /// The per-sample input shape, set by `build`.
    public private(set) var inputShape: [Int]?
    /// The learned scale `[F]`, ones at first.
    public private(set) var gamma: Parameter!
    /// The learned shift `[F]`, zeros at first.
    public private(set) var beta: Parameter!
    /// The moving mean `[F]` used in inference, zeros at first; not trainable.
    public private(set) var movingMean: Parameter!
    /// The moving variance `[F]` used in inference, ones at first; not trainable.
    public private(set) var movingVariance: Parameter!

    private var normalized = Tensor.empty
    private var inverseDeviation = [Float]()
    private var output = Tensor.empty
    private var inputGradient = Tensor.empty

    /// A batch normalisation layer; the weights are made when it is first connected.
    ///
    /// - Parameters:
    ///   - momentum: in [0, 1]; 0.99 by default, Keras's value, so results match Keras.
    ///   - epsilon: positive; 1e-3 by default, Keras's value, so results match Keras.
    ///   - name: a unique name; Keras's automatic `batch_normalization`, ... when nil.
    public init(momentum: Float = 0.99, epsilon: Float = 1e-3, name: String? = nil) {
        precondition(momentum >= 0 && momentum <= 1 && epsilon > 0,
                     "BatchNormalization needs momentum in [0, 1] and epsilon > 0, got \(momentum), \(epsilon)")
        self.momentum = momentum
        self.epsilon = epsilon
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("batch_normalization")
    }

    /// Makes `gamma`, `beta`, `movingMean` and `movingVariance`, each `[F]` for F the input's
    /// last dimension; draws nothing from `generator`.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(!inputShape.isEmpty, "BatchNormalization '\(name)' needs an input with a feature axis")
        self.inputShape = inputShape
        let features = inputShape.last!
        gamma = Parameter(name: "gamma", value: Tensor.ones([features]))
        beta = Parameter(name: "beta", value: Tensor.zeros([features]))
        movingMean = Parameter(name: "moving_mean", value: Tensor.zeros([features]), isTrainable: false)
        movingVariance = Parameter(name: "moving_variance", value: Tensor.ones([features]), isTrainable: false)
    }

    /// The input shape, unchanged.
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    /// `gamma`, `beta`, `movingMean`, `movingVariance`: Keras's order.
    public var parameters: [Parameter] { [gamma, beta, movingMean, movingVariance].compactMap { $0 } }
    /// `momentum` and `epsilon`.
    public var config: [String: JSONValue] { ["momentum": .double(Double(momentum)), "epsilon": .double(Double(epsilon))] }

    // x: [M, F] -> y: [M, F] = gamma (x - mean) / sqrt(var + epsilon) + beta
    /// Training: normalises with the batch statistics, updates the moving ones and keeps x̂;
    /// inference: uses the moving statistics.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let features = gamma.value.count
        precondition(x.shape.last == features, "BatchNormalization '\(name)' expects \(features) features, got shape \(x.shape)")
        var y = Tensor.empty
        guard training else {
            NormalizationKernels.scaleAndShift(x, gamma: gamma.value, beta: beta.value, mean: movingMean.value,
                                               variance: movingVariance.value, epsilon: epsilon, into: &y)
            return y
        }
        swap(&y, &output)
        let (mean, variance) = NormalizationKernels.moments(x, features: features)
        inverseDeviation = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        NormalizationKernels.normalize(x, mean: mean, inverseDeviation: inverseDeviation, gamma: gamma.value, beta: beta.value,
                                       normalized: &normalized, into: &y)
        NormalizationKernels.updateMovingAverage(&movingMean.value, batch: mean, momentum: momentum)
        NormalizationKernels.updateMovingAverage(&movingVariance.value, batch: variance, momentum: momentum)
        output = y
        return y
    }

    // dy: [M, F] -> dgamma += Σ dy x̂, dbeta += Σ dy: [F];
    // dx = gamma / (M sqrt(var + eps)) (M dy - Σ dy - x̂ Σ dy x̂): [M, F]
    /// Accumulates the gamma and beta gradients of the last training forward; returns dx.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        let sums = NormalizationKernels.gradientSums(dy, normalized: normalized)
        Kernels.add(sums.sumNormalized, into: &gamma.gradient)
        Kernels.add(sums.sum, into: &beta.gradient)
        guard needsInputGradient else { return Tensor.empty }
        NormalizationKernels.inputGradient(dy, normalized: normalized, gamma: gamma.value, inverseDeviation: inverseDeviation,
                                           sums: sums, into: &inputGradient)
        return inputGradient
    }
}
