// Matrix products of tensors through the current GEMM backend.
// The raw-pointer entry point for layers is `GEMM.sgemm`.

extension Tensor {
    /// `op(self)[M, K] * op(other)[K, N] -> [M, N]`, where `op` transposes when asked.
    /// Transposes are passed to the backend as flags, never materialised.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
                       backend: (any GEMMBackend)? = nil) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs two matrices, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let otherK = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == otherK,
                     "matmul inner dimensions differ: \(shape)\(transposeSelf ? "ᵀ" : "") x \(other.shape)\(transposeOther ? "ᵀ" : "")")
        var result = Tensor(uninitializedShape: [m, n])
        let engine = backend ?? GEMM.current
        result.withUnsafeMutableBufferPointer { c in
            withUnsafeBufferPointer { a in
                other.withUnsafeBufferPointer { b in
                    engine.sgemm(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                                 alpha: 1, a: a.baseAddress!, lda: shape[1],
                                 b: b.baseAddress!, ldb: other.shape[1],
                                 beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return result
    }
}
