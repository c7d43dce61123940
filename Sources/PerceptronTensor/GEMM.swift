// Matrix multiply dispatch: the backend protocol, backend selection (system BLAS when
// present, portable Swift kernel otherwise) and the plain reference loop used by tests.

import Foundation

/// A general matrix multiply, row-major:
/// `C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C`,
/// where `op(X)` is `X` or its transpose. When `beta == 0`, `C` is not read (it may hold
/// garbage, even NaN), as in BLAS.
///
/// Callers use `sgemm`, which settles the degenerate products the same way for every backend;
/// a backend implements `multiply`, which only ever sees M, N and K of at least 1.
public protocol GEMMBackend: Sendable {
    /// A short name for reports: `"openblas"`, `"accelerate"`, `"portable"`.
    var name: String { get }
    /// Threads this backend uses for one multiply.
    var threadCount: Int { get }

    /// `C = alpha * op(A) * op(B) + beta * C` on row-major buffers with leading dimensions,
    /// for M, N and K all at least 1 (`sgemm` has handled the rest). Call `sgemm` instead.
    func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
}

extension GEMMBackend {
    /// `C = alpha * op(A) * op(B) + beta * C` on row-major buffers with leading dimensions.
    ///
    /// An empty product (M or N 0) touches nothing. K = 0 gives `C = beta * C`, 0 where beta is 0
    /// (even over NaN), as BLAS defines it; every backend does it here, the same way. Anything
    /// else is the backend's `multiply`.
    public func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                 alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// The GEMM backends and the one in use.
public enum GEMM {
    /// The system BLAS (OpenBLAS on Linux, Accelerate on macOS) if it could be loaded.
    /// Subnormals are flushed to zero first, so the library's threads inherit that mode.
    public static let blas: BLASBackend? = {
        FloatingPointMode.setFlushSubnormalsToZero(true)
        return BLASBackend.load()
    }()
    /// The portable kernel, always available, with the widest micro-kernel this CPU runs or
    /// the one `PERCEPTRON_PORTABLE_KERNEL=swift|avx2|avx512` names.
    public static let portable = PortableGEMM(kernel: portableKernel.kernel)

    /// What `PERCEPTRON_BACKEND` or `PERCEPTRON_PORTABLE_KERNEL` asked for and could not be
    /// honoured, if anything.
    public static var configurationProblem: String? { selection.problem ?? portableKernel.problem }

    private static let portableKernel: (kernel: PortableGEMM.MicroKernel, problem: String?) =
        portableKernel(requested: ProcessInfo.processInfo.environment["PERCEPTRON_PORTABLE_KERNEL"])

    /// The micro-kernel `requested` names (nil, empty or `auto`: the widest this CPU runs).
    static func portableKernel(requested: String?) -> (kernel: PortableGEMM.MicroKernel, problem: String?) {
        let text = requested?.lowercased() ?? ""
        let runnable = PortableGEMM.MicroKernel.available
        if text.isEmpty || text == "auto" { return (.best, nil) }
        guard let kernel = PortableGEMM.MicroKernel(rawValue: text) else {
            return (.best, "PERCEPTRON_PORTABLE_KERNEL=\(text) is not a micro-kernel; use swift, avx2 or avx512")
        }
        guard runnable.contains(kernel) else {
            return (.best, "PERCEPTRON_PORTABLE_KERNEL=\(text): this CPU cannot run it; it runs \(runnable.map(\.rawValue).joined(separator: ", "))")
        }
        return (kernel, nil)
    }

    /// The backend used by `Tensor.matmul` and every layer: `PERCEPTRON_BACKEND=blas|portable`
    /// forces one; by default the system BLAS when it loads, otherwise the portable kernel.
    public static var current: any GEMMBackend { selection.backend }

    private static let selection: (backend: any GEMMBackend, problem: String?) = {
        FloatingPointMode.setFlushSubnormalsToZero(true)
        let requested = ProcessInfo.processInfo.environment["PERCEPTRON_BACKEND"]?.lowercased() ?? ""
        switch requested {
        case "", "auto":
            if let blas { return (blas, nil) }
            return (portable, nil)
        case "blas":
            if let blas { return (blas, nil) }
            return (portable, "PERCEPTRON_BACKEND=blas, but no system BLAS could be loaded (\(BLASBackend.loadFailure ?? "unknown reason")); install OpenBLAS (Debian: apt-get install libopenblas0)")
        case "portable":
            return (portable, nil)
        default:
            return (blas ?? portable, "PERCEPTRON_BACKEND=\(requested) is not a backend; use blas or portable")
        }
    }()

    /// Multiplies with the current backend; see `GEMMBackend.sgemm`.
    @inlinable
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        current.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                      alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// The plain triple loop, in Double accumulation: the reference the fast kernels are tested against.
    public static func reference(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + previous)
            }
        }
    }
}
