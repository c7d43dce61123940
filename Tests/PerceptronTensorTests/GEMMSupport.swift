// Shared by the GEMM tests: one multiply laid out as sub-matrices of larger buffers, run by a
// backend and by `GEMM.reference`, and compared with a tolerance scaled to the operands.

import Foundation
import Testing
@testable import PerceptronTensor

/// Every backend this machine offers: the portable kernel with each micro-kernel this CPU runs,
/// and the system BLAS when it loads.
let availableBackends: [any GEMMBackend] =
    PortableGEMM.MicroKernel.available.map { PortableGEMM(kernel: $0) } + (GEMM.blas.map { [$0] } ?? [])

/// One `C = alpha * op(A) * op(B) + beta * C` to check.
struct GEMMCase: Sendable, CustomTestStringConvertible {
    var m: Int
    var n: Int
    var k: Int
    var transposeA = false
    var transposeB = false
    var alpha: Float = 1
    var beta: Float = 0
    /// Extra columns in every stored matrix, so lda, ldb and ldc exceed the logical widths.
    var padding = 3

    var testDescription: String {
        "\(m)x\(n)x\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") alpha \(alpha) beta \(beta)"
    }
}

/// Values written into the padding of C: a backend must never touch them.
let paddingSentinel: Float = 12_345

/// Row-major operands of a `GEMMCase` with random values in [-1, 1).
struct GEMMProblem {
    let spec: GEMMCase
    let lda: Int, ldb: Int, ldc: Int
    var a: [Float], b: [Float], c: [Float]

    init(_ spec: GEMMCase, seed: UInt64 = 1) {
        self.spec = spec
        var generator = SeededGenerator(seed: seed)
        // Stored A is [m, k] or, transposed, [k, m]; likewise B is [k, n] or [n, k].
        let (aRows, aColumns) = spec.transposeA ? (spec.k, spec.m) : (spec.m, spec.k)
        let (bRows, bColumns) = spec.transposeB ? (spec.n, spec.k) : (spec.k, spec.n)
        lda = aColumns + spec.padding
        ldb = bColumns + spec.padding
        ldc = spec.n + spec.padding
        // At least one element each, so that empty operands still have a base address.
        a = (0..<max(aRows * lda, 1)).map { _ in generator.nextFloat(in: -1..<1) }
        b = (0..<max(bRows * ldb, 1)).map { _ in generator.nextFloat(in: -1..<1) }
        c = [Float](repeating: paddingSentinel, count: max(spec.m * ldc, 1))
        for i in 0..<spec.m {
            for j in 0..<spec.n {
                // With beta == 0, C must not be read: NaN there must not reach the result.
                c[i * ldc + j] = spec.beta == 0 ? .nan : generator.nextFloat(in: -1..<1)
            }
        }
    }

    /// `op(A)[i, p]`.
    func opA(_ i: Int, _ p: Int) -> Float { spec.transposeA ? a[p * lda + i] : a[i * lda + p] }
    /// `op(B)[p, j]`.
    func opB(_ p: Int, _ j: Int) -> Float { spec.transposeB ? b[j * ldb + p] : b[p * ldb + j] }

    /// C after `backend` has run on a copy of the operands (on their first `rows` rows of
    /// A and C when given).
    func run(_ backend: any GEMMBackend, rows: Int? = nil) -> [Float] {
        var result = c
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    backend.sgemm(transposeA: spec.transposeA, transposeB: spec.transposeB,
                                  m: rows ?? spec.m, n: spec.n, k: spec.k, alpha: spec.alpha,
                                  a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                                  beta: spec.beta, c: c.baseAddress!, ldc: ldc)
                }
            }
        }
        return result
    }

    /// C after the plain reference loop.
    func reference() -> [Float] {
        var result = c
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    GEMM.reference(transposeA: spec.transposeA, transposeB: spec.transposeB,
                                   m: spec.m, n: spec.n, k: spec.k, alpha: spec.alpha,
                                   a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                                   beta: spec.beta, c: c.baseAddress!, ldc: ldc)
                }
            }
        }
        return result
    }

    /// Differences between `result` and `expected` beyond Float rounding, described.
    ///
    /// An entry may differ by `2e-6 * sqrt(k) * (|alpha| |op(A)[i,:]| |op(B)[:,j]| + |beta c|)`.
    /// The Cauchy-Schwarz product of norms bounds `sum |a||b|`, and Float accumulation errs
    /// by about `6e-8 * sqrt(k)` of that, so the bound is some 30x wider than the rounding
    /// yet narrower than any one product of the sum (a dropped or doubled term shows).
    func mismatches(_ result: [Float], expected: [Float]) -> [String] {
        let (m, n, k) = (spec.m, spec.n, spec.k)
        let rowNorms = (0..<m).map { i in (0..<k).reduce(0.0) { $0 + Double(opA(i, $1)) * Double(opA(i, $1)) }.squareRoot() }
        let columnNorms = (0..<n).map { j in (0..<k).reduce(0.0) { $0 + Double(opB($1, j)) * Double(opB($1, j)) }.squareRoot() }
        let scale = 2e-6 * Double(max(k, 1)).squareRoot()
        var problems: [String] = []
        for i in 0..<m {
            for j in 0..<ldc {
                let index = i * ldc + j
                if j >= n {
                    if result[index] != paddingSentinel { problems.append("padding C[\(i), \(j)] overwritten: \(result[index])") }
                    continue
                }
                let previous = spec.beta == 0 ? 0 : Double(abs(spec.beta * c[index]))
                let tolerance = scale * (Double(abs(spec.alpha)) * rowNorms[i] * columnNorms[j] + previous) + 1e-30
                let error = abs(Double(result[index]) - Double(expected[index]))
                if !(error <= tolerance) {
                    problems.append("C[\(i), \(j)] = \(result[index]), expected \(expected[index]) (tolerance \(tolerance))")
                }
            }
        }
        return problems
    }
}

/// The backend's name in messages; each micro-kernel of the portable backend apart.
func label(_ backend: any GEMMBackend) -> String { (backend as? PortableGEMM)?.label ?? backend.name }
