// A gradient check through a whole convnet, Input -> Conv2D -> MaxPooling2D ->
// BatchNormalization -> Dropout -> Flatten -> Dense softmax with categorical cross-entropy,
// on the model's training path: the first convolution and its pooling run fused (and, for
// comparison, unfused), BatchNormalization uses the batch statistics, the loss comes from the
// logits. The gradients of every trainable weight are checked against central differences of
// a Double re-implementation of the network, and against Float differences of the model's own
// forward.
// Legend: N batch, F filters, K classes.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct ConvnetGradientTests {
    // x: [N, 6, 6, 1] -> conv 3x3 [N, 4, 4, F] -> pool 2x2 [N, 2, 2, F] -> batch norm -> dropout
    // -> flatten [N, 4F] -> dense [N, K]; N = 4, F = 8 (the short-window kernels, fusable), K = 3.
    static let (n, size, filters, classes) = (4, 6, 8, 3)
    static let pooled = 2 * 2 * filters

    /// The convnet, its weights set from seeds away from zero (biases too), and a batch.
    struct Setup {
        let model: Model
        let dropout: Dropout
        let x: [Double]
        let targets: [Double]
        /// The Dropout state before the step: restoring it replays the step's mask.
        let dropoutState: [UInt64]
        /// The step's mask, `[N, 2, 2, F]`: 0 (dropped) or 2 (kept, scaled by 1 / (1 - 0.5)).
        let mask: [Double]
        let epsilon: Double

        var trainable: [Parameter] { model.parameters.filter(\.isTrainable) }
    }

    static func setup(fused: Bool, tag: String) -> Setup {
        let dropout = Dropout(0.5, name: "gc_dropout_\(tag)")
        let model = functionalModel([size, size, 1], [
            Conv2D(filters, kernelSize: 3, activation: .relu, name: "gc_conv_\(tag)"), MaxPooling2D(2, name: "gc_pool_\(tag)"),
            BatchNormalization(name: "gc_norm_\(tag)"), dropout, Flatten(name: "gc_flatten_\(tag)"),
            Dense(classes, activation: .softmax, name: "gc_output_\(tag)"),
        ], seed: 61, name: "gc_convnet_\(tag)")
        model.fusesLayers = fused
        // kernel, bias, gamma, beta, moving mean, moving variance, dense kernel, dense bias. The
        // seeds of the kernel (81) and of x (70) keep every pre-activation 4.5e-3 or more from
        // ReLU's kink and every pooling window's top two values 9e-3 or more apart
        // (`requireSmooth`), which the Float differences need.
        let values: [[Double]] = [
            randomValues(9 * filters, seed: 81, in: -0.6...0.6), randomValues(filters, seed: 63, in: -0.1...0.3),
            randomValues(filters, seed: 64, in: 0.5...1.5), randomValues(filters, seed: 65, in: -0.5...0.5),
            model.parameters[4].value.doubles, model.parameters[5].value.doubles,
            randomValues(pooled * classes, seed: 66, in: -0.5...0.5), randomValues(classes, seed: 67, in: -0.3...0.3),
        ]
        model.setWeights(zip(values, model.parameters).map { tensor($0, $1.value.shape) })
        let x = randomValues(n * size * size, seed: 70, in: 0...1)
        let targets = (0..<n).flatMap { i in (0..<classes).map { $0 == (i * 2) % classes ? 1.0 : 0 } }
        // Dropout draws its mask from its own generator, one draw per value per training
        // forward, and exposes the generator's state (`randomState`, saved in checkpoints).
        // Running it once on ones from a saved state reads the mask the next training forward
        // will use; restoring the state before every forward makes the forward a fixed, smooth
        // function of the weights, so central differences see the same mask as backward. The
        // rate of 0.5 drops about half the units: the check covers dropped units (no gradient
        // through them) and kept ones (twice the gradient).
        let state = dropout.randomState
        let mask = dropout.forward(Tensor(shape: [n, 2, 2, filters], repeating: 1), training: true).doubles
        dropout.randomState = state
        let norm = model.layers[2] as! BatchNormalization
        return Setup(model: model, dropout: dropout, x: x, targets: targets, dropoutState: state, mask: mask,
                     epsilon: Double(norm.epsilon))
    }

    /// The convolution's pre-activations in Double, `[N, 4, 4, F]`.
    static func convolution(_ s: Setup, kernel: [Double], bias: [Double]) -> [Double] {
        WindowReference.conv(s.x, n: n, h: size, w: size, c: 1, kernel, kh: 3, kw: 3, f: filters, bias, stride: (1, 1), same: false).y
    }

    /// The mean categorical cross-entropy, from the logits as the training step computes it,
    /// of the network with trainable weights `theta` (the model's trainable parameters in
    /// order, flattened), in Double.
    static func meanLoss(_ s: Setup, _ theta: [Double]) -> Double {
        var rest = theta[...]
        func take(_ count: Int) -> [Double] {
            defer { rest = rest.dropFirst(count) }
            return Array(rest.prefix(count))
        }
        let (kernel, bias, gamma, beta) = (take(9 * filters), take(filters), take(filters), take(filters))
        let (weights, offsets) = (take(pooled * classes), take(classes))
        let maps = convolution(s, kernel: kernel, bias: bias).map { max(0, $0) }
        let pooledMaps = WindowReference.pool(maps, n: n, h: 4, w: 4, c: filters, window: (2, 2), stride: (2, 2), same: false, max: true)
        // Batch statistics per channel over N x 2 x 2, the biased variance.
        let rows = pooledMaps.count / filters
        var normalized = pooledMaps
        for f in 0..<filters {
            let column = stride(from: f, to: pooledMaps.count, by: filters).map { pooledMaps[$0] }
            let mean = column.reduce(0, +) / Double(rows)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rows)
            for r in 0..<rows {
                normalized[r * filters + f] = gamma[f] * (pooledMaps[r * filters + f] - mean) / (variance + s.epsilon).squareRoot() + beta[f]
            }
        }
        let dropped = zip(normalized, s.mask).map { $0 * $1 }
        let logits = Reference.affine(dropped, rows: n, weights, offsets, inWidth: pooled, units: classes)
        return Reference.mean(Reference.perSample(.categoricalCrossentropy, logits: logits, targets: s.targets, rows: n, columns: classes))
    }

    /// Requires every pre-activation to be further than `margin` from ReLU's kink, and every
    /// pooling window's largest positive value further than `margin` from its runner-up, so
    /// the differences do not cross a change of ReLU mask or of the pooling's choice.
    static func requireSmooth(_ s: Setup, margin: Double) throws {
        let parameters = s.model.parameters
        let z = convolution(s, kernel: parameters[0].value.doubles, bias: parameters[1].value.doubles)
        try #require(z.allSatisfy { abs($0) > margin }, "a pre-activation within \(margin) of 0")
        let gap = smallestMaximumGap(z.map { max(0, $0) }, n: n, h: 4, w: 4, c: filters, window: 2, stride: 2)
        try #require(gap > margin, "pooling windows' top two values \(gap) apart")
        // Each channel of the pooled maps varies over the batch, so BatchNormalization's
        // normalisation is exercised rather than a constant channel.
        let pooledMaps = WindowReference.pool(z.map { max(0, $0) }, n: n, h: 4, w: 4, c: filters, window: (2, 2), stride: (2, 2),
                                              same: false, max: true)
        for f in 0..<filters {
            try #require(Set(stride(from: f, to: pooledMaps.count, by: filters).map { pooledMaps[$0] }).count > 4, "channel \(f)")
        }
    }

    /// One training step (zero learning rate): returns the reported loss; gradients are left in the parameters.
    static func step(_ s: Setup) -> Double {
        gradientStep(s.model, loss: .categoricalCrossentropy, x: tensor(s.x, [n, size, size, 1]), y: tensor(s.targets, [n, classes]))
    }

    @Test("Convnet training step: every weight's gradient against Double central differences of the mean loss",
          arguments: [true, false])
    func doubleDifferences(fused: Bool) throws {
        let s = Self.setup(fused: fused, tag: "double_\(fused)")
        #expect((s.model.executionLayers.first is ConvolutionPooling2D) == fused, "the fused pair must run fused exactly when asked")
        #expect(s.mask.contains(0) && s.mask.contains(2) && s.mask.allSatisfy { $0 == 0 || $0 == 2 })
        try Self.requireSmooth(s, margin: 1e-4)
        let theta = s.trainable.flatMap(\.value.doubles)
        #expect(theta.count == 9 * Self.filters + 3 * Self.filters + Self.pooled * Self.classes + Self.classes)

        let reported = Self.step(s)
        #expect(s.model.logitsOutput != nil, "the loss comes from the logits")
        #expect(s.dropout.randomState != s.dropoutState, "the step drew a mask")
        // The step's loss is the reference's, with the mask read beforehand.
        #expect(isClose(reported, Self.meanLoss(s, theta), relative: 1e-5, absolute: 1e-6), "reported loss \(reported)")
        let analytic = s.trainable.flatMap(\.gradient.doubles)
        expectClose(analytic, centralDifferences(at: theta) { Self.meanLoss(s, $0) }, relative: 1e-4, absolute: 1e-5, "dL/dθ")
        // Every layer with weights gets a gradient (dropped units leave some dense rows at 0).
        for layer in s.model.layers {
            for parameter in layer.parameters where parameter.isTrainable {
                #expect(parameter.gradient.scalars.contains { $0 != 0 }, "\(layer.name) \(parameter.name) has no gradient")
            }
        }
        #expect(s.trainable.flatMap(\.value.doubles) == theta, "a zero learning rate leaves the weights")
    }

    @Test("Convnet training step: every weight's gradient against Float differences (eps 1e-3) of the model's own forward",
          arguments: [true, false])
    func floatDifferences(fused: Bool) throws {
        let s = Self.setup(fused: fused, tag: "float_\(fused)")
        // A step of 1e-3 in one convolution weight moves each pre-activation by at most 1e-3
        // (inputs in [0, 1]), and the gap between two cells of a window by as much.
        try Self.requireSmooth(s, margin: 2e-3)
        _ = Self.step(s)
        let x = tensor(s.x, [Self.n, Self.size, Self.size, 1])
        func loss() -> Double {
            s.dropout.randomState = s.dropoutState
            let p = s.model.forward(x, training: true).doubles
            return Reference.mean((0..<Self.n).map { i in
                -(0..<Self.classes).reduce(0) { $0 + s.targets[i * Self.classes + $1] * Foundation.log(p[i * Self.classes + $1]) }
            })
        }
        // Largest error measured on x86-64: 2.4e-4 (the convolution kernel, gradients up to 1.9).
        for layer in s.model.layers {
            for parameter in layer.parameters where parameter.isTrainable {
                expectClose(parameter.gradient.doubles, perturbedDifferences(of: parameter, step: 1e-3, loss), relative: 0,
                            absolute: 1e-3, "dL/d \(layer.name) \(parameter.name)")
            }
        }
    }
}
