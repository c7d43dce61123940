// Golden values from Keras 3.15.1 / TensorFlow 2.21.0: the small Dense network forward, loss,
// gradients, one SGD fit step and evaluate; the losses' edge cases; metrics; activations.
// Keras computes in float32, hence tolerances near 1e-6.
//
// Every literal below was printed by Scripts/reference/dense_goldens.py (Python 3.11.7,
// tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6), with 9 significant digits.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// The golden network of dense_goldens.py: Input(4) -> Dense(3, relu) -> Dense(2, softmax)
/// with its literal weights (kernels `[in, out]`, row-major).
enum GoldenNetwork {
    // dense_goldens.py: W1, B1, W2, B2 (float32)
    static let w1: [Double] = [0.2, -0.5, 0.1, 0.4, 0.3, -0.2, -0.3, 0.8, 0.5, 0.1, -0.1, 0.7]
    static let b1: [Double] = [0.05, -0.1, 0]
    static let w2: [Double] = [0.6, -0.4, -0.7, 0.9, 0.3, 0.2]
    static let b2: [Double] = [0.1, -0.05]
    // dense_goldens.py: X (3 samples) and one-hot Y
    static let x = tensor([1, 2, 0.5, -1, 0, -1, 1.5, 2, 0.3, 0.3, 0.3, 0.3], [3, 4])
    static let y = tensor([1, 0, 0, 1, 0, 1], [3, 2])

    static func model() -> Model {
        let model = functionalModel([4], [
            Dense(3, activation: .relu, name: "golden_hidden"),
            Dense(2, activation: .softmax, name: "golden_output"),
        ], name: "golden")
        model.setWeights([tensor(w1, [4, 3]), tensor(b1, [3]), tensor(w2, [3, 2]), tensor(b2, [2])])
        return model
    }
}

@Suite struct DenseNetworkGoldenTests {
    @Test("Hidden ReLU activations and softmax outputs")
    func forward() throws {
        let model = GoldenNetwork.model()
        let hidden = model.layers[0].forward(GoldenNetwork.x, training: false)
        // dense_goldens.py "hidden relu[0..2]"
        expectClose(hidden.scalars, [0.800000012, 0.5, 0, 0, 0.599999964, 2.3499999, 0.170000002, 0.0500000045, 0.330000013],
                    "hidden relu")
        // dense_goldens.py "output softmax[0..2]"
        let output = try model.predict(GoldenNetwork.x)
        expectClose(output.scalars, [0.537429869, 0.462570131, 0.360083908, 0.639916122, 0.567829192, 0.432170719], "softmax")
    }

    @Test("Per-sample cross-entropy, mean loss (probability and logits paths) and accuracy")
    func lossAndAccuracy() throws {
        let model = GoldenNetwork.model()
        let output = try model.predict(GoldenNetwork.x)
        // dense_goldens.py "per-sample categorical CE" and "categorical CE loss (mean)",
        // computed by Keras on a numpy copy of the output: the probability path.
        let perSample = Loss.categoricalCrossentropy.perSample(predictions: output.scalars, targets: GoldenNetwork.y.scalars, rows: 3, columns: 2)
        expectClose(perSample, [0.620957017, 0.446418166, 0.838934422], "per-sample CE")
        #expect(isClose(Reference.mean(perSample.map(Double.init)), 0.635436535, relative: 1e-6, absolute: 1e-7))
        // dense_goldens.py "tf.function loss" (the logits path, as fit and evaluate use) and
        // "categorical_accuracy".
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0.1), metrics: [.categoricalAccuracy])
        let result = try model.evaluate(GoldenNetwork.x, GoldenNetwork.y, verbose: 0)
        #expect(isClose(result.loss, 0.635436594, relative: 1e-6, absolute: 1e-7), "loss \(result.loss)")
        #expect(isClose(try #require(result.metrics["categorical_accuracy"]), 0.666666687, relative: 1e-6, absolute: 1e-7))

        // At these probabilities the two paths agree to one float32 step (Keras itself prints
        // either value for the mean, depending on the CPU), so the checks above cannot tell
        // them apart. Where the true class's probability falls below the 1e-7 clip they part:
        // dense_goldens.py "--- the two loss paths apart: x[1] * 20, target class 0 ---".
        let confidentX = Tensor(shape: [1, 4], scalars: GoldenNetwork.x.rows(1..<2).scalars.map { $0 * 20 })
        let confidentY = tensor([1, 0], [1, 2])
        let confident = try model.predict(confidentX)
        expectClose(confident.scalars, [2.80297492e-08, 1], relative: 1e-5, absolute: 1e-12, "confident softmax")
        let clipped = Loss.categoricalCrossentropy.perSample(predictions: confident.scalars, targets: confidentY.scalars, rows: 1, columns: 2)
        expectClose(clipped, [16.1180954], "confident CE, probabilities path")
        let fromLogits = try model.evaluate(confidentX, confidentY, verbose: 0).loss
        #expect(isClose(fromLogits, 17.3899994, relative: 1e-6, absolute: 0), "confident evaluate loss \(fromLogits)")
    }

    @Test("Gradients of every weight equal tf.GradientTape's")
    func gradients() {
        let model = GoldenNetwork.model()
        let loss = gradientStep(model, loss: .categoricalCrossentropy, x: GoldenNetwork.x, y: GoldenNetwork.y)
        // dense_goldens.py "tf.function loss" and "tf.function grad ..."
        #expect(isClose(loss, 0.635436594, relative: 1e-6, absolute: 1e-7))
        let gradients = model.parameters.map(\.gradient.scalars)
        expectClose(gradients[0], [-0.0974071324, 0.155851409, 0.00567829376, -0.251597196, 0.59460026, -0.00632450404,
                                   -0.0203121006, -0.255567789, 0.0236824919, 0.210972995, -0.721646309, 0.0296838898],
                    "grad dense/kernel")
        expectClose(gradients[1], [0.0350863636, -0.248182938, 0.0309304427], "grad dense/bias")
        expectClose(gradients[2], [-0.091175057, 0.0911750495, 0.00438557519, -0.00438558264, 0.344526976, -0.344526976],
                    "grad dense_1/kernel")
        expectClose(gradients[3], [0.155114353, -0.155114353], "grad dense_1/bias")
    }

    @Test("One full-batch SGD(0.1) fit step: reported loss and accuracy, new weights, evaluate after")
    func oneFitStep() throws {
        let model = GoldenNetwork.model()
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0.1), metrics: [.categoricalAccuracy])
        let history = try model.fit(GoldenNetwork.x, GoldenNetwork.y, batchSize: 3, epochs: 1, verbose: 0, shuffle: false, seed: 1)
        // dense_goldens.py "fit(SGD 0.1, 1 step) history": the loss before the update.
        #expect(history.keys == ["categorical_accuracy", "loss"])
        expectClose(history["loss"], [0.635436594], relative: 1e-6, absolute: 1e-7, "history loss")
        expectClose(history["categorical_accuracy"], [0.666666687], relative: 1e-6, absolute: 1e-7, "history accuracy")
        // dense_goldens.py "after 1 SGD(0.1) step ..."
        let weights = model.weights().map(\.scalars)
        expectClose(weights[0], [0.209740713, -0.515585124, 0.0994321704, 0.425159723, 0.240539983, -0.199367553,
                                 -0.297968805, 0.825556815, 0.497631758, 0.0789026991, -0.0278353691, 0.697031617],
                    "dense/kernel")
        expectClose(weights[1], [0.0464913659, -0.0751817077, -0.00309304427], "dense/bias")
        expectClose(weights[2], [0.609117508, -0.40911752, -0.700438559, 0.900438547, 0.265547305, 0.234452695], "dense_1/kernel")
        expectClose(weights[3], [0.0844885632, -0.0344885662], "dense_1/bias")
        // dense_goldens.py "evaluate after step"
        let result = try model.evaluate(GoldenNetwork.x, GoldenNetwork.y, verbose: 0)
        #expect(isClose(result.loss, 0.509205401, relative: 1e-6, absolute: 1e-7), "loss \(result.loss)")
        #expect(isClose(try #require(result.metrics["categorical_accuracy"]), 0.666666687, relative: 1e-6, absolute: 1e-7))
        #expect(model.optimizer?.iterations == 1)
    }
}

@Suite struct LossGoldenTests {
    // dense_goldens.py "p rows" and "t rows" (4 rows of 3).
    static let p: [Float] = [1, 0, 0, 0, 1, 0, 0.2, 0.2, 0.2, 0.5, 0.25, 0.25]
    static let t: [Float] = [0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0]

    @Test("Categorical cross-entropy on probabilities: clipping and renormalisation")
    func categoricalProbabilities() {
        let values = Loss.categoricalCrossentropy.perSample(predictions: Self.p, targets: Self.t, rows: 4, columns: 3)
        // dense_goldens.py "categorical_crossentropy per row"
        expectClose(values, [16.1180954, 1.19209304e-07, 1.09861231, 0.693147182], relative: 1e-6, absolute: 1e-9, "CE")
    }

    @Test("Sparse categorical cross-entropy on probabilities: the clipped log-probabilities are re-normalised")
    func sparseProbabilities() {
        let values = Loss.sparseCategoricalCrossentropy.perSample(predictions: Self.p, targets: [1, 1, 0, 0], rows: 4, columns: 3)
        // dense_goldens.py "sparse_categorical_crossentropy per row (labels 1,1,0,0)"
        expectClose(values, [16.1180954, 2.38418551e-07, 1.09861231, 0.693147182], relative: 1e-6, absolute: 1e-9, "sparse CE")
    }

    @Test("Categorical cross-entropy from logits")
    func categoricalLogits() {
        let values = Loss.categoricalCrossentropy.perSample(logits: [2, 1, 0.1, 0, 0, 0], targets: [1, 0, 0, 0, 0, 1], rows: 2, columns: 3)
        // dense_goldens.py "categorical_crossentropy(from_logits=True) ..."
        expectClose(values, [0.417029947, 1.09861231], "CE from logits")
    }

    @Test("A saturated softmax: 16.118 on the probabilities, 40 from the logits, 40 from evaluate")
    func saturatedSoftmax() throws {
        let probabilities = ActivationFunction.softmax(Tensor(rows: [[20, 0, -20]]))
        // dense_goldens.py "saturated case: softmax([20, 0, -20])"
        expectClose(probabilities.scalars, [1, 2.06115347e-09, 4.24835454e-18], relative: 1e-5, absolute: 1e-30, "softmax")
        let clipped = Loss.categoricalCrossentropy.perSample(predictions: probabilities.scalars, targets: [0, 0, 1], rows: 1, columns: 3)
        expectClose(clipped, [16.1180954], "CE on the probabilities")
        let fromLogits = Loss.categoricalCrossentropy.perSample(logits: [20, 0, -20], targets: [0, 0, 1], rows: 1, columns: 3)
        expectClose(fromLogits, [40], "CE from the logits")
        // dense_goldens.py "model Dense(3, softmax) with logits [20,0,-20], target class 2:
        // evaluate loss" and "the same model, sparse_categorical_crossentropy, label 2: ...".
        let output = Dense(3, activation: .softmax, name: "saturated_output")
        let model = functionalModel([1], [output], name: "saturated")
        model.setWeights([Tensor(rows: [[20, 0, -20]]), Tensor.zeros([3])])
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD())
        #expect(isClose(try model.evaluate(Tensor(rows: [[1]]), Tensor(rows: [[0, 0, 1]]), verbose: 0).loss, 40, relative: 1e-6, absolute: 0))
        model.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD())
        #expect(isClose(try model.evaluate(Tensor(rows: [[1]]), Tensor([2]), verbose: 0).loss, 40, relative: 1e-6, absolute: 0))
    }

    @Test("A saturated sigmoid: 16.118 on the probability, 30 from the logit, 30 from evaluate")
    func saturatedSigmoid() throws {
        let probability = ActivationFunction.sigmoid(Tensor([-30]))
        // dense_goldens.py "sigmoid(-30)", "BCE target 1 on numpy copy (clipped)",
        // "BCE target 1 on the sigmoid output tensor (uses logits)"
        expectClose(probability.scalars, [9.35762291e-14], relative: 1e-5, absolute: 0, "sigmoid(-30)")
        expectClose(Loss.binaryCrossentropy.perSample(predictions: probability.scalars, targets: [1], rows: 1, columns: 1),
                    [16.1180954], "BCE on the probability")
        expectClose(Loss.binaryCrossentropy.perSample(logits: [-30], targets: [1], rows: 1, columns: 1), [30], "BCE from the logit")
        let model = functionalModel([1], [Dense(1, activation: .sigmoid, name: "saturated_unit")], name: "saturated_binary")
        model.setWeights([Tensor(rows: [[-30]]), Tensor.zeros([1])])
        model.compile(loss: .binaryCrossentropy, optimizer: SGD())
        // dense_goldens.py "model Dense(1, sigmoid) with logit -30, target 1: evaluate loss".
        #expect(isClose(try model.evaluate(Tensor(rows: [[1]]), Tensor(rows: [[1]]), verbose: 0).loss, 30, relative: 1e-6, absolute: 0))
    }

    @Test("Binary cross-entropy: per row (mean over the last axis), batch mean, binary accuracy")
    func binaryCrossentropy() {
        // dense_goldens.py "--- binary cross-entropy ---": y_true, y_pred (2 rows of 4)
        let y: [Float] = [0, 1, 1, 0, 1, 0, 1, 1]
        let p: [Float] = [0.1, 0.8, 0, 1, 0.6, 0.3, 0.999, 0.5]
        let values = Loss.binaryCrossentropy.perSample(predictions: p, targets: y, rows: 2, columns: 4)
        expectClose(values, [8.09724617, 0.390412033], "BCE per row")
        #expect(isClose(Reference.mean(values.map(Double.init)), 4.24382925, relative: 1e-6, absolute: 1e-7))
        // "binary_accuracy (threshold 0.5, pred > 0.5) = 0.625", per row [[1,1,0,0],[1,1,1,0]]
        #expect(Metric.binaryAccuracy.total(predictions: p, targets: y, rows: 2, columns: 4) / 2 == 0.625)
        #expect(Metric.binaryAccuracy.total(predictions: Array(p[0..<4]), targets: Array(y[0..<4]), rows: 1, columns: 4) == 0.5)
        #expect(Metric.binaryAccuracy.total(predictions: Array(p[4...]), targets: Array(y[4...]), rows: 1, columns: 4) == 0.75)
        // Predicting exactly 1 for a 0 costs -log(1 - (1 - 1e-7)) in float32: dense_goldens.py
        // "binary_crossentropy(y_true=[[0]], y_pred=[[1]]) (clipped at 1 - 1e-7)".
        expectClose(Loss.binaryCrossentropy.perSample(predictions: [1], targets: [0], rows: 1, columns: 1), [15.9423847], "BCE(0, 1)")
    }

    @Test("Mean squared error: per row and batch mean")
    func meanSquaredError() {
        // dense_goldens.py "--- mean squared error ---"
        let values = Loss.meanSquaredError.perSample(predictions: [1.5, 1, 3, 0, 0.5, 2], targets: [1, 2, 3, 0.5, -0.5, 0], rows: 2, columns: 3)
        expectClose(values, [0.416666657, 1.75], "MSE per row")
        #expect(isClose(Reference.mean(values.map(Double.init)), 1.08333337, relative: 1e-6, absolute: 1e-7))
    }
}

@Suite struct MetricGoldenTests {
    // dense_goldens.py "--- accuracy metrics, ties ..." predictions with ties.
    static let ties: [Float] = [0.4, 0.4, 0.2, 0.2, 0.4, 0.4, 0.3, 0.3, 0.4]

    @Test("Categorical accuracy: the first maximum wins ties")
    func categoricalTies() {
        let targets: [Float] = [0, 1, 0, 0, 1, 0, 0, 0, 1]
        // "categorical_accuracy per sample with ties ... = [0, 1, 1]", "argmax of tie rows = [0, 1, 2]"
        let perSample = (0..<3).map { r in
            Metric.categoricalAccuracy.total(predictions: Array(Self.ties[r * 3..<r * 3 + 3]), targets: Array(targets[r * 3..<r * 3 + 3]), rows: 1, columns: 3)
        }
        #expect(perSample == [0, 1, 1])
        #expect(Tensor(shape: [3, 3], scalars: Self.ties).argmax(axis: 1) == [0, 1, 2])
        #expect(Metric.categoricalAccuracy.total(predictions: Self.ties, targets: targets, rows: 3, columns: 3) == 2)
    }

    @Test("Sparse categorical accuracy with class indices")
    func sparseTies() {
        // "sparse_categorical_accuracy labels [1,1,2] same preds = [0, 1, 1]"
        let perSample = (0..<3).map { r in
            Metric.sparseCategoricalAccuracy.total(predictions: Array(Self.ties[r * 3..<r * 3 + 3]), targets: [[1, 1, 2][r]], rows: 1, columns: 3)
        }
        #expect(perSample == [0, 1, 1])
    }

    struct Resolution: Sendable, CustomTestStringConvertible {
        let loss: Loss
        let outputWidth: Int
        let expected: Metric
        var testDescription: String { "\(loss.rawValue), \(outputWidth) outputs -> \(expected.rawValue)" }
    }

    /// Keras 3's `get_metric('accuracy', y_true, y_pred)` decides by shape (dense_goldens.py
    /// "'accuracy' with ..." lines):
    /// binary for one output column, sparse for class-index targets, categorical otherwise.
    static let resolutions = [
        Resolution(loss: .categoricalCrossentropy, outputWidth: 3, expected: .categoricalAccuracy),  // y (n,3), p (n,3)
        Resolution(loss: .sparseCategoricalCrossentropy, outputWidth: 3, expected: .sparseCategoricalAccuracy),  // y (n,)
        Resolution(loss: .binaryCrossentropy, outputWidth: 1, expected: .binaryAccuracy),  // y (n,1), p (n,1)
        Resolution(loss: .meanSquaredError, outputWidth: 1, expected: .binaryAccuracy),
        Resolution(loss: .binaryCrossentropy, outputWidth: 3, expected: .categoricalAccuracy),  // shapes, not the loss
        Resolution(loss: .meanSquaredError, outputWidth: 10, expected: .categoricalAccuracy),
    ]

    @Test("'accuracy' resolves from the shapes as Keras's get_metric does", arguments: resolutions)
    func accuracyResolution(_ resolution: Resolution) {
        #expect(Metric.accuracy.resolved(for: resolution.loss, outputWidth: resolution.outputWidth) == resolution.expected)
        #expect(Metric.categoricalAccuracy.resolved(for: resolution.loss, outputWidth: resolution.outputWidth) == .categoricalAccuracy)
        #expect(Metric.accuracy.name == "accuracy")
    }

    @Test("fit reports 'accuracy' under that name with the resolved metric's value")
    func accuracyInFit() throws {
        // Binary cross-entropy on three sigmoid outputs: Keras reports categorical accuracy.
        let model = functionalModel([2], [Dense(3, activation: .sigmoid, name: "multi_label")], name: "multi_label_model")
        model.setWeights([Tensor(rows: [[1, 0, -1], [0, 1, 1]]), Tensor([0, 0, 0])])
        model.compile(loss: .binaryCrossentropy, optimizer: SGD(learningRate: 0), metrics: [.accuracy])
        // Outputs sigmoid([1, 0, -1]) and sigmoid([0, 1, 1]): argmax 0 and 1 (first of the tie).
        let x = Tensor(rows: [[1, 0], [0, 1]])
        let y = Tensor(rows: [[1, 1, 0], [0, 0, 1]])
        let history = try model.fit(x, y, batchSize: 2, verbose: 0, shuffle: false, seed: 1)
        #expect(history.keys == ["accuracy", "loss"])
        // Categorical: sample 0 right (argmax 0 vs 0), sample 1 wrong (1 vs 2) -> 0.5. Binary
        // accuracy would be 2/3: p > 0.5 gives [1, 0, 0] vs [1, 1, 0] and [0, 1, 1] vs [0, 0, 1].
        #expect(history["accuracy"] == [0.5])
        let evaluation = try model.evaluate(Tensor(rows: [[1, 0]]), Tensor(rows: [[1, 1, 0]]), verbose: 0)
        #expect(evaluation.metrics["accuracy"] == 1, "categorical accuracy of sample 0 is 1; binary would be 2/3")
    }
}

@Suite struct ActivationGoldenTests {
    // dense_goldens.py "--- activations ---": z
    static let z = Tensor([-10, -2, -0.5, 0, 0.5, 2, 10])

    @Test("sigmoid, tanh, relu, softmax against Keras", arguments: [ActivationFunction.sigmoid, .tanh, .relu, .softmax])
    func activation(_ function: ActivationFunction) {
        let expected: [Double]
        switch function {
        case .sigmoid: expected = [4.53978682e-05, 0.119202919, 0.377540678, 0.5, 0.622459352, 0.880797088, 0.999954581]
        case .tanh: expected = [-1, -0.964027584, -0.462117136, 0, 0.462117136, 0.964027584, 1]
        case .relu: expected = [0, 0, 0, 0, 0.5, 2, 10]
        case .softmax: expected = [2.06014539e-09, 6.141207e-06, 2.75229813e-05, 4.53777284e-05, 7.48152161e-05, 0.000335298566, 0.999510884]
        case .linear: expected = Self.z.doubles
        }
        expectClose(function(Self.z.reshaped([1, 7])).scalars, expected, relative: 2e-6, absolute: 1e-12, function.rawValue)
    }

    @Test("softmax rows, including [1000, 1000, 1000] without overflow")
    func softmaxRows() {
        let y = ActivationFunction.softmax(Tensor(rows: [[1, 2, 3], [1000, 1000, 1000], [-1, 0, 1]]))
        // dense_goldens.py "softmax([1, 2, 3])", "softmax([1000, 1000, 1000])", "softmax([-1, 0, 1])"
        expectClose(y.scalars, [0.0900305659, 0.244728476, 0.665240884, 0.333333343, 0.333333343, 0.333333343,
                                0.0900305659, 0.244728476, 0.665240884], relative: 1e-6, absolute: 1e-9, "softmax")
        #expect(y.scalars.allSatisfy { $0.isFinite })
        // Large negative inputs stay finite in sigmoid too.
        #expect(ActivationFunction.sigmoid(Tensor([-200, 200])).scalars == [0, 1])
    }
}
