// PCA and the symmetric eigen-solver: a hand-checkable PCA, both PCA routes against each other,
// the solver against a plain cyclic Jacobi reference on odd sizes, repeated and zero eigenvalues.

import Foundation
import PerceptronTensor
import Testing
@testable import PerceptronReport

/// Reference maths for these tests, written plainly.
private enum EigenReference {
    /// All eigenpairs of a symmetric matrix by cyclic Jacobi rotations (Golub and Van Loan,
    /// algorithm 8.5.3), sorted by descending eigenvalue; vectors are the columns of V.
    static func jacobi(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        var v = (0..<n * n).map { $0 / n == $0 % n ? 1.0 : 0.0 }
        let total = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in 0..<n where p != q { off += a[p * n + q] * a[p * n + q] } }
            if off <= 1e-32 * total { break }
            for p in 0..<n {
                for q in (p + 1)..<n where a[p * n + q] != 0 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let (akp, akq) = (a[k * n + p], a[k * n + q])
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let (apk, aqk) = (a[p * n + k], a[q * n + k])
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let (vkp, vkq) = (v[k * n + p], v[k * n + q])
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        return (order.map { a[$0 * n + $0] }, order.map { j in (0..<n).map { v[$0 * n + j] } })
    }

    /// A symmetric matrix with entries uniform in -1...1.
    static func randomSymmetric(_ n: Int, seed: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                a[i * n + j] = generator.nextDouble() * 2 - 1
                a[j * n + i] = a[i * n + j]
            }
        }
        return a
    }

    /// `‖A v - λ v‖`.
    static func residual(_ a: [Double], _ n: Int, value: Double, vector: [Double]) -> Double {
        (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i * n + $1] * vector[$1] } - value * vector[i] }
            .reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Rows of random samples `[n, d]` whose variance decays along random directions.
    static func decayingSamples(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: n * d)
        let directions = (0..<4).map { _ in (0..<d).map { _ in generator.nextNormal() } }
        for row in 0..<n {
            for (k, direction) in directions.enumerated() {
                let weight = generator.nextNormal() * [6.0, 3.0, 1.5, 0.7][k]
                for j in 0..<d { values[row * d + j] += Float(weight * direction[j]) }
            }
            for j in 0..<d { values[row * d + j] += Float(0.1 * generator.nextNormal() + 2) }
        }
        return Tensor(shape: [n, d], scalars: values)
    }
}

@Suite("PCA and the symmetric eigen-solver")
struct RepresentationPCATests {
    /// Four points of a rhombus in 3-D: ±(8, -6, 0) (length 10) and ±(3, 4, 0) (length 5),
    /// shifted by (1, 2, 3). By hand: variances 2·100/3 and 2·25/3, the axes (0.8, -0.6, 0)
    /// and (0.6, 0.8, 0) with the largest entry positive, coordinates ±10 and ±5.
    @Test(arguments: [PCA.Method.covariance, .lanczos])
    func rhombusByHand(method: PCA.Method) {
        let points: [[Float]] = [[9, -4, 3], [-7, 8, 3], [4, 6, 3], [-2, -2, 3]]
        let x = Tensor(rows: points)
        let pca = PCA(fitting: x, components: 2, method: method)
        #expect(pca.method == method)
        expectNear(pca.mean, [1, 2, 3], 1e-12)
        expectNear(pca.variances, [200.0 / 3, 50.0 / 3], 1e-10)
        #expect(abs(pca.totalVariance - 250.0 / 3) < 1e-10)
        expectNear(pca.explainedVarianceRatio, [0.8, 0.2], 1e-12)
        expectNear(pca.components[0], [0.8, -0.6, 0], 1e-10)
        expectNear(pca.components[1], [0.6, 0.8, 0], 1e-10)
        let coordinates = pca.transform(x)
        expectNear(coordinates[0], [10, -10, 0, 0], 1e-9)
        expectNear(coordinates[1], [0, 0, 5, -5], 1e-9)
    }

    @Test(arguments: [(50, 33), (7, 20), (200, 9), (3, 1)])
    func bothRoutesAgreeWithJacobi(samples: Int, width: Int) {
        let x = EigenReference.decayingSamples(samples, width, seed: UInt64(samples * 100 + width))
        let count = min(2, width)
        let byCovariance = PCA(fitting: x, components: count, method: .covariance)
        let byLanczos = PCA(fitting: x, components: count, method: .lanczos)
        let covariance = PCA.covariance(x, mean: byCovariance.mean).map { $0 / Double(max(samples - 1, 1)) }
        let reference = EigenReference.jacobi(covariance, size: width)
        for c in 0..<count {
            let scale = reference.values[0]
            #expect(abs(byCovariance.variances[c] - reference.values[c]) <= 1e-9 * scale)
            #expect(abs(byLanczos.variances[c] - reference.values[c]) <= 1e-9 * scale)
            let expected = PCA.signFixed(reference.vectors[c])
            expectNear(byCovariance.components[c], expected, 1e-7)
            expectNear(byLanczos.components[c], expected, 1e-7)
        }
    }

    /// The 4 x 4 blocks of the covariance against the plain triple loop, on odd shapes.
    @Test(arguments: [(1, 1), (7, 5), (33, 9), (2, 13)])
    func covarianceMatchesThePlainLoop(samples: Int, width: Int) {
        let x = EigenReference.decayingSamples(samples, width, seed: 5)
        let mean = (0..<width).map { j in (0..<samples).reduce(0.0) { $0 + Double(x[$1, j]) } / Double(samples) }
        let fast = PCA.covariance(x, mean: mean)
        for i in 0..<width {
            for j in 0..<width {
                let plain = (0..<samples).reduce(0.0) { $0 + (Double(x[$1, i]) - mean[i]) * (Double(x[$1, j]) - mean[j]) }
                #expect(abs(fast[i * width + j] - plain) <= 1e-12 * max(1, abs(plain)))
            }
        }
    }

    @Test func signConventionAndConstantData() {
        #expect(PCA.signFixed([0.1, -0.9, 0.3]) == [-0.1, 0.9, -0.3])
        #expect(PCA.signFixed([-0.5, 0.5]) == [0.5, -0.5], "a tie goes to the first entry")
        let constant = Tensor(shape: [5, 3], repeating: 2)
        for method in [PCA.Method.covariance, .lanczos] {
            let pca = PCA(fitting: constant, method: method)
            #expect(pca.variances == [0, 0] && pca.totalVariance == 0 && pca.explainedVarianceRatio == [0, 0])
            #expect(pca.transform(constant).allSatisfy { $0.allSatisfy { $0 == 0 } })
            #expect(abs(EigenReference.dot(pca.components[0], pca.components[1])) < 1e-12)
        }
    }

    @Test(arguments: [1, 2, 3, 7, 33])
    func solverMatchesJacobiOnRandomMatrices(size n: Int) {
        let a = EigenReference.randomSymmetric(n, seed: UInt64(n))
        let reference = EigenReference.jacobi(a, size: n)
        var copy = a
        let (d, e, _) = SymmetricEigen.tridiagonalize(&copy, size: n)
        let all = SymmetricEigen.tridiagonalEigenvalues(diagonal: d, offDiagonal: e)
        expectNear(all.reversed(), reference.values, 1e-12 * Double(n))
        let count = min(3, n)
        let (values, vectors) = SymmetricEigen.largest(count, of: a, size: n)
        expectNear(values, Array(reference.values.prefix(count)), 1e-12 * Double(n))
        for (value, vector) in zip(values, vectors) {
            #expect(EigenReference.residual(a, n, value: value, vector: vector) < 1e-12 * Double(n))
            #expect(abs(EigenReference.dot(vector, vector) - 1) < 1e-12)
        }
        for i in 0..<count { for j in 0..<i { #expect(abs(EigenReference.dot(vectors[i], vectors[j])) < 1e-10) } }
    }

    /// Equal top eigenvalues (a plane of eigenvectors) and many exact zeros (constant
    /// pixels): the vectors must still be orthonormal eigenvectors.
    @Test func repeatedAndZeroEigenvalues() {
        let n = 12
        let u = (0..<n).map { $0 < 6 ? 1 / 6.0.squareRoot() : 0 }
        let v = (0..<n).map { $0 < 6 ? ($0 % 2 == 0 ? 1.0 : -1.0) / 6.0.squareRoot() : 0 }
        let w = (0..<n).map { $0 == 6 || $0 == 7 ? 1 / 2.0.squareRoot() : 0 }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = 5 * u[i] * u[j] + 5 * v[i] * v[j] + 1 * (w[i] * w[j]) } }
        let (values, vectors) = SymmetricEigen.largest(4, of: a, size: n)
        let reference = EigenReference.jacobi(a, size: n)
        expectNear(values, Array(reference.values.prefix(4)), 1e-12)
        for (value, vector) in zip(values, vectors) {
            #expect(EigenReference.residual(a, n, value: value, vector: vector) < 1e-12)
        }
        #expect(abs(EigenReference.dot(vectors[0], vectors[1])) < 1e-10)
        let zeros = [Double](repeating: 0, count: 16)
        let (zeroValues, zeroVectors) = SymmetricEigen.largest(2, of: zeros, size: 4)
        #expect(zeroValues == [0, 0] && abs(EigenReference.dot(zeroVectors[0], zeroVectors[1])) < 1e-12)
    }

    @Test func pcaIsDeterministic() {
        let x = EigenReference.decayingSamples(60, 40, seed: 11)
        for method in [PCA.Method.covariance, .lanczos] {
            let first = PCA(fitting: x, method: method), second = PCA(fitting: x, method: method)
            #expect(first.components == second.components && first.variances == second.variances)
        }
    }
}

/// Every entry of `actual` within `tolerance` of `expected`.
private func expectNear(_ actual: some Collection<Double>, _ expected: [Double], _ tolerance: Double,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance, "largest difference \(worst): \(Array(actual)) vs \(expected)", sourceLocation: sourceLocation)
}
