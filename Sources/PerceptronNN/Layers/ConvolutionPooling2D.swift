// A Conv2D and the 2x2 max pooling after it, run as one layer in training: how a model
// executes the pair, never what it holds or saves. Built by `Model` when it plans execution.
// Legend: N batch, H/W input size, PH/PW the pooling's output, F filters.

import PerceptronIO
import PerceptronTensor

/// A layer that can run fused with the layer after it, with the same results.
protocol FusingLayer: Layer {
    /// This layer and `next` as one layer, or nil when the two do not fuse.
    /// `needsInputGradient`: whether backward must return dLoss/dInput.
    func fused(with next: any Layer, needsInputGradient: Bool) -> (any Layer)?
}

extension Conv2D: FusingLayer {
    /// A convolution (linear or ReLU) fuses with a 2x2 stride-2 max pooling after it when it is
    /// a short-window one with no input gradient to give (the first layer with weights,
    /// `usesSmallKernel`) or one that runs direct (`ConvolutionProduct.usesDirectKernels`).
    func fused(with next: any Layer, needsInputGradient: Bool) -> (any Layer)? {
        guard activation == .relu || activation == .linear, let pool = next as? Pooling2D, pool.isPairwiseMax else { return nil }
        let shortWindow = !needsInputGradient && usesSmallKernel
        guard shortWindow || convolution.usesDirectKernels else { return nil }
        return ConvolutionPooling2D(convolution: self, pooling: pool)
    }
}

/// `pooling(convolution(x))` with the maps never stored: in training each image's maps are
/// computed in a per-thread buffer and pooled at once (`ConvolutionPoolingKernel`). Backward,
/// for a short-window convolution, forms the kernel and bias gradients from the pooled gradient
/// and the pooling's choices; for a direct one, it expands the pooled gradient to the maps'
/// with the ReLU's mask taken from the pooled values (one pass, instead of the pooling's
/// backward and then the ReLU's), then runs the convolution's backward. Weights and history
/// are bit-identical to running the two layers one after the other.
///
/// Inference, and a convolution that keeps its logits, run the two layers themselves. The
/// short-window backward gives no input gradient, so a model fuses a short-window
/// convolution only as its first layer with weights.
final class ConvolutionPooling2D: Layer {
    /// The convolution, whose weights this layer trains.
    let convolution: Conv2D
    /// The 2x2 stride-2 max pooling after it.
    let pooling: Pooling2D
    /// The convolution's name: the pair stands in its place.
    var name: String { convolution.name }
    /// Not a Keras class: never shown by `summary()` nor saved.
    let typeName = "ConvolutionPooling2D"
    /// The convolution's input shape.
    var inputShape: [Int]? { convolution.inputShape }

    // Training caches (see Tensor.reuse): the input (its windows are read in place), the
    // windows unfolded where they reach padding, the pooled output and its choices, and for a
    // direct convolution the maps' gradient and the input gradient.
    private var input = Tensor.empty
    private var columns = Tensor.empty
    private var pooled = Tensor.empty
    private var choices: [Int32] = []
    private var mapsGradient = Tensor.empty
    private var inputGradient = Tensor.empty
    /// Whether the last training forward ran fused (else backward goes through the two layers).
    private var ranFused = false

    /// The pair `convolution` then `pooling`, both built.
    init(convolution: Conv2D, pooling: Pooling2D) {
        precondition(convolution.inputShape != nil && pooling.inputShape != nil,
                     "ConvolutionPooling2D needs built layers, got '\(convolution.name)' and '\(pooling.name)'")
        self.convolution = convolution
        self.pooling = pooling
    }

    /// The two layers are already built.
    func build(inputShape: [Int], generator: inout SeededGenerator) {}
    func outputShape(for inputShape: [Int]) -> [Int] { pooling.outputShape(for: convolution.outputShape(for: inputShape)) }
    var parameters: [Parameter] { convolution.parameters + pooling.parameters }
    var config: [String: JSONValue] { convolution.config }

    // x: [N, H, W, C] -> y: [N, PH, PW, F] = maxpool2x2(activation(conv(x, kernel) + bias))
    func forward(_ x: Tensor, training: Bool) -> Tensor {
        ranFused = training && !convolution.keepsLogits
        guard ranFused else { return pooling.forward(convolution.forward(x, training: training), training: training) }
        let g = convolution.geometry
        precondition(Array(x.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
                     "Conv2D '\(name)' expects [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], got \(x.shape)")
        var y = Tensor.empty
        swap(&y, &pooled)
        let (kernel, bias, relu) = (convolution.kernel.value, convolution.bias?.value ?? Tensor.empty, convolution.activation == .relu)
        if convolution.usesSmallKernel {
            ConvolutionPoolingKernel.forward(x, kernel: kernel, bias: bias, relu: relu, maps: g, pooling: pooling.geometry,
                                             columns: &columns, into: &y, choices: &choices)
        } else {
            ConvolutionPoolingKernel.directForward(x, product: convolution.convolution, kernel: kernel, bias: bias, relu: relu,
                                                   pooling: pooling.geometry, into: &y, choices: &choices)
        }
        pooled = y
        input = x
        return y
    }

    // dy: [N, PH, PW, F] -> dkernel += columnsᵀ dz, dbias += Σ dz, dz the pooling's and activation's backward of dy
    func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        guard ranFused else {
            let dMaps = pooling.backward(dy, needsInputGradient: true)
            return convolution.backward(dMaps, needsInputGradient: needsInputGradient)
        }
        precondition(dy.shape == pooled.shape, "Conv2D '\(name)' backward through '\(pooling.name)' expects \(pooled.shape), got \(dy.shape)")
        guard convolution.usesSmallKernel else { return directBackward(dy, needsInputGradient: needsInputGradient) }
        precondition(!needsInputGradient, "Conv2D '\(name)' fused with '\(pooling.name)' gives no input gradient")
        convolution.bias.withGradient { db in
            ConvolutionPoolingKernel.addWeightGradients(input: input, dy, pooled: pooled, choices: choices, columns: columns,
                                                        relu: convolution.activation == .relu, maps: convolution.geometry,
                                                        pooling: pooling.geometry, kernel: &convolution.kernel.gradient, bias: &db)
        }
        // Let go of the input, whose buffer its producer reuses in the next step.
        input = Tensor.empty
        return Tensor.empty
    }

    // dy: [N, PH, PW, F] -> dz = relu'(pool'(dy)): [N, OH, OW, F] -> the convolution's backward (dkernel, dbias, dx)
    private func directBackward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        PoolingKernels.backward(dy, kind: .max, geometry: pooling.geometry, choices: choices,
                                reluOf: convolution.activation == .relu ? pooled : nil, into: &mapsGradient)
        let kernel = convolution.kernel!
        convolution.bias.withGradient { db in
            convolution.convolution.backward(input: input, preactivationGradient: mapsGradient, kernel: kernel.value,
                                             needsInputGradient: needsInputGradient, kernelGradient: &kernel.gradient,
                                             biasGradient: &db, inputGradient: &inputGradient)
        }
        input = Tensor.empty
        return needsInputGradient ? inputGradient : Tensor.empty
    }
}
