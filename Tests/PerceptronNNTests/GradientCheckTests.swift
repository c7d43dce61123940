// Central finite-difference checks of every backward pass: Dense for each activation, the
// Activation, Flatten and Reshape layers, every loss on both paths, and a whole model.
// References are computed in Double (TestSupport's `Reference`); one test perturbs in Float.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// `Σ weights ⊙ y`: a scalar objective whose gradient with respect to `y` is `weights`.
private func weightedSum(_ weights: [Double], _ y: [Double]) -> Double {
    zip(weights, y).reduce(0) { $0 + $1.0 * $1.1 }
}

/// Sets scalar `index` of a parameter's value.
private func set(_ parameter: Parameter, _ index: Int, _ value: Float) {
    parameter.value.withUnsafeMutableBufferPointer { $0[index] = value }
}

/// Central differences of `objective` with respect to every scalar of `parameter`, perturbing
/// the Float weights by `step` and dividing by the step actually taken in Float.
private func floatDifferences(of parameter: Parameter, step: Float, _ objective: () -> Double) -> [Double] {
    let original = parameter.value.scalars
    return original.indices.map { i in
        set(parameter, i, original[i] + step)
        let up = objective()
        set(parameter, i, original[i] - step)
        let down = objective()
        set(parameter, i, original[i])
        return (up - down) / (Double(original[i] + step) - Double(original[i] - step))
    }
}

@Suite struct DenseGradientTests {
    // x: [N, D], kernel: [D, U], y: [N, U]
    static let shape = (n: 3, d: 4, u: 5)

    @Test("Dense: input, kernel and bias gradients against Double central differences", arguments: ActivationFunction.allCases)
    func denseGradients(activation: ActivationFunction) throws {
        let (n, d, u) = Self.shape
        let x = randomValues(n * d, seed: 11, in: -2...2)
        let w = randomValues(d * u, seed: 12)
        let b = randomValues(u, seed: 13, in: -0.5...0.5)
        let weights = randomValues(n * u, seed: 14)
        let layer = built(Dense(u, activation: activation, name: "check_dense"), on: [d])
        layer.kernel.value = tensor(w, [d, u])
        layer.bias!.value = tensor(b, [u])
        func objective(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            weightedSum(weights, Reference.activate(activation, Reference.affine(x, rows: n, w, b, inWidth: d, units: u), columns: u))
        }
        // ReLU has a kink at 0, where differences straddle two slopes: keep clear of it.
        let z = Reference.affine(x, rows: n, w, b, inWidth: d, units: u)
        try #require(z.allSatisfy { abs($0) > 1e-3 })

        let y = layer.forward(tensor(x, [n, d]), training: true)
        #expect(y.shape == [n, u])
        expectClose(y.doubles, Reference.activate(activation, z, columns: u), relative: 1e-6, absolute: 1e-6, "y")
        let dx = layer.backward(tensor(weights, [n, u]), needsInputGradient: true)
        #expect(dx.shape == [n, d])
        expectClose(dx.doubles, centralDifferences(at: x) { objective($0, w, b) }, relative: 1e-4, absolute: 1e-5, "dJ/dx")
        expectClose(layer.kernel.gradient.doubles, centralDifferences(at: w) { objective(x, $0, b) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dkernel")
        expectClose(layer.bias!.gradient.doubles, centralDifferences(at: b) { objective(x, w, $0) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dbias")
    }

    @Test("Dense on mostly-zero inputs (pixels): the sparse path's output and gradients against Double central differences",
          arguments: [ActivationFunction.relu, .linear, .softmax])
    func denseSparseInputGradients(activation: ActivationFunction) throws {
        // 97 samples (16 full blocks of 6 and one of 1; enough rows for the sparse path) of 20
        // features, about 8% non-zero, and 20 units (one full 16-wide panel and a partial one).
        let (n, d, u) = (SparseProducts.minimumRows + 1, 20, 20)
        var generator = SeededGenerator(seed: 31)
        let x = (0..<(n * d)).map { _ in generator.nextDouble() < 0.08 ? Double(Float(generator.nextDouble())) : 0 }
        // Small weights and biases of 0.2-0.5, alternately positive and negative: no
        // pre-activation comes near ReLU's kink, and ReLU cuts every other unit.
        let w = randomValues(d * u, seed: 32, in: -0.1...0.1)
        let b = randomValues(u, seed: 33, in: 0.2...0.5).enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element }
        let weights = randomValues(n * u, seed: 34)
        let layer = built(Dense(u, activation: activation, name: "sparse_dense"), on: [d])
        layer.kernel.value = tensor(w, [d, u])
        layer.bias!.value = tensor(b, [u])
        func objective(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            weightedSum(weights, Reference.activate(activation, Reference.affine(x, rows: n, w, b, inWidth: d, units: u), columns: u))
        }
        let z = Reference.affine(x, rows: n, w, b, inWidth: d, units: u)
        try #require(z.allSatisfy { abs($0) > 1e-3 })

        let y = layer.forward(tensor(x, [n, d]), training: true)
        #expect(layer.inputWasSparse == SparseProducts.enabled)
        expectClose(y.doubles, Reference.activate(activation, z, columns: u), relative: 1e-5, absolute: 1e-5, "y")
        let dx = layer.backward(tensor(weights, [n, u]), needsInputGradient: true)
        expectClose(dx.doubles, centralDifferences(at: x) { objective($0, w, b) }, relative: 1e-4, absolute: 1e-5, "dJ/dx")
        expectClose(layer.kernel.gradient.doubles, centralDifferences(at: w) { objective(x, $0, b) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dkernel")
        expectClose(layer.bias!.gradient.doubles, centralDifferences(at: b) { objective(x, w, $0) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dbias")
        // Predicting a single sample reads only the weight rows of its non-zero features.
        let first = layer.forward(tensor(Array(x.prefix(d)), [1, d]), training: false)
        expectClose(first.doubles, Array(Reference.activate(activation, Array(z.prefix(u)), columns: u)),
                    relative: 1e-5, absolute: 1e-5, "y of one sample")
        // Gradients accumulate: a second backward of the same forward doubles the kernel's.
        let once = layer.kernel.gradient.scalars
        _ = layer.forward(tensor(x, [n, d]), training: true)
        _ = layer.backward(tensor(weights, [n, u]), needsInputGradient: false)
        expectClose(layer.kernel.gradient.doubles, once.map { 2 * Double($0) }, relative: 1e-6, absolute: 1e-6, "2 x dJ/dkernel")
    }

    @Test("A cleared kernel gradient is written over by the next backward, not added to; the one after adds",
          arguments: [true, false])
    func clearedGradientsAreWrittenOver(mostlyZeroInput: Bool) {
        let (n, d, u) = (SparseProducts.minimumRows + 1, 20, 20)
        var generator = SeededGenerator(seed: 41)
        let x = (0..<(n * d)).map { _ -> Double in
            let value = Double(Float(generator.nextDouble()))
            return !mostlyZeroInput || generator.nextDouble() < 0.08 ? value : 0
        }
        let weights = tensor(randomValues(n * u, seed: 42), [n, u])
        let layer = built(Dense(u, activation: .linear, name: "cleared_dense"), on: [d])
        func step() {
            _ = layer.forward(tensor(x, [n, d]), training: true)
            _ = layer.backward(weights, needsInputGradient: false)
        }
        step()
        #expect(layer.inputWasSparse == (mostlyZeroInput && SparseProducts.enabled))
        let kernel = layer.kernel.gradient.scalars, bias = layer.bias!.gradient.scalars
        // Stale values, cleared: the next backward must neither read nor keep them.
        for parameter: Parameter in [layer.kernel, layer.bias!] {
            parameter.gradient = Tensor(shape: parameter.value.shape, repeating: .nan)
            parameter.clearGradient()
        }
        step()
        #expect(layer.kernel.gradient.scalars == kernel)
        #expect(layer.bias!.gradient.scalars == bias)
        step()
        expectClose(layer.kernel.gradient.doubles, kernel.map { 2 * Double($0) }, relative: 1e-6, absolute: 1e-6, "2 x dJ/dkernel")
        // A cleared gradient read before any backward is zeros.
        layer.kernel.clearGradient()
        #expect(layer.kernel.gradient.scalars.allSatisfy { $0 == 0 })
    }

    @Test("Dense: Float central differences with eps 1e-3 agree with backward to 1e-3", arguments: ActivationFunction.allCases)
    func denseFloatDifferences(activation: ActivationFunction) throws {
        let (n, d, u) = Self.shape
        let x = tensor(randomValues(n * d, seed: 21, in: -2...2), [n, d])
        let weights = randomValues(n * u, seed: 22)
        let layer = built(Dense(u, activation: activation, name: "float_check_dense"), on: [d], seed: 23)
        layer.bias!.value = tensor(randomValues(u, seed: 24, in: -0.5...0.5), [u])
        let objective = { weightedSum(weights, layer.forward(x, training: false).doubles) }
        let z = Reference.affine(x.doubles, rows: n, layer.kernel.value.doubles, layer.bias!.value.doubles, inWidth: d, units: u)
        try #require(z.allSatisfy { abs($0) > 2e-3 })

        _ = layer.forward(x, training: true)
        _ = layer.backward(tensor(weights, [n, u]), needsInputGradient: false)
        expectClose(layer.kernel.gradient.doubles, floatDifferences(of: layer.kernel, step: 1e-3, objective),
                    relative: 0, absolute: 1e-3, "dJ/dkernel")
        expectClose(layer.bias!.gradient.doubles, floatDifferences(of: layer.bias!, step: 1e-3, objective),
                    relative: 0, absolute: 1e-3, "dJ/dbias")
    }

    /// Why Float differences use eps 1e-3: each output carries a rounding error of about one
    /// Float ulp (~6e-8 near 0.5) that changes with the perturbation, and dividing it by
    /// 2 eps = 2e-5 turns it into an error of order 1e-3..1e-2 in the estimate, above the
    /// tolerance; with eps 1e-3 the same error is 100 times smaller, and the truncation error
    /// (eps^2 f'''/6, ~1e-7 here) is still negligible.
    ///
    /// How large the rounding error is depends on how the products are summed (BLAS or not,
    /// fused multiply-adds or not), so the claim that eps 1e-5 fails is made on a Float forward
    /// with one fixed order of operations, whose every rounding is the same on any IEEE-754
    /// CPU (largest errors 4.8e-5 with eps 1e-3, 7.3e-3 with eps 1e-5); the layer itself must
    /// pass with eps 1e-3, whatever its backend (1.1e-4 with OpenBLAS on x86-64).
    @Test("Float differences with eps 1e-5 are swamped by rounding, eps 1e-3 is not")
    func smallFloatStepFails() {
        let (n, d, u) = (16, 8, 8)
        let x = tensor(randomValues(n * d, seed: 31), [n, d])
        let w = randomValues(d * u, seed: 32, in: -0.5...0.5)
        let weights = randomValues(n * u, seed: 33)
        let exact = centralDifferences(at: w) { w in
            weightedSum(weights, Reference.activate(.tanh, Reference.affine(x.doubles, rows: n, w, nil, inWidth: d, units: u), columns: u))
        }
        // tanh(x w) in Float: each product and each sum rounded to Float, left to right; tanh
        // through Double, rounded once.
        let xs = x.scalars
        func floatObjective(_ w: [Float]) -> Double {
            var outputs: [Double] = []
            for i in 0..<n {
                for j in 0..<u {
                    var z: Float = 0
                    for k in 0..<d {
                        let product: Float = xs[i * d + k] * w[k * u + j]
                        z = z + product
                    }
                    outputs.append(Double(Float(Foundation.tanh(Double(z)))))
                }
            }
            return weightedSum(weights, outputs)
        }
        func differences(step: Float) -> [Double] {
            let original = w.map { Float($0) }
            return original.indices.map { i in
                var up = original, down = original
                up[i] += step
                down[i] -= step
                return (floatObjective(up) - floatObjective(down)) / (Double(up[i]) - Double(down[i]))
            }
        }
        let coarse = largestError(differences(step: 1e-3), exact)
        let fine = largestError(differences(step: 1e-5), exact)
        #expect(coarse < 1e-3, "eps 1e-3: largest error \(coarse)")
        #expect(fine > 1e-3, "eps 1e-5: largest error \(fine), expected rounding to dominate")
        #expect(fine > 10 * coarse, "eps 1e-5 error \(fine) vs eps 1e-3 error \(coarse)")

        let layer = built(Dense(u, activation: .tanh, useBias: false, name: "rounding_dense"), on: [d])
        layer.kernel.value = tensor(w, [d, u])
        let layerCoarse = largestError(floatDifferences(of: layer.kernel, step: 1e-3) {
            weightedSum(weights, layer.forward(x, training: false).doubles)
        }, exact)
        #expect(layerCoarse < 1e-3, "the layer with eps 1e-3: largest error \(layerCoarse)")
    }

    @Test("Dense: parameter gradients accumulate across backward calls until zeroed")
    func gradientsAccumulate() {
        let layer = built(Dense(3, activation: .sigmoid, name: "accumulating_dense"), on: [2])
        let x = tensor(randomValues(8, seed: 41), [4, 2])
        let dy = tensor(randomValues(12, seed: 42), [4, 3])
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy, needsInputGradient: false)
        let once = layer.kernel.gradient.doubles
        let onceBias = layer.bias!.gradient.doubles
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy, needsInputGradient: false)
        expectClose(layer.kernel.gradient.doubles, once.map { 2 * $0 }, relative: 1e-6, absolute: 1e-7, "kernel after two")
        expectClose(layer.bias!.gradient.doubles, onceBias.map { 2 * $0 }, relative: 1e-6, absolute: 1e-7, "bias after two")
        #expect(once.contains { $0 != 0 })
    }

    @Test("Dense on rank-3 input multiplies the last axis: [2, 3, 4] -> [2, 3, 5]")
    func denseOnRankThreeInput() {
        let layer = built(Dense(5, activation: .tanh, name: "sequence_dense"), on: [3, 4])
        #expect(layer.outputShape(for: [3, 4]) == [3, 5])
        #expect(layer.kernel.value.shape == [4, 5])
        let x = randomValues(24, seed: 51)
        let weights = randomValues(30, seed: 52)
        let y = layer.forward(tensor(x, [2, 3, 4]), training: true)
        #expect(y.shape == [2, 3, 5])
        let w = layer.kernel.value.doubles, b = layer.bias!.value.doubles
        let reference = Reference.activate(.tanh, Reference.affine(x, rows: 6, w, b, inWidth: 4, units: 5), columns: 5)
        expectClose(y.doubles, reference, "y")
        let dx = layer.backward(tensor(weights, [2, 3, 5]), needsInputGradient: true)
        #expect(dx.shape == [2, 3, 4])
        let expected = centralDifferences(at: x) { x in
            weightedSum(weights, Reference.activate(.tanh, Reference.affine(x, rows: 6, w, b, inWidth: 4, units: 5), columns: 5))
        }
        expectClose(dx.doubles, expected, relative: 1e-4, absolute: 1e-5, "dJ/dx")
    }
}

@Suite struct ShapeLayerGradientTests {
    @Test("Activation layer: gradient against Double central differences", arguments: ActivationFunction.allCases)
    func activationLayer(function: ActivationFunction) throws {
        let x = randomValues(15, seed: 61, in: -3...3)
        try #require(x.allSatisfy { abs($0) > 1e-3 })
        let weights = randomValues(15, seed: 62)
        let layer = built(Activation(function, name: "check_activation"), on: [5])
        #expect(layer.parameters.isEmpty && layer.outputShape(for: [5]) == [5])
        let y = layer.forward(tensor(x, [3, 5]), training: true)
        expectClose(y.doubles, Reference.activate(function, x, columns: 5), "y")
        #expect(y == function(tensor(x, [3, 5])))
        let dx = layer.backward(tensor(weights, [3, 5]), needsInputGradient: true)
        let expected = centralDifferences(at: x) { weightedSum(weights, Reference.activate(function, $0, columns: 5)) }
        expectClose(dx.doubles, expected, relative: 1e-4, absolute: 1e-5, "dJ/dx")
    }

    @Test("Flatten: [N, 2, 3, 2] -> [N, 12], backward restores the shape")
    func flatten() {
        let layer = built(Flatten(name: "check_flatten"), on: [2, 3, 2])
        #expect(layer.outputShape(for: [2, 3, 2]) == [12])
        let x = randomValues(24, seed: 71)
        let weights = randomValues(24, seed: 72)
        let y = layer.forward(tensor(x, [2, 2, 3, 2]), training: true)
        #expect(y.shape == [2, 12] && y.doubles == x)
        let dx = layer.backward(tensor(weights, [2, 12]), needsInputGradient: true)
        #expect(dx.shape == [2, 2, 3, 2])
        expectClose(dx.doubles, centralDifferences(at: x) { weightedSum(weights, $0) }, relative: 1e-6, absolute: 1e-8, "dJ/dx")
    }

    @Test("Reshape: [N, 12] -> [N, 3, 4] with an inferred axis, backward restores the shape")
    func reshape() {
        let layer = built(Reshape([3, -1], name: "check_reshape"), on: [12])
        #expect(layer.outputShape(for: [12]) == [3, 4])
        let x = randomValues(24, seed: 81)
        let weights = randomValues(24, seed: 82)
        let y = layer.forward(tensor(x, [2, 12]), training: true)
        #expect(y.shape == [2, 3, 4] && y.doubles == x)
        let dx = layer.backward(tensor(weights, [2, 3, 4]), needsInputGradient: true)
        #expect(dx.shape == [2, 12])
        expectClose(dx.doubles, centralDifferences(at: x) { weightedSum(weights, $0) }, relative: 1e-6, absolute: 1e-8, "dJ/dx")
    }
}

@Suite struct LossGradientTests {
    // 3 samples of 4 values.
    static let rows = 3, columns = 4

    /// Targets for each loss: one-hot rows plus a soft row for the categorical loss, class
    /// indices for the sparse one, fractions for binary cross-entropy.
    func targets(for loss: Loss) -> [Double] {
        switch loss {
        case .categoricalCrossentropy: return [0, 1, 0, 0, 0.3, 0, 0.7, 0, 0, 0, 0, 1]
        case .sparseCategoricalCrossentropy: return [1, 3, 0]
        case .binaryCrossentropy: return [1, 0, 1, 0, 0, 0.25, 1, 1, 0, 1, 0, 1]
        case .meanSquaredError: return randomValues(12, seed: 91)
        }
    }

    @Test("Probability path: gradient(predictions:) against central differences of the mean loss", arguments: Loss.allCases)
    func probabilityPath(loss: Loss) {
        let (rows, columns) = (Self.rows, Self.columns)
        // Unnormalised rows inside the clip range: the categorical loss renormalises them.
        let p = randomValues(rows * columns, seed: 92, in: 0.05...0.9)
        let y = targets(for: loss)
        let values = loss.perSample(predictions: p.map(Float.init), targets: y.map(Float.init), rows: rows, columns: columns)
        let reference = Reference.perSample(loss, predictions: p, targets: y, rows: rows, columns: columns)
        expectClose(values.map(Double.init), reference, relative: 1e-5, absolute: 1e-6, "per-sample loss")
        let gradient = loss.gradient(predictions: p.map(Float.init), targets: y.map(Float.init), rows: rows, columns: columns, batchSize: rows)
        let expected = centralDifferences(at: p) {
            Reference.mean(Reference.perSample(loss, predictions: $0, targets: y, rows: rows, columns: columns))
        }
        expectClose(gradient.map(Double.init), expected, relative: 1e-4, absolute: 1e-6, "dL/dp")
        // The divisor is the batch size given, not the rows passed (a batch split in parts).
        let half = loss.gradient(predictions: p.map(Float.init), targets: y.map(Float.init), rows: rows, columns: columns, batchSize: 2 * rows)
        expectClose(half.map(Double.init), gradient.map { Double($0) / 2 }, relative: 1e-6, absolute: 1e-9, "dL/dp with batchSize 2N")
    }

    @Test("Probability path: clipped predictions get a zero gradient")
    func clippedPredictions() {
        // Binary cross-entropy at p = 0 and p = 1: clip(p) is constant there.
        let gradient = Loss.binaryCrossentropy.gradient(predictions: [0, 1, 0.5], targets: [1, 0, 1], rows: 1, columns: 3, batchSize: 1)
        #expect(gradient[0] == 0 && gradient[1] == 0)
        #expect(abs(gradient[2] - (-1 / 0.5 / 3)) < 1e-6)
        // The sparse loss with the target's probability at 0: only the normaliser moves.
        let sparse = Loss.sparseCategoricalCrossentropy.gradient(predictions: [0, 0.5, 0.5], targets: [0], rows: 1, columns: 3, batchSize: 1)
        #expect(sparse[0] == 0)
    }

    @Test("Logits path: logitsGradient against central differences through softmax or sigmoid",
          arguments: [Loss.categoricalCrossentropy, .sparseCategoricalCrossentropy, .binaryCrossentropy])
    func logitsPath(loss: Loss) {
        let (rows, columns) = (Self.rows, Self.columns)
        let z = randomValues(rows * columns, seed: 93, in: -3...3)
        // The categorical row of mass 0.75 checks the general form (p Σy - y) / N.
        let y = loss == .categoricalCrossentropy ? [0, 1, 0, 0, 0.5, 0, 0.25, 0, 0, 0, 0, 1] : targets(for: loss)
        let activation: ActivationFunction = loss == .binaryCrossentropy ? .sigmoid : .softmax
        #expect(loss.usesLogits(after: activation))
        let p = activation(tensor(z, [rows, columns])).scalars
        let values = loss.perSample(logits: z.map(Float.init), targets: y.map(Float.init), rows: rows, columns: columns)
        expectClose(values.map(Double.init), Reference.perSample(loss, logits: z, targets: y, rows: rows, columns: columns),
                    relative: 1e-5, absolute: 1e-6, "per-sample loss")
        let gradient = loss.logitsGradient(probabilities: p, targets: y.map(Float.init), rows: rows, columns: columns, batchSize: rows)
        let expected = centralDifferences(at: z) {
            Reference.mean(Reference.perSample(loss, logits: $0, targets: y, rows: rows, columns: columns))
        }
        expectClose(gradient.map(Double.init), expected, relative: 1e-4, absolute: 1e-6, "dL/dz")
    }

    @Test("Logits path stays finite for huge logits")
    func hugeLogits() {
        let z: [Float] = [1000, 0, -1000]
        #expect(Loss.sparseCategoricalCrossentropy.perSample(logits: z, targets: [2], rows: 1, columns: 3) == [2000])
        #expect(Loss.categoricalCrossentropy.perSample(logits: z, targets: [0, 0, 1], rows: 1, columns: 3) == [2000])
        #expect(Loss.categoricalCrossentropy.perSample(logits: z, targets: [1, 0, 0], rows: 1, columns: 3) == [0])
        #expect(Loss.binaryCrossentropy.perSample(logits: [100, -100], targets: [0, 1], rows: 1, columns: 2) == [100])
    }

    @Test("Loss paths: which losses use the logits of which activation")
    func logitsPairs() {
        for loss in Loss.allCases {
            for activation in ActivationFunction.allCases {
                let expected = (activation == .softmax && (loss == .categoricalCrossentropy || loss == .sparseCategoricalCrossentropy))
                    || (activation == .sigmoid && loss == .binaryCrossentropy)
                #expect(loss.usesLogits(after: activation) == expected, "\(loss) after \(activation)")
            }
        }
    }
}

@Suite struct ModelGradientTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let loss: Loss
        let output: ActivationFunction
        var testDescription: String { "\(loss.rawValue) on \(output.rawValue)" }
    }

    static let cases: [Case] = [
        Case(loss: .categoricalCrossentropy, output: .softmax),        // fused (p - y) / N
        Case(loss: .sparseCategoricalCrossentropy, output: .softmax),  // fused
        Case(loss: .binaryCrossentropy, output: .sigmoid),             // fused
        Case(loss: .meanSquaredError, output: .linear),
        Case(loss: .meanSquaredError, output: .softmax),               // softmax Jacobian
        Case(loss: .binaryCrossentropy, output: .softmax),             // probability path
        Case(loss: .categoricalCrossentropy, output: .sigmoid),        // probability path, renormalised
    ]

    /// Input(4) -> Dense(6, tanh) -> Reshape(2, 3) -> Flatten -> Dense(3, output), 5 samples:
    /// the fit step's gradients of every weight against central differences of the mean loss.
    @Test("Model backward through a 2-layer MLP against central differences of the mean loss", arguments: cases)
    func modelGradients(_ testCase: Case) {
        let (n, d, h, k) = (5, 4, 6, 3)
        let loss = testCase.loss, output = testCase.output
        let model = functionalModel([d], [
            Dense(h, activation: .tanh, name: "mlp_hidden"), Reshape([2, 3], name: "mlp_grid"),
            Flatten(name: "mlp_flat"), Dense(k, activation: output, name: "mlp_out"),
        ], seed: 101, name: "gradient_mlp")
        // Biases away from zero so their gradients are exercised.
        model.parameters[1].value = tensor(randomValues(h, seed: 102, in: -0.3...0.3), [h])
        model.parameters[3].value = tensor(randomValues(k, seed: 103, in: -0.3...0.3), [k])
        let x = randomValues(n * d, seed: 104, in: -1.5...1.5)
        let y: Tensor
        switch loss {
        case .categoricalCrossentropy: y = tensor([1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0], [n, k])
        case .sparseCategoricalCrossentropy: y = tensor([0, 2, 1, 1, 0], [n])
        case .binaryCrossentropy: y = tensor([1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0], [n, k])
        case .meanSquaredError: y = tensor(randomValues(n * k, seed: 105), [n, k])
        }
        let targets = y.doubles
        let fromLogits = loss.usesLogits(after: output)
        func meanLoss(_ theta: [Double]) -> Double {
            let w1 = Array(theta[0..<d * h]), b1 = Array(theta[d * h..<d * h + h])
            let w2 = Array(theta[d * h + h..<d * h + h + h * k]), b2 = Array(theta[(d * h + h + h * k)...])
            let hidden = Reference.activate(.tanh, Reference.affine(x, rows: n, w1, b1, inWidth: d, units: h), columns: h)
            let z = Reference.affine(hidden, rows: n, w2, b2, inWidth: h, units: k)
            let losses = fromLogits
                ? Reference.perSample(loss, logits: z, targets: targets, rows: n, columns: k)
                : Reference.perSample(loss, predictions: Reference.activate(output, z, columns: k), targets: targets, rows: n, columns: k)
            return Reference.mean(losses)
        }
        let theta = model.parameters.flatMap(\.value.doubles)
        let reported = gradientStep(model, loss: loss, x: tensor(x, [n, d]), y: y)
        #expect((model.logitsOutput != nil) == fromLogits)
        #expect(isClose(reported, meanLoss(theta), relative: 1e-5, absolute: 1e-6), "reported loss \(reported)")
        let analytic = model.parameters.flatMap(\.gradient.doubles)
        expectClose(analytic, centralDifferences(at: theta, meanLoss), relative: 1e-4, absolute: 1e-5, "dL/dθ")
        // The step used a zero learning rate: the weights are unchanged.
        #expect(model.parameters.flatMap(\.value.doubles) == theta)
    }
}
