// PCA for wide samples (flattened convolution outputs): Lanczos iteration on the covariance
// as an operator, never formed. The covariance route for narrower samples is in PCA.swift.

import Foundation
import PerceptronTensor

extension PCA {
    /// Lanczos steps at most; the spectra of layer activations converge in a few dozen.
    static let lanczosStepLimit = 500

    /// The `count` largest eigenpairs of `C = Xcᵀ Xc / divisor`, `Xc` the centred samples
    /// (`[N, D]` row-major).
    ///
    /// Lanczos (Golub and Van Loan, algorithm 10.1.1) from a seeded random unit vector builds
    /// an orthonormal basis Q of the Krylov space and the tridiagonal `T = Qᵀ C Q`. Every new
    /// vector is re-orthogonalised against all of Q twice (classical Gram-Schmidt, "twice is
    /// enough"), so Q stays orthonormal to rounding. After each step the top eigenpairs
    /// `(θ, s)` of T give Ritz pairs `(θ, Q s)` with residual `‖C Q s - θ Q s‖ = β |s_last|`;
    /// the iteration stops when each is at most `1e-10 θ_1`. When the space closes (β ≈ 0) it
    /// restarts from a fresh random vector orthogonal to Q, so rank-deficient data works too.
    static func lanczos(_ xc: [Double], samples n: Int, width d: Int, count: Int,
                        divisor: Double) -> (values: [Double], vectors: [[Double]]) {
        var generator = SeededGenerator(seed: 0x1A2C_2005)
        var basis: [[Double]] = []
        func freshVector() -> [Double] {
            var v = (0..<d).map { _ in generator.nextNormal() }
            orthogonalize(&v, against: basis)
            return scaled(v, by: 1 / max(length(v), .leastNormalMagnitude))
        }
        var alphas: [Double] = [], betas: [Double] = []
        var q = freshVector()
        let limit = min(d, lanczosStepLimit)
        while true {
            basis.append(q)
            var w = covarianceProduct(xc, samples: n, width: d, vector: q, divisor: divisor)
            alphas.append(dot(q, w))
            orthogonalize(&w, against: basis)
            let beta = length(w)
            let k = min(count, alphas.count)
            let ritz = SymmetricEigen.largest(k, diagonal: alphas, offDiagonal: betas)
            let top = max(abs(ritz.values.first ?? 0), .leastNormalMagnitude)
            let converged = k == count && ritz.vectors.allSatisfy { beta * abs($0.last!) <= 1e-10 * top }
            if converged || basis.count >= limit {
                let vectors = ritz.vectors.map { s in
                    var v = [Double](repeating: 0, count: d)
                    for (weight, column) in zip(s, basis) { for j in 0..<d { v[j] += weight * column[j] } }
                    return scaled(v, by: 1 / max(length(v), .leastNormalMagnitude))
                }
                return (ritz.values, vectors)
            }
            if beta <= 1e-13 * top {
                betas.append(0)
                q = freshVector()
            } else {
                betas.append(beta)
                q = scaled(w, by: 1 / beta)
            }
        }
    }

    /// `Xcᵀ (Xc v) / divisor` in Double: rows split among the cores for `Xc v`, columns for
    /// `Xcᵀ u`, each sum in a fixed order.
    static func covarianceProduct(_ xc: [Double], samples n: Int, width d: Int, vector v: [Double],
                                  divisor: Double) -> [Double] {
        var u = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: d)
        xc.withUnsafeBufferPointer { x in
            v.withUnsafeBufferPointer { v in
                u.withUnsafeMutableBufferPointer { u in
                    let (x, v, u) = (x.baseAddress!, v.baseAddress!, u.baseAddress!)
                    Parallel.forEachChunk(n, costPerItem: d) { rows in
                        for row in rows { u[row] = dotProduct(x + row * d, v, count: d) }
                    }
                }
            }
            u.withUnsafeBufferPointer { u in
                w.withUnsafeMutableBufferPointer { w in
                    let (x, u, w) = (x.baseAddress!, u.baseAddress!, w.baseAddress!)
                    Parallel.forEachChunk(d, costPerItem: n) { columns in
                        for row in 0..<n {
                            let weight = u[row] / divisor
                            let source = x + row * d
                            for j in columns { w[j] += weight * source[j] }
                        }
                    }
                }
            }
        }
        return w
    }

    @inline(__always)
    static func dotProduct(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var accumulator = SIMD4<Double>()
        var j = 0
        while j + 4 <= count {
            accumulator += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self)
                * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD4<Double>.self)
            j += 4
        }
        var sum = accumulator.sum()
        while j < count {
            sum += a[j] * b[j]
            j += 1
        }
        return sum
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { dotProduct(a.baseAddress!, $0.baseAddress!, count: a.count) } }
    }

    static func length(_ v: [Double]) -> Double { dot(v, v).squareRoot() }

    static func scaled(_ v: [Double], by factor: Double) -> [Double] { v.map { $0 * factor } }

    /// Removes from `v` its parts along the orthonormal `basis`, twice.
    static func orthogonalize(_ v: inout [Double], against basis: [[Double]]) {
        for _ in 0..<2 {
            for column in basis {
                let c = dot(column, v)
                for j in v.indices { v[j] -= c * column[j] }
            }
        }
    }
}
