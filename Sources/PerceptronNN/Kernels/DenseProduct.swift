// The product of a Dense layer on tensors: z = x W + b with ReLU folded in on request, and its
// gradients dW, db, dx. The one place that chooses how x W is computed; layers call it.
// Legend: N rows (the batch, or every leading axis), D input width, U units.

import PerceptronTensor

/// `z = relu?(x W + b)` and its gradients, for a Dense layer.
///
/// `x W` goes one of three ways, chosen per call by `path(for:rows:columns:training:)`:
/// - `.fewSparseRows`: inference on at most `SparseProducts.fewRowsMaximum` mostly-zero rows
///   (predicting one image) reads only the weight rows of their non-zero entries;
/// - `.sparseBlocks`: at least `SparseProducts.minimumRows` mostly-zero rows (MNIST's pixels,
///   about 81% zeros) run as blocks of a few rows (`SparseBlocks.preferredHeight`) over the
///   columns where one of them is non-zero;
///   the kernel gradient of that forward then runs over the same blocks, of xᵀ;
/// - `.gemm`: one GEMM, then the bias (and ReLU) in one pass.
/// The sparse ways need AVX2 (`SparseProducts.enabled`). Each way sums in its own order, fixed
/// for a given path and shape, so a run is reproducible; `Dense.Reference` is the definition
/// the tests hold each way to.
struct DenseProduct {
    /// The ways of computing `x W`; see the type's documentation.
    enum Path { case fewSparseRows, sparseBlocks, gemm }

    /// The input's blocks of non-zero columns (forward) or rows (backward, of xᵀ).
    private var sparseInput = SparseBlocks()
    /// The path of the last training forward, which the kernel gradient follows.
    private(set) var trainingPath = Path.gemm
    /// Whether `sparseInput` was last built from a training forward's input (an inference
    /// forward in between builds it from another).
    private var blocksHoldTrainingInput = false

    /// Whether the last training forward took the sparse-blocks way.
    var inputWasSparse: Bool { trainingPath == .sparseBlocks }

    /// The way `x: [rows, columns]` is multiplied: few sparse rows only in inference, sparse
    /// blocks when enough rows are mostly zero (`SparseProducts.pay`), GEMM otherwise.
    static func path(for x: UnsafePointer<Float>, rows: Int, columns: Int, training: Bool) -> Path {
        if !training && SparseProducts.payForFewRows(x, rows: rows, columns: columns) { return .fewSparseRows }
        return SparseProducts.pay(x, rows: rows, columns: columns) ? .sparseBlocks : .gemm
    }

    // x: [N, D], w: [D, U], b: [U] -> z: [N, U] = relu?(x w + b); z keeps its storage when it can
    mutating func forward(_ x: Tensor, kernel w: Tensor, bias b: Tensor?, relu: Bool, training: Bool, into z: inout Tensor) {
        let (width, units) = (w.shape[0], w.shape[1])
        let rows = x.count / width
        Tensor.reuse(&z, shape: Array(x.shape.dropLast()) + [units])
        var path = Path.gemm
        z.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                w.withUnsafeBufferPointer { w in
                    path = Self.path(for: input.baseAddress!, rows: rows, columns: width, training: training)
                    switch path {
                    case .fewSparseRows:
                        withBias(b) { b in
                            SparseBlocks.multiplyFewRows(input.baseAddress!, rows: rows, columns: width, b: w.baseAddress!,
                                                         n: units, bias: b, relu: relu, into: out.baseAddress!)
                        }
                    case .sparseBlocks:
                        sparseInput.assign(input.baseAddress!, rows: rows, columns: width)
                        blocksHoldTrainingInput = training
                        withBias(b) { b in
                            sparseInput.multiply(w.baseAddress!, n: units, bias: b, relu: relu, into: out.baseAddress!)
                        }
                    case .gemm:
                        GEMM.sgemm(transposeA: false, transposeB: false, m: rows, n: units, k: width,
                                   a: input.baseAddress!, lda: width, b: w.baseAddress!, ldb: units,
                                   c: out.baseAddress!, ldc: units)
                    }
                }
            }
        }
        if path == .gemm {
            // ReLU without bias still adds zeros: -0 then reads as +0, as it always has.
            if relu {
                Kernels.addBiasReLU(&z, columns: units, bias: b ?? Tensor.zeros([units]))
            } else if let b {
                Kernels.addBias(&z, columns: units, bias: b)
            }
        }
        if training { trainingPath = path }
    }

    /// Runs `body` with the bias values, or nil without bias.
    private func withBias<R>(_ bias: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    // x: [N, D], dz: [N, U] -> dw: [D, U] = xᵀ dz + beta dw (beta 0: dw is not read)
    /// The kernel gradient of the last training forward, whose input is `x`: over the blocks
    /// of a few input features (each with the samples where one of them is non-zero) when that
    /// forward was sparse, else one GEMM.
    mutating func kernelGradient(input x: Tensor, outputGradient dz: Tensor, into dw: inout Tensor, beta: Float) {
        let (width, units) = (dw.shape[0], dw.shape[1])
        let rows = dz.count / units
        let sparse = inputWasSparse
        dz.withUnsafeBufferPointer { g in
            dw.withUnsafeMutableBufferPointer { dw in
                x.withUnsafeBufferPointer { x in
                    if sparse {
                        // The forward's input, unchanged: its non-zero masks are still those held.
                        sparseInput.assign(x.baseAddress!, rows: rows, columns: width, transposed: true,
                                           sameInput: blocksHoldTrainingInput)
                        blocksHoldTrainingInput = false
                        sparseInput.multiply(g.baseAddress!, n: units, accumulate: beta != 0, into: dw.baseAddress!)
                    } else {
                        GEMM.sgemm(transposeA: true, transposeB: false, m: width, n: units, k: rows,
                                   a: x.baseAddress!, lda: width, b: g.baseAddress!, ldb: units,
                                   beta: beta, c: dw.baseAddress!, ldc: units)
                    }
                }
            }
        }
    }

    // dz: [N, U], w: [D, U] -> dx: [N, D] = dz wᵀ, shaped as `inputShape`
    static func inputGradient(_ dz: Tensor, kernel w: Tensor, inputShape: [Int], into dx: inout Tensor) {
        let (width, units) = (w.shape[0], w.shape[1])
        let rows = dz.count / units
        Tensor.reuse(&dx, shape: inputShape)
        dx.withUnsafeMutableBufferPointer { dx in
            dz.withUnsafeBufferPointer { g in
                w.withUnsafeBufferPointer { w in
                    GEMM.sgemm(transposeA: false, transposeB: true, m: rows, n: width, k: units,
                               a: g.baseAddress!, lda: units, b: w.baseAddress!, ldb: units,
                               c: dx.baseAddress!, ldc: width)
                }
            }
        }
    }
}
