// Every fast layer against its plain reference (the `Reference` beside each layer): Dense on
// each of its product's ways, the activations, softmax with cross-entropy, batch
// normalisation, Dropout, and the Parameter's gradient contract. Exact where the kernel sums
// in the reference's order; otherwise within the rounding bound of a sum in any order.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// `|fast - reference| <= bound` element by element, and the same shape.
func expectWithin(_ fast: Tensor, _ reference: Tensor, bound: [Float], _ label: String,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(fast.shape == reference.shape, "\(label): shape", sourceLocation: sourceLocation)
    let (a, b) = (fast.scalars, reference.scalars)
    let worst = a.indices.first { !(abs(a[$0] - b[$0]) <= bound[$0]) }
    #expect(worst == nil, "\(label): index \(worst ?? -1): \(worst.map { a[$0] } ?? 0) vs \(worst.map { b[$0] } ?? 0)",
            sourceLocation: sourceLocation)
}

/// The same scalars, bit for bit.
func expectIdentical(_ fast: Tensor, _ reference: Tensor, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(fast.shape == reference.shape, "\(label): shape", sourceLocation: sourceLocation)
    #expect(fast.scalars.map(\.bitPattern) == reference.scalars.map(\.bitPattern), "\(label): bits", sourceLocation: sourceLocation)
}

/// The rounding bound of sums of `terms` products taken in any order, with or without fused
/// multiply-adds: `|error| <= terms u Σ|products|` with u = 2^-24 (Higham's γ_n), given the sums
/// of absolute products as `magnitude`; doubled (ulpOfOne = 2u) and two terms added for margin.
func roundingBound(_ magnitude: Tensor, terms: Int) -> [Float] {
    magnitude.scalars.map { Float(terms + 2) * Float.ulpOfOne * $0 + Float.leastNormalMagnitude }
}

extension Tensor {
    /// |x| element by element.
    var magnitudes: Tensor { Tensor(shape: shape, scalars: scalars.map(abs)) }
}

/// Values in [-1, 1], or with `zeros` about 92% zeros (sparser than MNIST's pixels): the sparse products' input.
func layerInput(_ count: Int, seed: UInt64, zeros: Bool) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let value = Double(Float(2 * generator.nextDouble() - 1))
        return zeros && generator.nextDouble() < 0.92 ? 0 : value
    }
}

@Suite struct DenseReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let n, d, u: Int
        let zeros: Bool
        var testDescription: String { "[\(n), \(d)] -> \(u)\(zeros ? ", mostly zeros" : "")" }
    }

    // Odd shapes on GEMM; 40 mostly-zero rows take the sparse blocks (on AVX2), 7 the sparse
    // few rows in inference.
    static let cases = [Case(n: 1, d: 7, u: 33, zeros: false), Case(n: 7, d: 33, u: 1, zeros: false),
                        Case(n: 33, d: 1, u: 7, zeros: false), Case(n: 40, d: 33, u: 20, zeros: false),
                        Case(n: 40, d: 33, u: 20, zeros: true), Case(n: 7, d: 33, u: 20, zeros: true)]

    @Test("Dense forward and backward equal the reference loops on every product path",
          arguments: cases, ActivationFunction.allCases)
    func dense(_ t: Case, activation: ActivationFunction) throws {
        for useBias in [true, false] {
            let layer = built(Dense(t.u, activation: activation, useBias: useBias, name: "reference_dense"), on: [t.d], seed: 3)
            if useBias { layer.bias!.value = tensor(randomValues(t.u, seed: 5, in: -0.5...0.5), [t.u]) }
            let (w, b) = (layer.kernel.value, layer.bias?.value)
            let x = tensor(layerInput(t.n * t.d, seed: 4, zeros: t.zeros), [t.n, t.d])
            let expectedPath: DenseProduct.Path = t.zeros && SparseProducts.enabled ? (t.n >= 32 ? .sparseBlocks : .fewSparseRows) : .gemm
            let path = x.withUnsafeBufferPointer { DenseProduct.path(for: $0.baseAddress!, rows: t.n, columns: t.d, training: false) }
            #expect(path == expectedPath)

            // z is a sum of d + 1 terms; the activations move an error in z by at most as much
            // (softmax by twice the largest), and add a few roundings of their own.
            let reference = Dense.Reference.forward(x, kernel: w, bias: b, activation: activation)
            let zBound = roundingBound(Dense.Reference.forward(x.magnitudes, kernel: w.magnitudes, bias: b?.magnitudes,
                                                               activation: .linear), terms: t.d + 1)
            let yBound = zip(zBound, reference.scalars).map { 2 * ($0 + 4 * Float.ulpOfOne * abs($1)) }
            expectWithin(layer.forward(x, training: false), reference, bound: yBound, "y (inference)")
            let y = layer.forward(x, training: true)
            #expect(layer.inputWasSparse == (expectedPath == .sparseBlocks))
            expectWithin(y, reference, bound: yBound, "y")

            // Backward from the fast forward's y: dz = dy ⊙ act'(y) is exact, so are the bias
            // sums (each column in row order); dW sums n terms, dx u terms.
            let dy = tensor(randomValues(t.n * t.u, seed: 6), [t.n, t.u])
            for parameter in layer.parameters { parameter.clearGradient() }
            let dx = layer.backward(dy, needsInputGradient: true)
            let expected = Dense.Reference.backward(dy, output: y, input: x, kernel: w, activation: activation)
            let dz = ActivationFunction.Reference.backward(activation, dy, output: y)
            let magnitude = Dense.Reference.backward(preactivationGradient: dz.magnitudes, input: x.magnitudes, kernel: w.magnitudes)
            expectWithin(dx, expected.dx, bound: roundingBound(magnitude.dx, terms: t.u), "dx")
            expectWithin(layer.kernel.gradient, expected.dw, bound: roundingBound(magnitude.dw, terms: t.n), "dkernel")
            if useBias { expectIdentical(layer.bias!.gradient, expected.db, "dbias") }
        }
    }

    @Test("A parameter hands its kernel beta 0 after a clear and 1 after a write; the gradient reads what was written")
    func accumulateGradientContract() {
        let parameter = Parameter(name: "kernel", value: Tensor.zeros([3]))
        parameter.gradient = Tensor(shape: [3], repeating: .nan)
        parameter.clearGradient()
        parameter.accumulateGradient { gradient, beta in
            #expect(beta == 0)
            gradient = Tensor(shape: [3], scalars: [1, 2, 3])
        }
        parameter.accumulateGradient { gradient, beta in
            #expect(beta == 1)
            gradient = Tensor(shape: [3], scalars: gradient.scalars.map { 10 + beta * $0 })
        }
        #expect(parameter.gradient.scalars == [11, 12, 13])
        // `+=` through `gradient` after a clear adds to zeros, not to the stale values.
        parameter.clearGradient()
        parameter.gradient.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] += 1 } }
        #expect(parameter.gradient.scalars == [1, 1, 1])
        parameter.clearGradient()
        #expect(parameter.gradient.scalars == [0, 0, 0])
    }
}

@Suite struct ActivationReferenceTests {
    static let shapes = [[1, 1], [7, 33], [33, 7]]

    @Test("Activations and the Activation layer equal the reference loops, forward and backward",
          arguments: ActivationFunction.allCases, shapes)
    func activation(_ function: ActivationFunction, shape: [Int]) {
        let count = shape.reduce(1, *)
        let z = tensor(randomValues(count, seed: 21, in: -4...4), shape)
        let reference = ActivationFunction.Reference.forward(function, z)
        let layer = built(Activation(function, name: "reference_activation"), on: [shape[1]])
        let y = layer.forward(z, training: true)
        if function == .softmax {
            // The kernel multiplies by 1 / Σ where the definition divides: one more rounding.
            expectWithin(y, reference, bound: reference.scalars.map { 2 * Float.ulpOfOne * $0 + Float.leastNormalMagnitude }, "softmax")
        } else {
            expectIdentical(y, reference, "y")
        }
        expectIdentical(function(z), y, "callAsFunction")
        let dy = tensor(randomValues(count, seed: 22), shape)
        expectIdentical(layer.backward(dy, needsInputGradient: true),
                        ActivationFunction.Reference.backward(function, dy, output: y), "dz")
    }

    @Test("Softmax with categorical cross-entropy: the loss and the fused gradient (p - y) / N equal the definitions",
          arguments: [[1, 7], [7, 33], [33, 1]])
    func softmaxCrossEntropy(shape: [Int]) {
        let (rows, columns) = (shape[0], shape[1])
        let z = tensor(randomValues(rows * columns, seed: 23, in: -5...5), shape)
        let targets = Tensor(shape: shape, scalars: (0..<(rows * columns)).map { $0 % columns == ($0 / columns) % columns ? 1 : 0 })
        let losses = Loss.categoricalCrossentropy.perSample(logits: z.scalars, targets: targets.scalars, rows: rows, columns: columns)
        // The loss is lse(z) - z_t where the definition takes -log softmax: a few roundings of
        // values up to |z| + log K.
        let reference = Loss.Reference.softmaxCrossEntropy(logits: z, targets: targets)
        #expect(abs(losses.reduce(0, +) / Float(rows) - reference) <= 1e-5 * (1 + abs(reference)))
        let p = ActivationFunction.Reference.forward(.softmax, z)
        let gradient = Loss.categoricalCrossentropy.logitsGradient(probabilities: p.scalars, targets: targets.scalars,
                                                                  rows: rows, columns: columns, batchSize: rows)
        // The kernel multiplies by 1 / N where the definition divides: one more rounding.
        let expected = Loss.Reference.softmaxCrossEntropyGradient(probabilities: p, targets: targets)
        expectWithin(Tensor(shape: shape, scalars: gradient), expected,
                     bound: expected.scalars.map { Float.ulpOfOne * abs($0) + Float.leastNormalMagnitude }, "dz")
    }
}
