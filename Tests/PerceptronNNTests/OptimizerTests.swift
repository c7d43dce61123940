// Optimizers: one hand-checkable step each, Keras's two-step goldens to float32 precision,
// convergence on a quadratic and on a linear regression through fit, frozen parameters,
// the iteration counter and the defaults.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// A parameter holding `values` with `gradient` as its gradient.
private func parameter(_ values: [Float], gradient: [Float], trainable: Bool = true) -> Parameter {
    let parameter = Parameter(name: "w", value: Tensor(values), isTrainable: trainable)
    parameter.gradient = Tensor(gradient)
    return parameter
}

@Suite struct OptimizerStepTests {
    @Test("Adam with lr 0.5 moves each weight by about 0.5 against its gradient's sign on step one")
    func adamFirstStep() {
        let w: [Float] = [1, -2, 0.5, 3]
        let g: [Float] = [0.1, -0.2, 0.5, -3]
        let p = parameter(w, gradient: g)
        let adam = Adam(learningRate: 0.5)
        adam.step([p])
        // Step 1: m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1, so the move is
        // lr * sqrt(0.001)|g| / (sqrt(0.001)|g| + 1e-7) = 0.5 * (1 - 3e-6/|g|) against sign(g).
        for i in w.indices {
            let move = p.value.scalars[i] - w[i]
            #expect(abs(move + 0.5 * (g[i] > 0 ? 1 : -1)) < 1e-4, "weight \(i) moved by \(move)")
        }
        let state = adam.slots.tensors(for: p)
        expectClose(state[0].scalars, g.map { 0.1 * Double($0) }, relative: 1e-6, absolute: 1e-9, "m")
        expectClose(state[1].scalars, g.map { 0.001 * Double($0) * Double($0) }, relative: 1e-5, absolute: 1e-12, "v")
        #expect(adam.iterations == 1)
    }

    @Test("Adam's bias correction uses t = iterations + 1")
    func adamBiasCorrection() {
        let p = parameter([0], gradient: [2])
        let adam = Adam(learningRate: 0.1)
        adam.iterations = 9
        adam.step([p])
        // t = 10: alpha = 0.1 sqrt(1 - 0.999^10) / (1 - 0.9^10); m = 0.2, v = 0.004.
        let alpha = 0.1 * (1 - pow(0.999, 10)).squareRoot() / (1 - pow(0.9, 10))
        let expected = -alpha * 0.2 / (0.004.squareRoot() + 1e-7)
        #expect(isClose(Double(p.value.scalar), expected, relative: 1e-5, absolute: 0), "\(p.value.scalar) vs \(expected)")
        #expect(adam.iterations == 10)
    }

    @Test("Adam's AVX2 and AVX-512 updates give the Swift update's bits", arguments: VectorUnit.available)
    func adamVectorUnitsAgreeBitForBit(unit: VectorUnit) {
        // 1,037 values: whole vectors of 8 and 16 and a scalar tail; gradients from 1e-6 to 10,
        // three steps so m and v are no longer zero.
        var generator = SeededGenerator(seed: 11)
        let count = 1037
        let gradients = (0..<3).map { _ in
            (0..<count).map { _ in (generator.nextFloat() - 0.5) * Float(pow(10, Double(Int(generator.nextFloat() * 8) - 6))) }
        }
        let start = (0..<count).map { _ in generator.nextFloat() - 0.5 }
        func run(_ unit: VectorUnit) -> [[Float]] {
            var (w, m, v) = (start, [Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
            for (step, g) in gradients.enumerated() {
                let alpha = Float(0.001 * (1 - pow(0.999, Double(step + 1))).squareRoot() / (1 - pow(0.9, Double(step + 1))))
                w.withUnsafeMutableBufferPointer { w in g.withUnsafeBufferPointer { g in
                    m.withUnsafeMutableBufferPointer { m in v.withUnsafeMutableBufferPointer { v in
                        // Two ranges, the second starting off a vector boundary, as the thread split may.
                        for range in [0..<501, 501..<count] {
                            Adam.update(range, w: w.baseAddress!, g: g.baseAddress!, m: m.baseAddress!, v: v.baseAddress!,
                                        alpha: alpha, oneMinusBeta1: 0.1, oneMinusBeta2: 0.001, epsilon: 1e-7, unit: unit)
                        }
                    } }
                } }
            }
            return [w, m, v]
        }
        let expected = run(.baseline)
        let actual = run(unit)
        for (name, (a, e)) in zip(["w", "m", "v"], zip(actual, expected)) {
            let differing = zip(a, e).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(unit): \(differing) values of \(name) differ from the Swift update")
        }
        #expect(expected[0] != start)
    }

    @Test("SGD: w -= lr g; with momentum 0.9 the second step moves 1.9 times as far")
    func sgdSteps() {
        let g: [Float] = [0.5, -0.25]
        let plain = parameter([1, 1], gradient: g)
        SGD(learningRate: 0.1).step([plain])
        let expected: [Float] = [1 - 0.1 * 0.5, 1 + 0.1 * 0.25]
        #expect(plain.value.scalars == expected)
        let p = parameter([0, 0], gradient: g)
        let momentum = SGD(learningRate: 0.1, momentum: 0.9)
        momentum.step([p])
        expectClose(p.value.scalars, [-0.05, 0.025], relative: 1e-6, absolute: 1e-9, "step 1")
        momentum.step([p])
        expectClose(p.value.scalars, [-0.05 - 0.095, 0.025 + 0.0475], relative: 1e-6, absolute: 1e-9, "step 2")
        // Nesterov's first step: m = -lr g, then w += momentum m - lr g = -1.9 lr g.
        let q = parameter([0, 0], gradient: g)
        SGD(learningRate: 0.1, momentum: 0.9, nesterov: true).step([q])
        expectClose(q.value.scalars, [-0.095, 0.0475], relative: 1e-6, absolute: 1e-9, "nesterov step 1")
    }

    @Test("RMSprop: step one moves by lr sqrt(10) (centered: lr / 0.3)")
    func rmspropFirstStep() {
        let g: [Float] = [0.1, -2]
        let p = parameter([0, 0], gradient: g)
        RMSprop(learningRate: 0.01).step([p])
        // v = 0.1 g^2, so lr g / sqrt(v + 1e-7) = lr sign(g) sqrt(10) (epsilon is negligible).
        expectClose(p.value.scalars, [-0.01 * 10.0.squareRoot(), 0.01 * 10.0.squareRoot()], relative: 1e-4, absolute: 0, "plain")
        let c = parameter([0, 0], gradient: g)
        RMSprop(learningRate: 0.01, centered: true).step([c])
        // a = 0.1 g, v - a^2 = 0.09 g^2: the move is lr / 0.3.
        expectClose(c.value.scalars, [-0.01 / 0.3, 0.01 / 0.3], relative: 1e-4, absolute: 0, "centered")
    }

    @Test("Frozen parameters are left untouched, trainable ones move", arguments: ["adam", "sgd", "sgd-momentum", "rmsprop"])
    func frozenParameters(_ kind: String) {
        let optimizer: any Optimizer = switch kind {
        case "adam": Adam(learningRate: 0.1)
        case "sgd": SGD(learningRate: 0.1)
        case "sgd-momentum": SGD(learningRate: 0.1, momentum: 0.9)
        default: RMSprop(learningRate: 0.1, momentum: 0.5, centered: true)
        }
        let frozen = parameter([1, 2], gradient: [5, -5], trainable: false)
        let trainable = parameter([1, 2], gradient: [5, -5])
        for _ in 0..<3 { optimizer.step([frozen, trainable]) }
        #expect(frozen.value.scalars == [1, 2])
        #expect(trainable.value.scalars[0] < 1 && trainable.value.scalars[1] > 2)
        #expect(optimizer.iterations == 3)
    }

    @Test("Keras's defaults and names")
    func defaults() {
        // optimizer_steps.py "defaults ..." lines.
        let adam = Adam()
        #expect(adam.learningRate == 0.001 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.epsilon == 1e-7)
        #expect(adam.name == "adam" && adam.slotNames == ["m", "v"])
        let sgd = SGD()
        #expect(sgd.learningRate == 0.01 && sgd.momentum == 0 && !sgd.nesterov && sgd.name == "sgd")
        #expect(sgd.slotNames == [] && SGD(momentum: 0.9).slotNames == ["momentum"])
        let rmsprop = RMSprop()
        #expect(rmsprop.learningRate == 0.001 && rmsprop.rho == 0.9 && rmsprop.momentum == 0 && rmsprop.epsilon == 1e-7 && !rmsprop.centered)
        #expect(rmsprop.name == "rmsprop" && rmsprop.slotNames == ["velocity"])
        #expect(RMSprop(momentum: 0.9, centered: true).slotNames == ["velocity", "average_gradient", "momentum"])
    }
}

@Suite struct OptimizerGoldenTests {
    struct Golden: Sendable, CustomTestStringConvertible {
        let label: String
        let make: @Sendable () -> any Optimizer
        let step1: [Double]
        let step2: [Double]
        var testDescription: String { label }
    }

    // Scripts/reference/optimizer_steps.py (Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1,
    // numpy 2.4.6): w0 = [1, -2, 0.5, 3], the same gradient [0.1, -0.2, 0.5, 1e-4] at both
    // steps, applied with Keras's own apply_gradients in float32.
    static let goldens: [Golden] = [
        Golden(label: "Adam(learning_rate=0.001)", make: { Adam(learningRate: 0.001) },
               step1: [0.999000013, -1.99900007, 0.499000013, 2.99903059],
               step2: [0.998000026, -1.99800014, 0.498000026, 2.99805236]),
        Golden(label: "Adam(learning_rate=0.5)", make: { Adam(learningRate: 0.5) },
               step1: [0.500019133, -1.50001121, 6.5267086e-06, 2.51532984],
               step2: [3.53753567e-05, -1.00002182, -0.499986172, 2.02627325]),
        Golden(label: "SGD(learning_rate=0.1)", make: { SGD(learningRate: 0.1) },
               step1: [0.99000001, -1.98000002, 0.449999988, 2.99998999],
               step2: [0.980000019, -1.96000004, 0.399999976, 2.99997997]),
        Golden(label: "SGD(learning_rate=0.1, momentum=0.9)", make: { SGD(learningRate: 0.1, momentum: 0.9) },
               step1: [0.99000001, -1.98000002, 0.449999988, 2.99998999],
               step2: [0.971000016, -1.94200003, 0.354999989, 2.99997091]),
        Golden(label: "SGD(learning_rate=0.1, momentum=0.9, nesterov=True)", make: { SGD(learningRate: 0.1, momentum: 0.9, nesterov: true) },
               step1: [0.981000006, -1.96200001, 0.405000001, 2.99998093],
               step2: [0.95389998, -1.90779996, 0.269500017, 2.99995375]),
        Golden(label: "RMSprop(learning_rate=0.01)", make: { RMSprop(learningRate: 0.01) },
               step1: [0.968378782, -1.96837759, 0.468377292, 2.99685335],
               step2: [0.945437789, -1.94543612, 0.445435733, 2.99372077]),
        Golden(label: "RMSprop(learning_rate=0.01, momentum=0.9)", make: { RMSprop(learningRate: 0.01, momentum: 0.9) },
               step1: [0.968378782, -1.96837759, 0.468377292, 2.99685335],
               step2: [0.916978717, -1.91697598, 0.41697529, 2.99088883]),
        Golden(label: "RMSprop(learning_rate=0.01, centered=True)", make: { RMSprop(learningRate: 0.01, centered: true) },
               step1: [0.966668546, -1.96666718, 0.466666758, 2.99685192],
               step2: [0.941178739, -1.94117677, 0.441176146, 2.99371362]),
    ]

    /// Float32 precision: the golden's 9 significant digits name one float32, and the result
    /// may differ from it by one unit in the last place of the weight's magnitude (the weights
    /// start near 1, so absolute differences are what rounding produces). On x86-64 Linux
    /// every value is bit-identical to Keras's; a platform that fuses multiply-adds may round
    /// once differently. (Float arithmetic for `1 - beta_1` instead of Keras's rounding moved
    /// Adam(0.5)'s weights by about 25 units.)
    static func float32Close(_ actual: Float, _ expected: Double) -> Bool {
        let golden = Float(expected)
        return abs(actual - golden) <= max(abs(golden), 0.5).ulp
    }

    @Test("Two steps match Keras to float32 precision", arguments: goldens)
    func twoSteps(_ golden: Golden) {
        let optimizer = golden.make()
        let p = parameter([1, -2, 0.5, 3], gradient: [0.1, -0.2, 0.5, 1e-4])
        for (step, expected) in [golden.step1, golden.step2].enumerated() {
            optimizer.step([p])
            for (i, (actual, e)) in zip(p.value.scalars, expected).enumerated() {
                #expect(Self.float32Close(actual, e), "step \(step + 1) weight \(i): \(actual) vs Keras \(e)")
            }
        }
        #expect(optimizer.iterations == 2)
    }
}

@Suite struct OptimizerConvergenceTests {
    struct Setting: Sendable, CustomTestStringConvertible {
        let label: String
        let make: @Sendable () -> any Optimizer
        let steps: Int
        var testDescription: String { label }
    }

    static let settings: [Setting] = [
        Setting(label: "Adam(0.05)", make: { Adam(learningRate: 0.05) }, steps: 600),
        Setting(label: "SGD(0.1)", make: { SGD(learningRate: 0.1) }, steps: 300),
        Setting(label: "SGD(0.05, momentum 0.9)", make: { SGD(learningRate: 0.05, momentum: 0.9) }, steps: 300),
        Setting(label: "SGD(0.05, nesterov)", make: { SGD(learningRate: 0.05, momentum: 0.9, nesterov: true) }, steps: 300),
        Setting(label: "RMSprop(0.01)", make: { RMSprop(learningRate: 0.01) }, steps: 600),
        Setting(label: "RMSprop(0.01, centered, momentum 0.5)", make: { RMSprop(learningRate: 0.01, momentum: 0.5, centered: true) }, steps: 600),
    ]

    @Test("Each optimizer minimises f(w) = Σ a_i (w_i - c_i)^2 / 2", arguments: settings)
    func quadratic(_ setting: Setting) {
        let a: [Float] = [0.5, 1, 2, 4]
        let c: [Float] = [1, -2, 0.5, 3]
        func f(_ w: [Float]) -> Double { zip(zip(a, c), w).reduce(0) { $0 + Double($1.0.0 * ($1.1 - $1.0.1) * ($1.1 - $1.0.1)) / 2 } }
        let p = parameter([0, 0, 0, 0], gradient: [0, 0, 0, 0])
        let start = f(p.value.scalars)
        let optimizer = setting.make()
        for _ in 0..<setting.steps {
            let w = p.value.scalars
            p.gradient = Tensor((0..<4).map { a[$0] * (w[$0] - c[$0]) })
            optimizer.step([p])
        }
        let end = f(p.value.scalars)
        #expect(end < 1e-3 * start, "f went from \(start) to \(end)")
        for (w, target) in zip(p.value.scalars, c) { #expect(abs(w - target) < 0.05, "w \(w) vs \(target)") }
        #expect(optimizer.iterations == setting.steps)
    }

    @Test("fit recovers a linear regression y = 2 x1 - 3 x2 + 0.5 with Adam")
    func linearRegression() throws {
        let x = randomValues(128, seed: 201)
        let y: [Double] = (0..<64).map { (i: Int) -> Double in 2 * x[2 * i] - 3 * x[2 * i + 1] + 0.5 }
        let model = functionalModel([2], [Dense(1, name: "regression")], seed: 202, name: "regression_model")
        model.compile(loss: .meanSquaredError, optimizer: Adam(learningRate: 0.05))
        let history = try model.fit(tensor(x, [64, 2]), tensor(y, [64, 1]), batchSize: 16, epochs: 80, verbose: 0, seed: 203)
        let weights = model.weights().flatMap(\.scalars)
        expectClose(weights, [2, -3, 0.5], relative: 0, absolute: 0.02, "kernel and bias")
        #expect(history["loss"].last! < 1e-3 && history["loss"].first! > 1)
        // 64 samples in batches of 16: 4 steps per epoch.
        #expect(model.optimizer?.iterations == 80 * 4)
    }
}
