// Dense (fully connected) layer, forward and backward side by side.
// Legend: N batch, D input features, U units. Kernel [D, U] as Keras stores it.

import PerceptronIO
import PerceptronTensor

/// `y = activation(x W + b)`, Keras's `layers.Dense`.
///
/// The kernel is `[inputWidth, units]` (glorot_uniform by default) and the bias `[units]`
/// (zeros), as Keras initialises them. Inputs of rank above 2 are multiplied on their last
/// axis. The bias add and the activation run in one pass after the GEMM. On AVX2 CPUs a
/// mostly-zero input (MNIST's pixels) skips its zeros (see `SparseProducts`), in the forward
/// and in the kernel gradient.
public final class Dense: Layer, LogitsOutputLayer {
    public let name: String
    public let typeName = "Dense"
    /// Output width.
    public let units: Int
    public let activation: ActivationFunction
    public let useBias: Bool
    public let kernelInitializer: Initializer
    public let biasInitializer: Initializer
    public private(set) var inputShape: [Int]?
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
    /// The input's blocks of non-zero columns (forward) or rows (backward), when the last
    /// training forward took the sparse path (`inputWasSparse`).
    private var sparseInput = SparseBlocks()
    private(set) var inputWasSparse = false

    /// - Parameters:
    ///   - units: output width, positive.
    ///   - activation: applied after the bias; `.linear` by default as in Keras.
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

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(!inputShape.isEmpty && inputShape.last! > 0,
                     "Dense '\(name)' needs an input with a positive last dimension, got \(inputShape)")
        self.inputShape = inputShape
        kernel = Parameter(name: "kernel", value: kernelInitializer.make([inputShape.last!, units], generator: &generator))
        if useBias { bias = Parameter(name: "bias", value: biasInitializer.make([units], generator: &generator)) }
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { Array(inputShape.dropLast()) + [units] }

    public var parameters: [Parameter] { [kernel].compactMap { $0 } + [bias].compactMap { $0 } }

    public var config: [String: JSONValue] {
        ["units": .int(units), "activation": .string(activation.rawValue), "use_bias": .bool(useBias),
         "kernel_initializer": .string(kernelInitializer.rawValue), "bias_initializer": .string(biasInitializer.rawValue)]
    }

    // x: [N, D] -> y: [N, U]
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let width = kernel.value.shape[0]
        precondition(x.shape.last == width, "Dense '\(name)' expects input of width \(width), got shape \(x.shape)")
        let rows = x.count / width
        var y = Tensor.empty
        if training { swap(&y, &output) }
        Tensor.reuse(&y, shape: Array(x.shape.dropLast()) + [units])
        var sparse = false
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                kernel.value.withUnsafeBufferPointer { w in
                    // A mostly-zero input (MNIST's pixels), with the bias and ReLU folded in: a
                    // few rows to predict read only the weight rows of their non-zero entries; a
                    // batch runs as blocks of 6 rows over the columns where one of them is
                    // non-zero (SparseBlocks). Otherwise one GEMM, then bias and activation.
                    if !training && SparseProducts.payForFewRows(input.baseAddress!, rows: rows, columns: width) {
                        // Predicting a few samples: only the weight rows of their non-zero entries.
                        sparse = true
                        withBias { b in
                            SparseBlocks.multiplyFewRows(input.baseAddress!, rows: rows, columns: width, b: w.baseAddress!,
                                                         n: units, bias: b, relu: activation == .relu, into: out.baseAddress!)
                        }
                        return
                    }
                    sparse = SparseProducts.pay(input.baseAddress!, rows: rows, columns: width)
                    if sparse {
                        sparseInput.assign(input.baseAddress!, rows: rows, columns: width)
                        withBias { b in
                            sparseInput.multiply(w.baseAddress!, n: units, bias: b, relu: activation == .relu, into: out.baseAddress!)
                        }
                    } else {
                        GEMM.sgemm(transposeA: false, transposeB: false, m: rows, n: units, k: width,
                                   a: input.baseAddress!, lda: width, b: w.baseAddress!, ldb: units,
                                   c: out.baseAddress!, ldc: units)
                    }
                }
            }
            if activation == .relu {
                if !sparse {
                    let biasValues = bias?.value ?? Tensor.zeros([units])
                    biasValues.withUnsafeBufferPointer { b in
                        Kernels.addBiasReLU(out.baseAddress!, rows: rows, columns: units, bias: b.baseAddress!)
                    }
                }
            } else {
                if useBias && !sparse {
                    bias!.value.withUnsafeBufferPointer { b in
                        Kernels.addBias(out.baseAddress!, rows: rows, columns: units, bias: b.baseAddress!)
                    }
                }
                if keepsLogits && (activation == .softmax || activation == .sigmoid) {
                    Tensor.reuse(&logits, shape: [rows, units])
                    logits.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: out.baseAddress!, count: out.count) }
                }
                activation.apply(out.baseAddress!, rows: rows, columns: units)
            }
        }
        if training {
            cachedInput = x
            output = y
            inputWasSparse = sparse
        }
        return y
    }

    /// Runs `body` with the bias values, or nil without bias.
    private func withBias<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.value.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    // dy: [N, U] -> dx: [N, D]; dW += xᵀ dz, db += Σ_n dz, dx = dz Wᵀ, with dz = dy ⊙ act'(y)
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        precondition(dy.shape == output.shape, "Dense '\(name)' backward expects \(output.shape), got \(dy.shape)")
        if activation == .relu, let bias {
            // The ReLU derivative and the bias gradient (its column sums) in one pass.
            Tensor.reuse(&preactivationGradient, shape: dy.shape)
            preactivationGradient.withUnsafeMutableBufferPointer { dz in
                dy.withUnsafeBufferPointer { g in
                    output.withUnsafeBufferPointer { y in
                        bias.gradient.withUnsafeMutableBufferPointer { db in
                            Kernels.reluGradientColumnSums(g.baseAddress!, output: y.baseAddress!, rows: dz.count / units,
                                                           columns: units, into: dz.baseAddress!, sums: db.baseAddress!)
                        }
                    }
                }
            }
            return backward(preactivationGradient: preactivationGradient, needsInputGradient: needsInputGradient,
                            biasGradientDone: true)
        }
        activation.inputGradient(dy, output: output, columns: units, into: &preactivationGradient)
        return backward(logitsGradient: preactivationGradient, needsInputGradient: needsInputGradient)
    }

    // dz: [N, U] (gradient before the activation) -> dx: [N, D]
    public func backward(logitsGradient dz: Tensor, needsInputGradient: Bool) -> Tensor {
        backward(preactivationGradient: dz, needsInputGradient: needsInputGradient, biasGradientDone: false)
    }

    private func backward(preactivationGradient dz: Tensor, needsInputGradient: Bool, biasGradientDone: Bool) -> Tensor {
        let width = kernel.value.shape[0]
        let rows = dz.count / units
        // dW += xᵀ dz, or dW = xᵀ dz when the step's cleared gradient has not been written yet.
        let overwrite = kernel.takeClearedGradient()
        dz.withUnsafeBufferPointer { g in
            kernel.gradient.withUnsafeMutableBufferPointer { dw in
                if inputWasSparse {
                    // Over the blocks of 6 input features, each with the samples where one of
                    // them is non-zero.
                    cachedInput.withUnsafeBufferPointer { x in
                        sparseInput.assign(x.baseAddress!, rows: rows, columns: width, transposed: true)
                    }
                    sparseInput.multiply(g.baseAddress!, n: units, accumulate: !overwrite, into: dw.baseAddress!)
                } else {
                    cachedInput.withUnsafeBufferPointer { x in
                        GEMM.sgemm(transposeA: true, transposeB: false, m: width, n: units, k: rows,
                                   a: x.baseAddress!, lda: width, b: g.baseAddress!, ldb: units,
                                   beta: overwrite ? 0 : 1, c: dw.baseAddress!, ldc: units)
                    }
                }
            }
            if !biasGradientDone {
                bias?.gradient.withUnsafeMutableBufferPointer { db in
                    Kernels.addColumnSums(of: g.baseAddress!, rows: rows, columns: units, into: db.baseAddress!)
                }
            }
        }
        let inputShape = cachedInput.shape
        // Backward is the cache's last use; dropping it lets the previous layer reuse its buffer.
        cachedInput = Tensor.empty
        guard needsInputGradient else { return Tensor.empty }
        Tensor.reuse(&inputGradient, shape: inputShape)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            dz.withUnsafeBufferPointer { g in
                kernel.value.withUnsafeBufferPointer { w in
                    GEMM.sgemm(transposeA: false, transposeB: true, m: rows, n: width, k: units,
                               a: g.baseAddress!, lda: units, b: w.baseAddress!, ldb: units,
                               c: dx.baseAddress!, ldc: width)
                }
            }
        }
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
