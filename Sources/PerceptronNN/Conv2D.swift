// 2-D convolution, channels-last, as im2col + one GEMM; forward and backward side by side.
// Legend: N batch, H/W input size, OH/OW output size, C input channels, F filters, K = KH KW C.

import PerceptronIO
import PerceptronTensor

/// Keras's `layers.Conv2D`: `y = activation(conv(x, kernel) + bias)` on `[N, H, W, C]`.
///
/// The kernel is `[KH, KW, C, F]` (glorot_uniform, with fans multiplied by the receptive
/// field as Keras computes them) and the bias `[F]` (zeros). The input is unfolded into
/// windows (`Im2Col.unfold`, `[N OH OW, K]`) and multiplied by the kernel viewed as `[K, F]`,
/// which gives the channels-last output directly. Buffers are reused across steps.
public final class Conv2D: Layer, LogitsOutputLayer {
    public let name: String
    public let typeName = "Conv2D"
    public let filters: Int
    public let kernelSize: (height: Int, width: Int)
    public let strides: (height: Int, width: Int)
    public let padding: Padding
    public let activation: ActivationFunction
    public let useBias: Bool
    public private(set) var inputShape: [Int]?
    public var keepsLogits = false
    public private(set) var logits = Tensor.empty

    /// `[KH, KW, C, F]`.
    public private(set) var kernel: Parameter!
    /// `[F]`.
    public private(set) var bias: Parameter?
    var geometry: WindowGeometry!

    var columns = Tensor.empty
    var output = Tensor.empty
    private var inferenceOutput = Tensor.empty
    private var preactivationGradient = Tensor.empty
    private var columnGradient = Tensor.empty
    private var inputGradient = Tensor.empty
    var cachedCount = 0

    /// - Parameters:
    ///   - filters: output channels F.
    ///   - kernelSize: window height and width, e.g. `(3, 3)`.
    ///   - strides: `(1, 1)` by default, as Keras.
    ///   - padding: `.valid` by default, as Keras.
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

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        geometry = makeGeometry(inputShape)
        self.inputShape = inputShape
        kernel = Parameter(name: "kernel", value: Initializer.glorotUniform.make(
            [kernelSize.height, kernelSize.width, inputShape[2], filters], generator: &generator))
        if useBias { bias = Parameter(name: "bias", value: Tensor.zeros([filters])) }
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = makeGeometry(inputShape)
        return [g.outputHeight, g.outputWidth, filters]
    }

    public var parameters: [Parameter] { [kernel].compactMap { $0 } + [bias].compactMap { $0 } }

    public var config: [String: JSONValue] {
        ["filters": .int(filters), "kernel_size": .ints([kernelSize.height, kernelSize.width]),
         "strides": .ints([strides.height, strides.width]), "padding": .string(padding.rawValue),
         "activation": .string(activation.rawValue), "use_bias": .bool(useBias)]
    }

    // x: [N, H, W, C] -> columns: [N OH OW, K] -> y: [N, OH, OW, F] = columns · kernel[K, F] + bias
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry!
        precondition(Array(x.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
                     "Conv2D '\(name)' expects [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], got \(x.shape)")
        let n = x.shape[0]
        let rows = n * g.outputPositions
        var cols = Tensor.empty
        swap(&cols, &columns)
        Tensor.reuse(&cols, shape: [rows, g.patchSize])
        var y = Tensor.empty
        // Training keeps the output for backward; inference reuses its own buffer (fresh
        // pages would cost a page fault each).
        if training { swap(&y, &output) } else { swap(&y, &inferenceOutput) }
        Tensor.reuse(&y, shape: [n, g.outputHeight, g.outputWidth, filters])
        cols.withUnsafeMutableBufferPointer { c in
            x.withUnsafeBufferPointer { Im2Col.unfold($0.baseAddress!, count: n, geometry: g, into: c.baseAddress!) }
        }
        if usesSmallKernel {
            // A short window (the first layer's 3x3x1): one streaming pass, bias and ReLU fused.
            y.withUnsafeMutableBufferPointer { out in
                cols.withUnsafeBufferPointer { c in
                    kernel.value.withUnsafeBufferPointer { w in
                        (bias?.value ?? Tensor.empty).withUnsafeBufferPointer { b in
                            SmallGEMM.multiply(m: rows, n: filters, k: g.patchSize, a: c.baseAddress!, b: w.baseAddress!,
                                               bias: useBias ? b.baseAddress : nil, relu: activation == .relu, c: out.baseAddress!)
                        }
                    }
                }
            }
            columns = cols
            keep(y, training: training, count: n)
            return y
        }
        y.withUnsafeMutableBufferPointer { out in
            cols.withUnsafeBufferPointer { c in
                kernel.value.withUnsafeBufferPointer { w in
                    GEMM.sgemm(transposeA: false, transposeB: false, m: rows, n: filters, k: g.patchSize,
                               a: c.baseAddress!, lda: g.patchSize, b: w.baseAddress!, ldb: filters,
                               c: out.baseAddress!, ldc: filters)
                }
            }
            let biasValues = bias?.value ?? Tensor.zeros([filters])
            biasValues.withUnsafeBufferPointer { b in
                if activation == .relu {
                    Kernels.addBiasReLU(out.baseAddress!, rows: rows, columns: filters, bias: b.baseAddress!)
                } else {
                    if useBias { Kernels.addBias(out.baseAddress!, rows: rows, columns: filters, bias: b.baseAddress!) }
                    if keepsLogits && (activation == .softmax || activation == .sigmoid) {
                        Tensor.reuse(&logits, shape: [n, g.outputHeight, g.outputWidth, filters])
                        logits.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: out.baseAddress!, count: out.count) }
                    }
                    activation.apply(out.baseAddress!, rows: rows, columns: filters)
                }
            }
        }
        // The unfolded input is what backward needs (for the kernel gradient); keep it either way
        // so its buffer is reused.
        columns = cols
        keep(y, training: training, count: n)
        return y
    }

    /// Keeps `y`: as training's output, for backward, or as inference's buffer, to reuse.
    private func keep(_ y: Tensor, training: Bool, count n: Int) {
        if training {
            output = y
            cachedCount = n
        } else {
            inferenceOutput = y
        }
    }

    /// Whether the short-window kernels replace im2col's GEMM (linear or ReLU activation, a
    /// window of at most 32 values, filters a multiple of 8).
    var usesSmallKernel: Bool {
        (activation == .relu || activation == .linear) && SmallGEMM.applies(k: geometry.patchSize, n: filters)
    }

    // dy: [N, OH, OW, F] -> dz = dy ⊙ act'(y) -> dx: [N, H, W, C]
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        precondition(dy.shape == output.shape, "Conv2D '\(name)' backward expects \(output.shape), got \(dy.shape)")
        if usesSmallKernel && !needsInputGradient {
            // The first layer: the ReLU mask, weight and bias gradients in one pass, dz never stored.
            let rows = cachedCount * geometry.outputPositions
            dy.withUnsafeBufferPointer { g in
                output.withUnsafeBufferPointer { y in
                    columns.withUnsafeBufferPointer { c in
                        kernel.gradient.withUnsafeMutableBufferPointer { dw in
                            var biasGradient = bias?.gradient ?? Tensor.empty
                            biasGradient.withUnsafeMutableBufferPointer { db in
                                SmallGEMM.weightGradients(m: rows, n: filters, k: geometry.patchSize, a: c.baseAddress!,
                                                          dy: g.baseAddress!, y: activation == .relu ? y.baseAddress! : nil,
                                                          dw: dw.baseAddress!, db: useBias ? db.baseAddress : nil)
                            }
                            bias?.gradient = biasGradient
                        }
                    }
                }
            }
            return Tensor.empty
        }
        activation.inputGradient(dy, output: output, columns: filters, into: &preactivationGradient)
        return backward(logitsGradient: preactivationGradient, needsInputGradient: needsInputGradient)
    }

    // dz: [N OH OW, F]; dKernel[K, F] += columnsᵀ dz; dBias += Σ dz; dColumns = dz kernelᵀ -> fold -> dx
    public func backward(logitsGradient dz: Tensor, needsInputGradient: Bool) -> Tensor {
        let g = geometry!
        let n = cachedCount
        let rows = n * g.outputPositions
        dz.withUnsafeBufferPointer { d in
            columns.withUnsafeBufferPointer { c in
                kernel.gradient.withUnsafeMutableBufferPointer { dw in
                    GEMM.sgemm(transposeA: true, transposeB: false, m: g.patchSize, n: filters, k: rows,
                               a: c.baseAddress!, lda: g.patchSize, b: d.baseAddress!, ldb: filters,
                               beta: 1, c: dw.baseAddress!, ldc: filters)
                }
            }
            bias?.gradient.withUnsafeMutableBufferPointer { db in
                Kernels.addColumnSums(of: d.baseAddress!, rows: rows, columns: filters, into: db.baseAddress!)
            }
        }
        guard needsInputGradient else { return Tensor.empty }
        Tensor.reuse(&columnGradient, shape: [rows, g.patchSize])
        columnGradient.withUnsafeMutableBufferPointer { dc in
            dz.withUnsafeBufferPointer { d in
                kernel.value.withUnsafeBufferPointer { w in
                    GEMM.sgemm(transposeA: false, transposeB: true, m: rows, n: g.patchSize, k: filters,
                               a: d.baseAddress!, lda: filters, b: w.baseAddress!, ldb: filters,
                               c: dc.baseAddress!, ldc: g.patchSize)
                }
            }
        }
        Tensor.reuse(&inputGradient, shape: [n, g.inputHeight, g.inputWidth, g.channels])
        inputGradient.withUnsafeMutableBufferPointer { dx in
            dx.update(repeating: 0)
            columnGradient.withUnsafeBufferPointer { Im2Col.fold($0.baseAddress!, count: n, geometry: g, into: dx.baseAddress!) }
        }
        return inputGradient
    }
}
