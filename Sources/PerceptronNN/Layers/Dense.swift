// Dense (fully connected) layer, forward and backward side by side.
// Legend: N batch, D input features, U units. Kernel [D, U] as Keras stores it.

import PerceptronIO
import PerceptronTensor

/// `y = activation(x W + b)`, Keras's `layers.Dense`.
///
/// The kernel is `[inputWidth, units]` (glorot_uniform by default) and the bias `[units]`
/// (zeros), as Keras initialises them. Inputs of rank above 2 are multiplied on their last
/// axis. The product, bias and ReLU are one kernel call (`DenseProduct`, which also decides
/// when a mostly-zero input such as MNIST's pixels skips its zeros); `Dense.Reference` holds
/// the plain loops of the same maths.
public final class Dense: Layer, LogitsOutputLayer {
    /// The layer's unique name.
    public let name: String
    /// `"Dense"`.
    public let typeName = "Dense"
    /// Output width.
    public let units: Int
    /// Applied to `x W + b`.
    public let activation: ActivationFunction
    /// Whether the layer adds a bias.
    public let useBias: Bool
    /// Draws the kernel's initial values.
    public let kernelInitializer: Initializer
    /// Draws the bias's initial values.
    public let biasInitializer: Initializer
    /// The per-sample input shape, set by `build`.
    public private(set) var inputShape: [Int]?
    /// Whether forward keeps `logits`; the model sets it on its output layer.
    public var keepsLogits = false
    /// The pre-activation values of the last forward, kept when `keepsLogits` is set and
    /// the activation is softmax or sigmoid.
    public private(set) var logits = Tensor.empty

    /// `[D, U]`.
    public private(set) var kernel: Parameter!
    /// `[U]`, nil without bias.
    public private(set) var bias: Parameter?

    // Training caches and reused buffers (see Tensor.reuse).
    private var cachedInput = Tensor.empty
    private var output = Tensor.empty
    private var preactivationGradient = Tensor.empty
    private var inputGradient = Tensor.empty
    /// The product's kernels and the way the last training forward took.
    private var product = DenseProduct()
    /// Whether the last training forward skipped the input's zeros (`DenseProduct.Path.sparseBlocks`).
    var inputWasSparse: Bool { product.inputWasSparse }

    /// A dense layer of `units` outputs; the weights are made when it is first connected.
    ///
    /// The defaults are Keras's: no activation, a bias, glorot_uniform kernel, zero bias.
    ///
    /// - Parameters:
    ///   - units: output width, positive.
    ///   - activation: applied after the bias; `.linear` by default as in Keras.
    ///   - useBias: whether to add a bias `[units]`; true by default.
    ///   - kernelInitializer: draws the kernel `[D, units]`; `.glorotUniform` by default.
    ///   - biasInitializer: fills the bias; `.zeros` by default.
    ///   - name: a unique name; Keras's automatic `dense`, `dense_1`, ... when nil.
    public init(_ units: Int, activation: ActivationFunction = .linear, useBias: Bool = true,
                kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
                name: String? = nil) {
        precondition(units > 0, "Dense needs a positive number of units, got \(units)")
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("dense")
    }

    /// Draws `kernel: [D, units]` (D the input's last dimension), then `bias: [units]` when
    /// `useBias`, from `generator`.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(!inputShape.isEmpty && inputShape.last! > 0,
                     "Dense '\(name)' needs an input with a positive last dimension, got \(inputShape)")
        self.inputShape = inputShape
        kernel = Parameter(name: "kernel", value: kernelInitializer.make([inputShape.last!, units], generator: &generator))
        if useBias { bias = Parameter(name: "bias", value: biasInitializer.make([units], generator: &generator)) }
    }

    /// The input shape with its last dimension replaced by `units`.
    public func outputShape(for inputShape: [Int]) -> [Int] { Array(inputShape.dropLast()) + [units] }

    /// `kernel`, then `bias` when there is one.
    public var parameters: [Parameter] { [kernel].compactMap { $0 } + [bias].compactMap { $0 } }

    /// `units`, `activation`, `use_bias`, `kernel_initializer` and `bias_initializer`, Keras's keys.
    public var config: [String: JSONValue] {
        ["units": .int(units), "activation": .string(activation.rawValue), "use_bias": .bool(useBias),
         "kernel_initializer": .string(kernelInitializer.rawValue), "bias_initializer": .string(biasInitializer.rawValue)]
    }

    // x: [N, D], kernel: [D, U], bias: [U] -> y: [N, U] = activation(x kernel + bias)
    /// The output for a batch; in training, keeps x and y for backward.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let width = kernel.value.shape[0]
        precondition(x.shape.last == width, "Dense '\(name)' expects input of width \(width), got shape \(x.shape)")
        var y = Tensor.empty
        if training { swap(&y, &output) }
        // z = x kernel + bias, with ReLU folded in; then any other activation on z.
        product.forward(x, kernel: kernel.value, bias: bias?.value, relu: activation == .relu, training: training, into: &y)
        activation.finishProduct(&y, keepLogits: keepsLogits, logits: &logits)
        if training {
            cachedInput = x
            output = y
        }
        return y
    }

    // dy: [N, U] -> dz = dy ⊙ act'(y): [N, U] -> (see backward(logitsGradient:))
    /// Accumulates the kernel and bias gradients of the last training forward; returns dx.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        precondition(dy.shape == output.shape, "Dense '\(name)' backward expects \(output.shape), got \(dy.shape)")
        if activation == .relu, let bias {
            // The ReLU derivative and the bias gradient (dz's column sums) in one pass.
            Kernels.reluGradientColumnSums(dy, output: output, into: &preactivationGradient, sums: &bias.gradient)
            return backward(preactivationGradient, needsInputGradient: needsInputGradient, biasGradientDone: true)
        }
        activation.inputGradient(dy, output: output, columns: units, into: &preactivationGradient)
        return backward(logitsGradient: preactivationGradient, needsInputGradient: needsInputGradient)
    }

    // dz: [N, U] (the gradient before the activation) -> dx: [N, D]
    /// Backward from the gradient with respect to the pre-activation z (a loss computed from logits).
    public func backward(logitsGradient dz: Tensor, needsInputGradient: Bool) -> Tensor {
        backward(dz, needsInputGradient: needsInputGradient, biasGradientDone: false)
    }

    // dz: [N, U] -> dkernel += xᵀ dz: [D, U], dbias += Σ_n dz: [U], dx = dz kernelᵀ: [N, D]
    private func backward(_ dz: Tensor, needsInputGradient: Bool, biasGradientDone: Bool) -> Tensor {
        kernel.accumulateGradient { dw, beta in
            product.kernelGradient(input: cachedInput, outputGradient: dz, into: &dw, beta: beta)
        }
        if !biasGradientDone, let bias { Kernels.addColumnSums(of: dz, into: &bias.gradient) }
        let inputShape = cachedInput.shape
        // Backward is the cache's last use; dropping it lets the previous layer reuse its buffer.
        cachedInput = Tensor.empty
        guard needsInputGradient else { return Tensor.empty }
        DenseProduct.inputGradient(dz, kernel: kernel.value, inputShape: inputShape, into: &inputGradient)
        return inputGradient
    }
}

/// A layer that ends in an activation which the loss can differentiate through directly
/// (softmax with categorical cross-entropy, sigmoid with binary cross-entropy): it keeps the
/// pre-activation logits on request, and can run backward from dLoss/dLogits.
public protocol LogitsOutputLayer: Layer {
    /// The activation applied to the logits.
    var activation: ActivationFunction { get }
    /// Set by the model on its last layer so forward keeps `logits`.
    var keepsLogits: Bool { get set }
    /// The pre-activation values `[N, K]` of the last forward, when kept.
    var logits: Tensor { get }
    /// Backward from the gradient with respect to the logits.
    func backward(logitsGradient: Tensor, needsInputGradient: Bool) -> Tensor
}
