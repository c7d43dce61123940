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
    /// Bytes of unfolded windows per chunk of images in the general path: 1 MB stays in a
    /// core's cache. The whole batch's windows (18 MB for the second layer of the lesson's
    /// convnet at batch 128) went to memory and back, and an epoch of that convnet took about
    /// 14% longer (median of eight alternating runs each on 20,000 images: 2.94 s -> 2.54 s,
    /// with the first layer's AVX2 gradient sums), with twice the peak memory (650 -> 320 MB).
    var chunkBytes = 1 << 20
    /// The training input, kept for backward (the general path unfolds it again there).
    var cachedInput = Tensor.empty
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
        var y = Tensor.empty
        // Training keeps the output for backward; inference reuses its own buffer (fresh
        // pages would cost a page fault each).
        if training { swap(&y, &output) } else { swap(&y, &inferenceOutput) }
        Tensor.reuse(&y, shape: [n, g.outputHeight, g.outputWidth, filters])
        if usesSmallKernel {
            var cols = Tensor.empty
            swap(&cols, &columns)
            Tensor.reuse(&cols, shape: [rows, g.patchSize])
            cols.withUnsafeMutableBufferPointer { c in
                x.withUnsafeBufferPointer { Im2Col.unfold($0.baseAddress!, count: n, geometry: g, into: c.baseAddress!) }
            }
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
            // Backward needs the input only if it goes on to the input gradient (general path).
            if training { cachedInput = x }
            keep(y, training: training, count: n)
            return y
        }
        // Chunk by chunk of images: each chunk's windows are unfolded, multiplied and activated
        // while they are in the core's cache. The input is kept for backward, which unfolds
        // each chunk again rather than keeping every window.
        let chunk = chunkImages
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        Tensor.reuse(&columns, shape: [min(chunk, n) * g.outputPositions, g.patchSize])
        let biasValues = bias?.value ?? Tensor.zeros([filters])
        y.withUnsafeMutableBufferPointer { out in
            columns.withUnsafeMutableBufferPointer { c in
                x.withUnsafeBufferPointer { input in
                    kernel.value.withUnsafeBufferPointer { w in
                        biasValues.withUnsafeBufferPointer { b in
                            var start = 0
                            while start < n {
                                let count = min(chunk, n - start)
                                let chunkRows = count * g.outputPositions
                                let chunkOut = out.baseAddress! + start * g.outputPositions * filters
                                Im2Col.unfold(input.baseAddress! + start * imageSize, count: count, geometry: g, into: c.baseAddress!)
                                GEMM.sgemm(transposeA: false, transposeB: false, m: chunkRows, n: filters, k: g.patchSize,
                                           a: c.baseAddress!, lda: g.patchSize, b: w.baseAddress!, ldb: filters,
                                           c: chunkOut, ldc: filters)
                                if activation == .relu {
                                    Kernels.addBiasReLU(chunkOut, rows: chunkRows, columns: filters, bias: b.baseAddress!)
                                } else if useBias {
                                    Kernels.addBias(chunkOut, rows: chunkRows, columns: filters, bias: b.baseAddress!)
                                }
                                start += count
                            }
                        }
                    }
                }
            }
            if activation != .relu {
                if keepsLogits && (activation == .softmax || activation == .sigmoid) {
                    Tensor.reuse(&logits, shape: [n, g.outputHeight, g.outputWidth, filters])
                    logits.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: out.baseAddress!, count: out.count) }
                }
                activation.apply(out.baseAddress!, rows: rows, columns: filters)
            }
        }
        if training { cachedInput = x }
        keep(y, training: training, count: n)
        return y
    }

    /// Images per chunk of the general path: about `chunkBytes` of unfolded windows (then as
    /// much of their gradient in backward).
    var chunkImages: Int {
        max(1, chunkBytes / (4 * geometry.outputPositions * geometry.patchSize))
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
            cachedInput = Tensor.empty
            return Tensor.empty
        }
        activation.inputGradient(dy, output: output, columns: filters, into: &preactivationGradient)
        return backward(logitsGradient: preactivationGradient, needsInputGradient: needsInputGradient)
    }

    // dz: [N OH OW, F]; dKernel[K, F] += columnsᵀ dz; dBias += Σ dz; dColumns = dz kernelᵀ -> fold -> dx,
    // chunk by chunk of images, each chunk's windows unfolded again from the kept input.
    public func backward(logitsGradient dz: Tensor, needsInputGradient: Bool) -> Tensor {
        let g = geometry!
        let n = cachedCount
        let rows = n * g.outputPositions
        precondition(cachedInput.shape.first == n, "Conv2D '\(name)' backward needs a training forward first")
        let chunk = chunkImages
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        Tensor.reuse(&columns, shape: [min(chunk, n) * g.outputPositions, g.patchSize])
        if needsInputGradient {
            Tensor.reuse(&columnGradient, shape: [min(chunk, n) * g.outputPositions, g.patchSize])
            Tensor.reuse(&inputGradient, shape: [n, g.inputHeight, g.inputWidth, g.channels])
        }
        dz.withUnsafeBufferPointer { d in
            bias?.gradient.withUnsafeMutableBufferPointer { db in
                Kernels.addColumnSums(of: d.baseAddress!, rows: rows, columns: filters, into: db.baseAddress!)
            }
            columns.withUnsafeMutableBufferPointer { c in
                columnGradient.withUnsafeMutableBufferPointer { dc in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        cachedInput.withUnsafeBufferPointer { input in
                            kernel.value.withUnsafeBufferPointer { w in
                                kernel.gradient.withUnsafeMutableBufferPointer { dw in
                                    if needsInputGradient { dx.update(repeating: 0) }
                                    var start = 0
                                    while start < n {
                                        let count = min(chunk, n - start)
                                        let chunkRows = count * g.outputPositions
                                        let chunkGradient = d.baseAddress! + start * g.outputPositions * filters
                                        Im2Col.unfold(input.baseAddress! + start * imageSize, count: count, geometry: g,
                                                      into: c.baseAddress!)
                                        GEMM.sgemm(transposeA: true, transposeB: false, m: g.patchSize, n: filters, k: chunkRows,
                                                   a: c.baseAddress!, lda: g.patchSize, b: chunkGradient, ldb: filters,
                                                   beta: 1, c: dw.baseAddress!, ldc: filters)
                                        if needsInputGradient {
                                            GEMM.sgemm(transposeA: false, transposeB: true, m: chunkRows, n: g.patchSize, k: filters,
                                                       a: chunkGradient, lda: filters, b: w.baseAddress!, ldb: filters,
                                                       c: dc.baseAddress!, ldc: g.patchSize)
                                            Im2Col.fold(dc.baseAddress!, count: count, geometry: g,
                                                        into: dx.baseAddress! + start * imageSize)
                                        }
                                        start += count
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Let go of the input, whose buffer its layer reuses in the next step.
        cachedInput = Tensor.empty
        return needsInputGradient ? inputGradient : Tensor.empty
    }
}
