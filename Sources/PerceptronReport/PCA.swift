// Principal component analysis to a few components, exact: the top eigenvectors of the sample
// covariance, in Double. Whitening, incremental and randomised PCA are left out.

import Foundation
import PerceptronTensor

/// The principal components of a set of samples, as scikit-learn's `PCA(n_components=k)`
/// computes them up to rounding and sign.
///
/// For samples `x_i` (rows of `[N, D]`, any trailing shape flattened) with mean `μ`, the
/// sample covariance is `C = Σ_i (x_i - μ)(x_i - μ)ᵀ / (N - 1)` (`N - 1`, as scikit-learn's
/// `explained_variance_`). The components are the unit eigenvectors of C with the largest
/// eigenvalues, and a sample's coordinates are `(x - μ) · component`. Two exact ways:
/// - `.covariance` (D ≤ `covarianceWidthLimit`): C is formed in Double (centred samples,
///   4 x 4 blocks summed over the samples, about `N D² / 2` multiply-adds, 0.6 G for 2,000
///   samples of 784 pixels) and its top eigenpairs found by `SymmetricEigen` (Householder
///   tridiagonalisation, implicit QL, inverse iteration).
/// - `.lanczos` (wider, e.g. flattened convolution outputs, where C would not fit): C is
///   never formed. Lanczos iteration with full re-orthogonalisation runs on `v ↦ C v =
///   Xcᵀ (Xc v) / (N - 1)`, and stops once every wanted Ritz pair has the residual
///   `‖C v - θ v‖ ≤ 1e-10 θ_1`, which pins the same eigenvectors down to about 1e-10.
///
/// Signs are fixed so that results do not depend on the solver: each component's entry of
/// largest magnitude is positive (the first such entry on a tie).
public struct PCA: Sendable {
    /// How the eigenvectors were found.
    public enum Method: String, Sendable {
        /// The covariance matrix formed and diagonalised, for D ≤ `covarianceWidthLimit`.
        case covariance
        /// Lanczos iteration on `v ↦ C v` without forming C, for wider samples.
        case lanczos
    }

    /// `μ`, the mean sample, `[D]`.
    public let mean: [Double]
    /// The principal axes, each a unit vector of length D, largest variance first.
    public let components: [[Double]]
    /// The variance along each component (the eigenvalues of C), descending.
    public let variances: [Double]
    /// `trace(C)`, the total variance of the samples.
    public let totalVariance: Double
    /// How the components were computed.
    public let method: Method

    /// Widths up to this use `.covariance` when no method is given; 1,024 keeps C at 8 MB
    /// and its reduction near a second at most. MNIST pixels (784) and Dense(512) outputs use it.
    public static let covarianceWidthLimit = 1024

    /// The share of the total variance each component carries: `variances / totalVariance`
    /// (0 when the samples do not vary).
    public var explainedVarianceRatio: [Double] {
        variances.map { totalVariance > 0 ? $0 / totalVariance : 0 }
    }

    /// Fits the `count` leading components of the rows of `x` (`[N, ...]`, flattened to `[N, D]`).
    ///
    /// - Parameters:
    ///   - x: the rows, `[N, ...]`; each row is one observation of D values.
    ///   - count: components kept; 2 by default, for scatter plots.
    ///   - method: nil chooses `.covariance` for D ≤ `covarianceWidthLimit`, else `.lanczos`.
    /// - Precondition: `N ≥ 1`, `1 ≤ count ≤ D`, finite values.
    public init(fitting x: Tensor, components count: Int = 2, method: Method? = nil) {
        let n = x.sampleCount, d = x.rowWidth
        precondition(n >= 1, "PCA needs at least one sample, got shape \(x.shape)")
        precondition(count >= 1 && count <= d, "PCA cannot keep \(count) components of \(d)-wide samples")
        precondition(x.isFinite, "PCA needs finite values")
        var mean = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { values in
            for row in 0..<n {
                for j in 0..<d { mean[j] += Double(values[row * d + j]) }
            }
        }
        for j in 0..<d { mean[j] /= Double(n) }
        let method = method ?? (d <= PCA.covarianceWidthLimit ? .covariance : .lanczos)
        let divisor = Double(max(n - 1, 1))
        var found: (values: [Double], vectors: [[Double]])
        switch method {
        case .covariance:
            let covariance = PCA.covariance(x, mean: mean).map { $0 / divisor }
            totalVariance = (0..<d).reduce(0) { $0 + covariance[$1 * d + $1] }
            found = SymmetricEigen.largest(count, of: covariance, size: d)
        case .lanczos:
            let centred = PCA.centred(x, mean: mean)
            totalVariance = centred.reduce(0) { $0 + $1 * $1 } / divisor
            found = PCA.lanczos(centred, samples: n, width: d, count: count, divisor: divisor)
        }
        self.mean = mean
        self.method = method
        variances = found.values.map { max($0, 0) }
        components = found.vectors.map(PCA.signFixed)
    }

    /// The coordinates of the rows of `x` on each component: `result[c][i] = (x_i - μ) ·
    /// components[c]`, one array per component (so `result[0]`, `result[1]` are the x and y
    /// of a scatter plot).
    ///
    /// - Precondition: rows of width D.
    public func transform(_ x: Tensor) -> [[Double]] {
        let n = x.sampleCount, d = x.rowWidth
        precondition(d == mean.count, "PCA was fitted on \(mean.count)-wide samples, got \(d)-wide ones")
        var result = components.map { _ in [Double](repeating: 0, count: n) }
        x.withUnsafeBufferPointer { values in
            for row in 0..<n {
                for (c, component) in components.enumerated() {
                    var sum = 0.0
                    for j in 0..<d { sum += (Double(values[row * d + j]) - mean[j]) * component[j] }
                    result[c][row] = sum
                }
            }
        }
        return result
    }

    /// The sign convention: the entry of largest magnitude (first on a tie) made positive.
    static func signFixed(_ vector: [Double]) -> [Double] {
        var best = 0
        for (index, value) in vector.enumerated() where abs(value) > abs(vector[best]) { best = index }
        return vector.isEmpty || vector[best] >= 0 ? vector : vector.map { -$0 }
    }

    /// `Σ_i (x_i - μ)(x_i - μ)ᵀ` as a full `D x D` row-major matrix, in Double.
    ///
    /// The centred samples are packed in panels of 4 features (`panel[b][i][r] = x_i[4b + r] -
    /// μ`), and each 4 x 4 block of the lower triangle is a sum of outer products over the
    /// samples, in a fixed order; blocks are shared among the cores in pairs (first and last,
    /// second and second to last...) so that each core gets an equal share of the triangle.
    static func covariance(_ x: Tensor, mean: [Double]) -> [Double] {
        let n = x.sampleCount, d = x.rowWidth
        let blocks = (d + 3) / 4
        var panels = [Double](repeating: 0, count: blocks * n * 4)
        x.withUnsafeBufferPointer { values in
            for row in 0..<n {
                for j in 0..<d { panels[(j / 4) * n * 4 + row * 4 + j % 4] = Double(values[row * d + j]) - mean[j] }
            }
        }
        let padded = blocks * 4
        var full = [Double](repeating: 0, count: padded * padded)
        panels.withUnsafeBufferPointer { panels in
            full.withUnsafeMutableBufferPointer { output in
                let (p, c) = (panels.baseAddress!, output.baseAddress!)
                Parallel.forEachChunk((blocks + 1) / 2, costPerItem: blocks * n * 16, minimumWork: 1 << 20) { pairs in
                    for pair in pairs {
                        for ib in Set([pair, blocks - 1 - pair]).sorted() {
                            for jb in 0...ib {
                                block(p + ib * n * 4, p + jb * n * 4, samples: n, into: c + ib * 4 * padded + jb * 4, stride: padded)
                            }
                        }
                    }
                }
            }
        }
        var result = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                result[i * d + j] = full[i * padded + j]
                result[j * d + i] = full[i * padded + j]
            }
        }
        return result
    }

    /// One 4 x 4 block: `c[r][s] = Σ_i a[i][r] b[i][s]` over the samples of two panels.
    @inline(__always)
    static func block(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, samples n: Int,
                      into c: UnsafeMutablePointer<Double>, stride: Int) {
        var row0 = SIMD4<Double>(), row1 = SIMD4<Double>(), row2 = SIMD4<Double>(), row3 = SIMD4<Double>()
        for i in 0..<n {
            let bv = UnsafeRawPointer(b + i * 4).loadUnaligned(as: SIMD4<Double>.self)
            let ai = a + i * 4
            row0 += ai[0] * bv
            row1 += ai[1] * bv
            row2 += ai[2] * bv
            row3 += ai[3] * bv
        }
        for (r, row) in [row0, row1, row2, row3].enumerated() {
            for s in 0..<4 { c[r * stride + s] = row[s] }
        }
    }

    /// The samples minus the mean, `[N * D]` row-major, in Double.
    static func centred(_ x: Tensor, mean: [Double]) -> [Double] {
        let d = mean.count
        var result = [Double](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { values in
            for index in 0..<values.count { result[index] = Double(values[index]) - mean[index % d] }
        }
        return result
    }
}
