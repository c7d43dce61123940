// Central finite-difference checks of Dense's sparse path (a mostly-zero input of at least
// SparseProducts.minimumRows rows, on AVX2 CPUs) with sigmoid and tanh, with and without
// bias: the activation's derivative feeds the sparse kernel gradient there. References in Double.
// Legend: N batch, D input features, U units.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct SparseDenseGradientTests {
    @Test("Dense's sparse path with sigmoid and tanh: output, input, kernel and bias gradients against Double central differences",
          .enabled(if: SparseProducts.enabled, "sparse products run on AVX2 CPUs and Zen 4 only, unless PERCEPTRON_SPARSE=off"),
          arguments: [ActivationFunction.sigmoid, .tanh], [true, false])
    func sparsePath(activation: ActivationFunction, useBias: Bool) throws {
        // x: [N, D] about 8% non-zero, N = 37 (6 full blocks of 6 rows and one of 1), D = 16,
        // U = 10 (a partial 16-wide panel).
        let (n, d, u) = (SparseProducts.minimumRows + 5, 16, 10)
        var generator = SeededGenerator(seed: 51)
        let x = (0..<(n * d)).map { _ in generator.nextDouble() < 0.08 ? Double(Float(generator.nextDouble() * 2 - 1)) : 0 }
        let w = randomValues(d * u, seed: 52, in: -0.8...0.8)
        let b = useBias ? randomValues(u, seed: 53, in: -0.5...0.5) : nil
        let weights = randomValues(n * u, seed: 54)
        let layer = built(Dense(u, activation: activation, useBias: useBias, name: "sparse_smooth_dense"), on: [d])
        layer.kernel.value = tensor(w, [d, u])
        if let b { layer.bias!.value = tensor(b, [u]) }
        func forward(_ x: [Double], _ w: [Double], _ b: [Double]?) -> [Double] {
            Reference.activate(activation, Reference.affine(x, rows: n, w, b, inWidth: d, units: u), columns: u)
        }

        let y = layer.forward(tensor(x, [n, d]), training: true)
        try #require(layer.inputWasSparse, "the input must take the sparse path")
        expectClose(y.doubles, forward(x, w, b), relative: 1e-5, absolute: 1e-6, "y")
        let dx = layer.backward(tensor(weights, [n, u]), needsInputGradient: true)
        #expect(dx.shape == [n, d])
        // Row r of x moves only row r of y: differences row by row, each against that row's share of J.
        var rowDifferences: [Double] = []
        for r in 0..<n {
            let rowWeights = Array(weights[r * u..<(r + 1) * u])
            rowDifferences += centralDifferences(at: Array(x[r * d..<(r + 1) * d])) { row -> Double in
                let z = Reference.affine(row, rows: 1, w, b, inWidth: d, units: u)
                return innerProduct(rowWeights, Reference.activate(activation, z, columns: u))
            }
        }
        expectClose(dx.doubles, rowDifferences, relative: 1e-4, absolute: 1e-5, "dJ/dx")
        expectClose(layer.kernel.gradient.doubles, centralDifferences(at: w) { innerProduct(weights, forward(x, $0, b)) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dkernel")
        if let b {
            expectClose(layer.bias!.gradient.doubles, centralDifferences(at: b) { innerProduct(weights, forward(x, w, $0)) },
                        relative: 1e-4, absolute: 1e-5, "dJ/dbias")
        }
    }

    /// The kernel gradient reuses the training forward's non-zero masks; an inference forward
    /// on another mostly-zero input in between (a prediction between a step's forward and
    /// backward) must not leave its own masks to be reused.
    @Test("Dense's sparse kernel gradient is the same with an inference forward on another input in between",
          .enabled(if: SparseProducts.enabled, "sparse products run on AVX2 CPUs and Zen 4 only, unless PERCEPTRON_SPARSE=off"))
    func inferenceBetweenForwardAndBackward() throws {
        let (n, d, u) = (SparseProducts.minimumRows + 11, 70, 24)
        func sparse(_ seed: UInt64) -> Tensor {
            var generator = SeededGenerator(seed: seed)
            return Tensor(shape: [n, d], scalars: (0..<(n * d)).map { _ in generator.nextDouble() < 0.1 ? generator.nextFloat() : 0 })
        }
        let (x, other) = (sparse(61), sparse(62))
        let dy = tensor(randomValues(n * u, seed: 63), [n, u])
        let w = tensor(randomValues(d * u, seed: 64, in: -0.5...0.5), [d, u])
        func gradient(predictInBetween: Bool) throws -> [Float] {
            let layer = built(Dense(u, activation: .linear, useBias: false), on: [d])
            layer.kernel.value = w
            _ = layer.forward(x, training: true)
            try #require(layer.inputWasSparse, "the input must take the sparse path")
            if predictInBetween { _ = layer.forward(other, training: false) }
            _ = layer.backward(dy, needsInputGradient: false)
            return layer.kernel.gradient.scalars
        }
        let plain = try gradient(predictInBetween: false)
        #expect(try gradient(predictInBetween: true).elementsEqual(plain) { $0.bitPattern == $1.bitPattern })
    }
}
