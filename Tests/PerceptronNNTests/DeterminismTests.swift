// Reproducibility: the global seed fixes the initial weights and the default shuffle seed,
// like keras.utils.set_random_seed; fit's own seed fixes the shuffles.
//
// The global generator belongs to the whole test process, and tests elsewhere move it (a
// TrainingRun reseeds it from its settings), so each test runs its models in a child process
// of its own, where nothing else draws from it between a reseed and the draws it fixes.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct DeterminismTests {
    struct Run: Equatable {
        let initialWeights: [Tensor]
        let weights: [Tensor]
        let history: [String: [Double]]
    }

    // 20 samples of 6 features; the class is the argmax of three fixed projections.
    static let x = tensor(randomValues(120, seed: 301), [20, 6])
    static let y: Tensor = {
        let scalars = DeterminismTests.x.scalars
        let labels = (0..<20).map { r -> Int in
            let row = scalars[r * 6..<r * 6 + 6].map(Double.init)
            let scores = [row[0] + row[1], row[2] - row[3], row[4] * row[5]]
            return scores.firstIndex(of: scores.max()!)!
        }
        return oneHotRows(labels, classes: 3)
    }()

    /// Builds a model from the global generator (seeded by `globalSeed`) and trains it for two
    /// epochs; `fitSeed` nil draws the shuffle seed from the global generator too.
    private static func run(globalSeed: UInt64, fitSeed: UInt64?) throws -> Run {
        setRandomSeed(globalSeed)
        let input = Input(shape: [6], name: "determinism_input")
        let hidden = Dense(8, activation: .relu, name: "determinism_hidden")(input)
        let output = Dense(3, activation: .softmax, name: "determinism_out")(hidden)
        let model = Model(inputs: input, outputs: output, name: "determinism_model")
        let initial = model.weights()
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.01), metrics: [.accuracy])
        let history = try model.fit(Self.x, Self.y, batchSize: 4, epochs: 2, verbose: 0, validationSplit: 0.25, seed: fitSeed)
        return Run(initialWeights: initial, weights: model.weights(), history: history.history)
    }

    @Test("The same global seed gives bit-identical weights and history")
    func sameSeed() async {
        await #expect(processExitsWith: .success) {
            let first = try DeterminismTests.run(globalSeed: 1234, fitSeed: nil)
            let second = try DeterminismTests.run(globalSeed: 1234, fitSeed: nil)
            #expect(first == second)
            #expect(first.history.keys.sorted() == ["accuracy", "loss", "val_accuracy", "val_loss"])
            #expect(first.weights != first.initialWeights)
        }
    }

    @Test("Another global seed gives other initial and final weights")
    func otherSeed() async {
        await #expect(processExitsWith: .success) {
            let first = try DeterminismTests.run(globalSeed: 1234, fitSeed: nil)
            let other = try DeterminismTests.run(globalSeed: 1235, fitSeed: nil)
            #expect(first.initialWeights != other.initialWeights)
            #expect(first.weights != other.weights)
        }
    }

    @Test("fit's seed alone decides the shuffles: same seed identical, another seed different")
    func fitSeed() async {
        await #expect(processExitsWith: .success) {
            let a = try DeterminismTests.run(globalSeed: 99, fitSeed: 7)
            let b = try DeterminismTests.run(globalSeed: 99, fitSeed: 7)
            let c = try DeterminismTests.run(globalSeed: 99, fitSeed: 8)
            #expect(a == b)
            #expect(a.initialWeights == c.initialWeights)
            #expect(a.weights != c.weights)
        }
    }
}
