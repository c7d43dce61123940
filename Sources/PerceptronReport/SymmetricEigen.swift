// The largest eigenpairs of a real symmetric matrix, in Double: Householder tridiagonalisation,
// implicit QL for the eigenvalues, inverse iteration for the few eigenvectors asked for. No LAPACK.

import Foundation

/// Eigenvalues and eigenvectors of real symmetric matrices (`A = Aᵀ`), computed in Double.
///
/// The method, as in LAPACK's `dsytrd` + `dsterf` + `dstein` + `dormtr`:
/// 1. **Householder tridiagonalisation** (Golub and Van Loan, *Matrix Computations*, 4th ed.,
///    algorithm 8.3.1): n - 2 reflections `H_k = I - τ_k v_k v_kᵀ` make `T = Qᵀ A Q`
///    tridiagonal, with `Q = H_0 H_1 ... H_{n-3}`. Each step is a symmetric matrix-vector
///    product and a rank-2 update of the lower triangle: about `4/3 n³` flops, 0.6 GFlop for
///    n = 784. Q is never formed; the vectors `v_k` are kept.
/// 2. **Implicit QL with Wilkinson shifts** (the `tqli` of *Numerical Recipes*, 2nd ed.,
///    section 11.3) for all eigenvalues of T, without vectors: O(n²).
/// 3. **Inverse iteration** on `T - λI` (tridiagonal LU with partial pivoting) for only the
///    eigenvalues asked for; vectors of eigenvalues closer than `1e-3 ‖T‖` are
///    re-orthogonalised against each other (Gram-Schmidt) at every iteration, as `dstein`
///    does, so equal eigenvalues still give orthonormal vectors.
/// 4. **Back-transformation** `x = Q y`, one reflection at a time: O(n²) per vector.
///
/// Each eigenvector is returned with unit length; its sign is whatever the computation gives
/// (deterministic for a given input). Callers that need a convention (PCA) fix it themselves.
public enum SymmetricEigen {
    /// The `count` largest eigenvalues (descending) and their unit eigenvectors of the
    /// symmetric `n x n` matrix `matrix`, row-major. Only the lower triangle (`j <= i`) is read.
    ///
    /// - Precondition: `matrix.count == n * n`, `0 <= count <= n`, finite entries.
    public static func largest(_ count: Int, of matrix: [Double], size n: Int) -> (values: [Double], vectors: [[Double]]) {
        precondition(matrix.count == n * n, "SymmetricEigen needs \(n * n) entries for a \(n) x \(n) matrix, got \(matrix.count)")
        precondition(count >= 0 && count <= n, "SymmetricEigen: cannot take \(count) eigenpairs of a \(n) x \(n) matrix")
        precondition(matrix.allSatisfy(\.isFinite), "SymmetricEigen needs finite entries")
        if count == 0 { return ([], []) }
        var a = matrix
        let (diagonal, offDiagonal, taus) = tridiagonalize(&a, size: n)
        let (values, tridiagonalVectors) = largest(count, diagonal: diagonal, offDiagonal: offDiagonal)
        var vectors = tridiagonalVectors
        a.withUnsafeBufferPointer { a in
            for index in vectors.indices { backTransform(&vectors[index], reflectors: a.baseAddress!, taus: taus, size: n) }
        }
        return (values, vectors)
    }

    /// The `count` largest eigenvalues (descending) and unit eigenvectors of the symmetric
    /// tridiagonal matrix with `diagonal` (n) and `offDiagonal` (n - 1, entry i joins i and i + 1).
    public static func largest(_ count: Int, diagonal: [Double], offDiagonal: [Double]) -> (values: [Double], vectors: [[Double]]) {
        let n = diagonal.count
        precondition(offDiagonal.count == max(n - 1, 0), "a tridiagonal matrix of size \(n) needs \(max(n - 1, 0)) off-diagonal entries, got \(offDiagonal.count)")
        precondition(count >= 0 && count <= n, "cannot take \(count) eigenpairs of a \(n) x \(n) matrix")
        let values = Array(tridiagonalEigenvalues(diagonal: diagonal, offDiagonal: offDiagonal).reversed().prefix(count))
        let norm = zip(diagonal.indices, diagonal).map { i, d in
            abs(d) + (i > 0 ? abs(offDiagonal[i - 1]) : 0) + (i < n - 1 ? abs(offDiagonal[i]) : 0)
        }.max() ?? 0
        var vectors: [[Double]] = []
        for (index, value) in values.enumerated() {
            // Earlier vectors whose eigenvalue is this close share a cluster and are projected out.
            let cluster = vectors.indices.filter { abs(values[$0] - value) <= 1e-3 * norm }
            vectors.append(inverseIteration(diagonal: diagonal, offDiagonal: offDiagonal, value: value, norm: norm,
                                            seed: UInt64(index), orthogonalTo: cluster.map { vectors[$0] }))
        }
        return (values, vectors)
    }

    /// All eigenvalues of a symmetric tridiagonal matrix, ascending, by implicit QL with
    /// Wilkinson shifts (`tqli`); an off-diagonal entry counts as zero once it is below
    /// `ε (|d_m| + |d_m+1|)` or `ε ‖T‖` (ε the Double epsilon, ‖T‖ the largest row sum).
    public static func tridiagonalEigenvalues(diagonal: [Double], offDiagonal: [Double]) -> [Double] {
        let n = diagonal.count
        var d = diagonal
        var e = offDiagonal + [0]
        if n <= 1 { return d }
        // Entries below ε‖T‖ count as zero too: a block of (near) zeros, which the relative
        // test alone never splits off, then deflates, and the eigenvalues keep an absolute
        // accuracy of about ε‖T‖.
        var norm = 0.0
        for i in 0..<n { norm = max(norm, abs(d[i]) + abs(e[i]) + (i > 0 ? abs(e[i - 1]) : 0)) }
        let floor = Double.ulpOfOne * norm
        for l in 0..<n {
            var iterations = 0
            while true {
                var m = l
                while m < n - 1 {
                    let scale = abs(d[m]) + abs(d[m + 1])
                    if abs(e[m]) <= Double.ulpOfOne * scale || abs(e[m]) <= floor { break }
                    m += 1
                }
                if m == l { break }
                iterations += 1
                // QL converges cubically; 60 sweeps of one eigenvalue never happen on finite input.
                precondition(iterations <= 60, "tridiagonal QL did not converge")
                var g = (d[l + 1] - d[l]) / (2 * e[l])
                var r = (g * g + 1).squareRoot()
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
                var s = 1.0, c = 1.0, p = 0.0
                var i = m - 1
                var deflated = false
                while i >= l {
                    let f = s * e[i]
                    let b = c * e[i]
                    r = (f * f + g * g).squareRoot()
                    e[i + 1] = r
                    if r == 0 {
                        d[i + 1] -= p
                        e[m] = 0
                        deflated = true
                        break
                    }
                    s = f / r
                    c = g / r
                    g = d[i + 1] - p
                    r = (d[i] - g) * s + 2 * c * b
                    p = s * r
                    d[i + 1] = g + p
                    g = c * r - b
                    i -= 1
                }
                if deflated { continue }
                d[l] -= p
                e[l] = g
                e[m] = 0
            }
        }
        return d.sorted()
    }

    // MARK: Householder tridiagonalisation

    /// Reduces the symmetric `a` (row-major, lower triangle used) to tridiagonal form in place.
    /// On return the diagonal and sub-diagonal are returned, and column k of `a` below row
    /// k + 1 holds `v_k[k+2...]` (with `v_k[k+1] = 1`) of the reflection `I - τ_k v_k v_kᵀ`.
    static func tridiagonalize(_ a: inout [Double], size n: Int) -> (diagonal: [Double], offDiagonal: [Double], taus: [Double]) {
        var diagonal = [Double](repeating: 0, count: n)
        var offDiagonal = [Double](repeating: 0, count: max(n - 1, 0))
        var taus = [Double](repeating: 0, count: max(n - 2, 0))
        var v = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        a.withUnsafeMutableBufferPointer { buffer in
            let a = buffer.baseAddress!
            for k in 0..<max(n - 2, 0) {
                // x = a[k+1..<n][k]; H x = β e_1 with β = -sign(x_0) ‖x‖ (LAPACK's dlarfg).
                let alpha = a[(k + 1) * n + k]
                var sigma = 0.0
                for i in (k + 2)..<n { sigma += a[i * n + k] * a[i * n + k] }
                if sigma == 0 {
                    offDiagonal[k] = alpha
                    continue
                }
                let norm = (alpha * alpha + sigma).squareRoot()
                let beta = alpha >= 0 ? -norm : norm
                let tau = (beta - alpha) / beta
                let divisor = alpha - beta
                offDiagonal[k] = beta
                taus[k] = tau
                let m = n - k - 1
                v[0] = 1
                for i in 1..<m {
                    a[(k + 1 + i) * n + k] /= divisor
                    v[i] = a[(k + 1 + i) * n + k]
                }
                v.withUnsafeMutableBufferPointer { vb in
                    w.withUnsafeMutableBufferPointer { wb in
                        let (v, p) = (vb.baseAddress!, wb.baseAddress!)
                        // p = τ A22 v, from the lower triangle of the trailing block.
                        p.update(repeating: 0, count: m)
                        for i in 0..<m {
                            let row = a + (k + 1 + i) * n + (k + 1)
                            let dot = dotAndAxpy(row, v, count: i, into: p, scale: v[i])
                            p[i] += dot + row[i] * v[i]
                        }
                        var pv = 0.0
                        for i in 0..<m {
                            p[i] *= tau
                            pv += p[i] * v[i]
                        }
                        // w = p - (τ/2)(pᵀv) v; A22 -= v wᵀ + w vᵀ.
                        let half = tau / 2 * pv
                        for i in 0..<m { p[i] -= half * v[i] }
                        for i in 0..<m {
                            let row = a + (k + 1 + i) * n + (k + 1)
                            rankTwoUpdate(row, count: i + 1, v: v, w: p, vi: v[i], wi: p[i])
                        }
                    }
                }
            }
            for i in 0..<n { diagonal[i] = a[i * n + i] }
            if n >= 2 { offDiagonal[n - 2] = a[(n - 1) * n + n - 2] }
        }
        return (diagonal, offDiagonal, taus)
    }

    /// `Σ_j r_j v_j` over `j < count`, while adding `scale · r_j` to `p_j` (one pass over a row).
    @inline(__always)
    static func dotAndAxpy(_ r: UnsafePointer<Double>, _ v: UnsafePointer<Double>, count: Int,
                           into p: UnsafeMutablePointer<Double>, scale: Double) -> Double {
        var accumulator = SIMD4<Double>()
        let s = SIMD4<Double>(repeating: scale)
        var j = 0
        while j + 4 <= count {
            let rv = UnsafeRawPointer(r + j).loadUnaligned(as: SIMD4<Double>.self)
            let vv = UnsafeRawPointer(v + j).loadUnaligned(as: SIMD4<Double>.self)
            accumulator += rv * vv
            let pv = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD4<Double>.self) + s * rv
            UnsafeMutableRawPointer(p + j).storeBytes(of: pv, as: SIMD4<Double>.self)
            j += 4
        }
        var sum = accumulator.sum()
        while j < count {
            sum += r[j] * v[j]
            p[j] += scale * r[j]
            j += 1
        }
        return sum
    }

    /// `r_j -= vi · w_j + wi · v_j` for `j < count`: one row of `A -= v wᵀ + w vᵀ`.
    @inline(__always)
    static func rankTwoUpdate(_ r: UnsafeMutablePointer<Double>, count: Int, v: UnsafePointer<Double>,
                              w: UnsafePointer<Double>, vi: Double, wi: Double) {
        let vs = SIMD4<Double>(repeating: vi), ws = SIMD4<Double>(repeating: wi)
        var j = 0
        while j + 4 <= count {
            let rv = UnsafeRawPointer(r + j).loadUnaligned(as: SIMD4<Double>.self)
            let wv = UnsafeRawPointer(w + j).loadUnaligned(as: SIMD4<Double>.self)
            let vv = UnsafeRawPointer(v + j).loadUnaligned(as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(r + j).storeBytes(of: rv - vs * wv - ws * vv, as: SIMD4<Double>.self)
            j += 4
        }
        while j < count {
            r[j] -= vi * w[j] + wi * v[j]
            j += 1
        }
    }

    /// `x = H_0 H_1 ... H_{n-3} x`, the reflections stored by `tridiagonalize`.
    static func backTransform(_ x: inout [Double], reflectors a: UnsafePointer<Double>, taus: [Double], size n: Int) {
        for k in stride(from: n - 3, through: 0, by: -1) where taus[k] != 0 {
            var dot = x[k + 1]
            for i in (k + 2)..<n { dot += a[i * n + k] * x[i] }
            let scale = taus[k] * dot
            x[k + 1] -= scale
            for i in (k + 2)..<n { x[i] -= scale * a[i * n + k] }
        }
    }
}
