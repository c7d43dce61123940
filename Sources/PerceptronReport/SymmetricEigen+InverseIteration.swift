// Inverse iteration for chosen eigenvectors of a symmetric tridiagonal matrix, with tridiagonal
// LU and partial pivoting. The reduction and the eigenvalues are in SymmetricEigen.swift.

import PerceptronTensor

extension SymmetricEigen {
    // MARK: Inverse iteration

    /// A unit eigenvector of the tridiagonal T for the eigenvalue `value`: four steps of
    /// `x ← (T - λI)⁻¹ x / ‖·‖` from a seeded random start, each followed by projecting out
    /// `others` (the vectors of nearby eigenvalues). Pivots below `ε ‖T‖` are raised to it, so
    /// the nearly singular system stays solvable; its large solution is the wanted direction.
    static func inverseIteration(diagonal d: [Double], offDiagonal e: [Double], value: Double, norm: Double,
                                 seed: UInt64, orthogonalTo others: [[Double]]) -> [Double] {
        let n = d.count
        if n == 1 { return [1] }
        let tiny = (norm > 0 ? norm : 1) * Double.ulpOfOne
        func guarded(_ pivot: Double) -> Double { abs(pivot) >= tiny ? pivot : (pivot < 0 ? -tiny : tiny) }
        // LU with partial pivoting: U has the diagonal u0 and two super-diagonals u1, u2; row i
        // was eliminated with multiplier mult[i], after swapping rows i and i + 1 when swapped[i].
        var u0 = [Double](repeating: 0, count: n), u1 = u0, u2 = u0, mult = u0
        var swapped = [Bool](repeating: false, count: n)
        var current = (d[0] - value, e[0])  // the working row's entries in columns i and i + 1
        for i in 0..<(n - 1) {
            let below = e[i]
            let next = (d[i + 1] - value, i + 1 < n - 1 ? e[i + 1] : 0)
            if abs(current.0) >= abs(below) {
                u0[i] = guarded(current.0)
                u1[i] = current.1
                mult[i] = below / u0[i]
                current = (next.0 - mult[i] * current.1, next.1)
            } else {
                (u0[i], u1[i], u2[i]) = (below, next.0, next.1)
                mult[i] = current.0 / below
                swapped[i] = true
                current = (current.1 - mult[i] * next.0, -mult[i] * next.1)
            }
        }
        u0[n - 1] = guarded(current.0)

        func solve(_ x: inout [Double]) {
            var carried = x[0]
            for i in 0..<(n - 1) {
                let incoming = x[i + 1]
                if swapped[i] {
                    x[i] = incoming
                    carried -= mult[i] * incoming
                } else {
                    x[i] = carried
                    carried = incoming - mult[i] * carried
                }
            }
            x[n - 1] = carried / u0[n - 1]
            x[n - 2] = (x[n - 2] - u1[n - 2] * x[n - 1]) / u0[n - 2]
            for i in stride(from: n - 3, through: 0, by: -1) {
                x[i] = (x[i] - u1[i] * x[i + 1] - u2[i] * x[i + 2]) / u0[i]
            }
        }
        func orthonormalize(_ x: inout [Double]) {
            for other in others {
                let dot = zip(x, other).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<n { x[i] -= dot * other[i] }
            }
            let length = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if length > 0 && length.isFinite { x = x.map { $0 / length } }
        }
        var generator = SeededGenerator(seed: 0x5EED_0000 &+ seed)
        var x = (0..<n).map { _ in generator.nextDouble() - 0.5 }
        orthonormalize(&x)
        for _ in 0..<4 {
            solve(&x)
            // Overflow needs several pivots at the floor at once; start again from fresh random numbers.
            if !x.allSatisfy(\.isFinite) { x = (0..<n).map { _ in generator.nextDouble() - 0.5 } }
            orthonormalize(&x)
        }
        return x
    }
}
