// 2-D convolution, channels-last, forward and backward side by side; the product (short-window
// kernels, or im2col and GEMM by chunks) is ConvolutionProduct's.
// Legend: N batch, H/W input size, OH/OW output size, C input channels, F filters, K = KH KW C.

import PerceptronIO
import PerceptronTensor

/// Keras's `layers.Conv2D`: `y = activation(conv(x, kernel) + bias)` on `[N, H, W, C]`.
///
/// The kernel is `[KH, KW, C, F]` (glorot_uniform, with fans multiplied by the receptive
/// field as Keras computes them) and the bias `[F]` (zeros). The input is unfolded into
/// windows (`Im2Col.unfold`, `[N OH OW, K]`) and multiplied by the kernel viewed as `[K, F]`,
/// which gives the channels-last output directly; `ConvolutionProduct` chooses how, and
/// `Conv2D.Reference` holds the plain loops of the same maths. Buffers are reused across steps.
public final class Conv2D: Layer, LogitsOutputLayer {
    /// The layer's unique name.
    public let name: String
    /// `"Conv2D"`.
    public let typeName = "Conv2D"
    /// Output channels F.
    public let filters: Int
    /// The window, KH x KW.
    public let kernelSize: (height: Int, width: Int)
    /// The step between windows.
    public let strides: (height: Int, width: Int)
    /// How the border is treated.
    public let padding: Padding
    /// Applied to `conv(x, kernel) + bias`.
    public let activation: ActivationFunction
    /// Whether the layer adds a bias.
    public let useBias: Bool
    /// The per-sample input shape `[H, W, C]`, set by `build`.
    public private(set) var inputShape: [Int]?
    /// Whether forward keeps `logits`; the model sets it on its output layer.
    public var keepsLogits = false
    /// The pre-activation values of the last forward, kept when `keepsLogits` is set and the
    /// activation is softmax or sigmoid.
    public private(set) var logits = Tensor.empty

    /// `[KH, KW, C, F]`.
    public private(set) var kernel: Parameter!
    /// `[F]`.
    public private(set) var bias: Parameter?
    /// The windows of the built input shape.
    var geometry: WindowGeometry { convolution.geometry }
    /// The product's kernels and their buffers, made by `build`.
    var convolution: ConvolutionProduct!

    /// The training input, kept for backward (the chunked way unfolds it again there).
    private var cachedInput = Tensor.empty
    private var output = Tensor.empty
    private var inferenceOutput = Tensor.empty
    private var preactivationGradient = Tensor.empty
    private var inputGradient = Tensor.empty

    /// A convolution of `filters` output channels; the weights are made when it is first
    /// connected, to an input of samples `[H, W, C]`.
    ///
    /// - Parameters:
    ///   - filters: output channels F, positive.
    ///   - kernelSize: window height and width, e.g. `(3, 3)`, positive.
    ///   - strides: `(1, 1)` by default, as Keras.
    ///   - padding: `.valid` by default, as Keras.
    ///   - activation: applied after the bias; `.linear` by default as in Keras.
    ///   - useBias: whether to add a bias `[F]`; true by default.
    ///   - name: a unique name; Keras's automatic `conv2d`, `conv2d_1`, ... when nil.
    public init(_ filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                activation: ActivationFunction = .linear, useBias: Bool = true, name: String? = nil) {
        precondition(filters > 0 && kernelSize.0 > 0 && kernelSize.1 > 0 && strides.0 > 0 && strides.1 > 0,
                     "Conv2D needs positive filters, kernel size and strides, got \(filters), \(kernelSize), \(strides)")
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("conv2d")
    }

    /// A square kernel: `Conv2D(32, kernelSize: 3, activation: .relu)`.
    public convenience init(_ filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
                            activation: ActivationFunction = .linear, useBias: Bool = true, name: String? = nil) {
        self.init(filters, kernelSize: (kernelSize, kernelSize), strides: (strides, strides), padding: padding,
                  activation: activation, useBias: useBias, name: name)
    }

    func makeGeometry(_ inputShape: [Int]) -> WindowGeometry {
        precondition(inputShape.count == 3, "Conv2D '\(name)' expects samples [H, W, C], got \(inputShape)")
        return WindowGeometry(inputHeight: inputShape[0], inputWidth: inputShape[1], channels: inputShape[2],
                              windowHeight: kernelSize.height, windowWidth: kernelSize.width,
                              strideHeight: strides.height, strideWidth: strides.width, padding: padding)
    }

    /// Draws `kernel: [KH, KW, C, F]` (glorot_uniform) from `generator`, and makes `bias: [F]`
    /// (zeros) when `useBias`; samples must be `[H, W, C]`.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        convolution = ConvolutionProduct(geometry: makeGeometry(inputShape), filters: filters)
        self.inputShape = inputShape
        kernel = Parameter(name: "kernel", value: Initializer.glorotUniform.make(
            [kernelSize.height, kernelSize.width, inputShape[2], filters], generator: &generator))
        if useBias { bias = Parameter(name: "bias", value: Tensor.zeros([filters])) }
    }

    /// `[OH, OW, F]`, with OH and OW as `Padding` gives them.
    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = makeGeometry(inputShape)
        return [g.outputHeight, g.outputWidth, filters]
    }

    /// `kernel`, then `bias` when there is one.
    public var parameters: [Parameter] { [kernel].compactMap { $0 } + [bias].compactMap { $0 } }

    /// `filters`, `kernel_size`, `strides`, `padding`, `activation` and `use_bias`, Keras's keys.
    public var config: [String: JSONValue] {
        ["filters": .int(filters), "kernel_size": .ints([kernelSize.height, kernelSize.width]),
         "strides": .ints([strides.height, strides.width]), "padding": .string(padding.rawValue),
         "activation": .string(activation.rawValue), "use_bias": .bool(useBias)]
    }

    // x: [N, H, W, C], kernel: [KH, KW, C, F], bias: [F] -> y: [N, OH, OW, F] = activation(conv(x, kernel) + bias)
    /// The output for a batch; in training, keeps x and y for backward.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry
        precondition(Array(x.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
                     "Conv2D '\(name)' expects [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], got \(x.shape)")
        var y = Tensor.empty
        // Training keeps the output for backward; inference reuses its own buffer (fresh
        // pages would cost a page fault each).
        if training { swap(&y, &output) } else { swap(&y, &inferenceOutput) }
        // z = unfold(x) kernel + bias, with ReLU folded in; then any other activation on z.
        convolution.forward(x, kernel: kernel.value, bias: bias?.value ?? Tensor.empty, relu: activation == .relu,
                            small: usesSmallKernel, into: &y)
        activation.finishProduct(&y, keepLogits: keepsLogits, logits: &logits)
        if training {
            cachedInput = x
            output = y
        } else {
            inferenceOutput = y
        }
        return y
    }

    /// Whether the short-window kernels replace im2col's GEMM (linear or ReLU activation, a
    /// window of at most 32 values, filters a multiple of 8).
    var usesSmallKernel: Bool { (activation == .relu || activation == .linear) && convolution.fitsSmallKernel }

    // dy: [N, OH, OW, F] -> dz = dy ⊙ act'(y) -> (see backward(logitsGradient:))
    /// Accumulates the kernel and bias gradients of the last training forward; returns dx.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        precondition(dy.shape == output.shape, "Conv2D '\(name)' backward expects \(output.shape), got \(dy.shape)")
        if usesSmallKernel && !needsInputGradient {
            // The first layer: the ReLU mask, kernel and bias gradients in one pass, dz never stored.
            bias.withGradient { db in
                convolution.addWeightGradients(input: cachedInput, dy, output: output, relu: activation == .relu,
                                               kernel: &kernel.gradient, bias: &db)
            }
            cachedInput = Tensor.empty
            return Tensor.empty
        }
        activation.inputGradient(dy, output: output, columns: filters, into: &preactivationGradient)
        return backward(logitsGradient: preactivationGradient, needsInputGradient: needsInputGradient)
    }

    // dz: [N, OH, OW, F] -> dkernel += unfold(x)ᵀ dz, dbias += Σ dz, dx = fold(dz kernelᵀ): [N, H, W, C]
    /// Backward from the gradient with respect to the pre-activation z (a loss computed from logits).
    public func backward(logitsGradient dz: Tensor, needsInputGradient: Bool) -> Tensor {
        precondition(cachedInput.shape.first == dz.shape.first, "Conv2D '\(name)' backward needs a training forward first")
        bias.withGradient { db in
            convolution.backward(input: cachedInput, preactivationGradient: dz, kernel: kernel.value,
                                 needsInputGradient: needsInputGradient, kernelGradient: &kernel.gradient,
                                 biasGradient: &db, inputGradient: &inputGradient)
        }
        // Let go of the input, whose buffer its layer reuses in the next step.
        cachedInput = Tensor.empty
        return needsInputGradient ? inputGradient : Tensor.empty
    }
}
