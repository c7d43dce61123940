// fit's bookkeeping against Keras (Scripts/reference/fit_semantics.py,
// Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1): the validation split, shuffling,
// partial batches, batch-size-weighted running means, History keys, and the errors.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// x[i] = i as one feature, y[i] = i: with a zero model and MSE, a mean loss tells which samples it covered.
private func indexData(_ n: Int) -> (x: Tensor, y: Tensor) {
    let values = (0..<n).map { Float($0) }
    return (Tensor(shape: [n, 1], scalars: values), Tensor(shape: [n, 1], scalars: values))
}

/// Input(1) -> SampleRecorder -> Dense(1, zeros): outputs 0 whatever the input; SGD(0) keeps it so.
private func recordingModel(_ name: String) -> (Model, SampleRecorder) {
    let recorder = SampleRecorder(name: "\(name)_recorder")
    let model = functionalModel([1], [recorder, Dense(1, kernelInitializer: .zeros, name: "\(name)_dense")], name: name)
    model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 0))
    return (model, recorder)
}

@Suite struct ValidationSplitTests {
    @Test("The validation split is the last fraction, taken before shuffling (fit_semantics.py split:)")
    func lastFraction() throws {
        let (x, y) = indexData(10)
        let (model, recorder) = recordingModel("split_model")
        let history = try model.fit(x, y, batchSize: 4, epochs: 2, verbose: 0, validationSplit: 0.2, shuffle: true, seed: 5)
        // "split: val_loss ['72.5', '72.5'] expected mean(8^2, 9^2) = 72.5"
        // "split: loss ['17.5', '17.5'] expected mean(0..7 squared) = 17.5"
        #expect(history["val_loss"] == [72.5, 72.5])
        #expect(history["loss"] == [17.5, 17.5])
        #expect(recorder.trainingBatches.flatMap { $0 }.allSatisfy { $0 < 8 })
        #expect(recorder.inferenceBatches == [[8, 9], [8, 9]])
    }

    @Test("split_at = floor(n (1 - split)) (fit_semantics.py split: lines)", arguments: [
        (10, 0.2, 8), (10, 0.25, 7), (10, 0.3, 7), (7, 0.5, 3), (6000, 0.2, 4800), (60000, 0.1, 54000),
    ])
    func splitRule(_ n: Int, _ split: Double, _ trainCount: Int) throws {
        let (x, y) = indexData(n)
        let (model, recorder) = recordingModel("split_rule_\(n)")
        try model.fit(x, y, batchSize: n, epochs: 1, verbose: 0, validationSplit: split, shuffle: false, seed: 1)
        #expect(recorder.trainingBatches == [Array(0..<trainCount)])
        #expect(recorder.inferenceBatches == [Array(trainCount..<n)])
    }

    @Test("A split that leaves no training or no validation sample is an error", arguments: [(3, 0.7), (10, 1e-17)])
    func emptySide(_ n: Int, _ split: Double) {
        // fit_semantics.py: "n=3 validation_split=0.7 -> train 0" is the case Keras refuses.
        let (x, y) = indexData(n)
        let (model, _) = recordingModel("empty_split_\(n)")
        #expect(throws: TrainingError.self) { try model.fit(x, y, verbose: 0, validationSplit: split, seed: 1) }
    }

    @Test("validationData overrides validationSplit")
    func validationDataOverrides() throws {
        let (x, y) = indexData(10)
        let validation = (x: Tensor(shape: [3, 1], scalars: [20, 21, 22]), y: Tensor(shape: [3, 1], scalars: [1, 2, 3]))
        let (model, recorder) = recordingModel("override_model")
        let history = try model.fit(x, y, batchSize: 10, verbose: 0, validationSplit: 0.5, validationData: validation,
                                    shuffle: false, seed: 1)
        #expect(recorder.trainingBatches == [Array(0..<10)])
        #expect(recorder.inferenceBatches == [[20, 21, 22]])
        let validationLoss: Double = (1 + 4 + 9) / 3
        let trainingLoss: Double = 285 / 10  // Σ i^2 for i < 10
        #expect(history["val_loss"] == [validationLoss])
        #expect(history["loss"] == [trainingLoss])
    }
}

@Suite struct BatchingTests {
    @Test("Without shuffling the batches are in order and the last partial batch is kept")
    func unshuffled() throws {
        let (x, y) = indexData(10)
        let (model, recorder) = recordingModel("unshuffled")
        try model.fit(x, y, batchSize: 4, epochs: 2, verbose: 0, shuffle: false, seed: 1)
        let epoch = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        #expect(recorder.trainingBatches == epoch + epoch)
        #expect(model.optimizer?.iterations == 6)
    }

    @Test("Shuffling reorders every epoch's batches but each epoch still sees every sample once")
    func shuffled() throws {
        let (x, y) = indexData(10)
        let (model, recorder) = recordingModel("shuffled")
        try model.fit(x, y, batchSize: 4, epochs: 3, verbose: 0, shuffle: true, seed: 11)
        let batches = recorder.trainingBatches
        #expect(batches.count == 9)
        #expect(batches.map(\.count) == [4, 4, 2, 4, 4, 2, 4, 4, 2])
        let epochs = stride(from: 0, to: 9, by: 3).map { Array(batches[$0..<$0 + 3].joined()) }
        for order in epochs { #expect(order.sorted() == Array(0..<10)) }
        #expect(epochs.contains { $0 != Array(0..<10) }, "no epoch was shuffled")
        #expect(Set(epochs.map { $0.map(String.init).joined(separator: ",") }).count > 1, "every epoch had the same order")
    }

    @Test("A batch larger than the data gives one step; the step count is ceil(n / batch)", arguments: [(10, 32, 1), (8, 4, 2), (9, 4, 3), (1, 1, 1)])
    func stepCount(_ n: Int, _ batchSize: Int, _ steps: Int) throws {
        let (x, y) = indexData(n)
        let (model, recorder) = recordingModel("steps_\(n)_\(batchSize)")
        try model.fit(x, y, batchSize: batchSize, verbose: 0, seed: 1)
        #expect(recorder.trainingBatches.count == steps)
        #expect(model.optimizer?.iterations == steps)
    }

    @Test("initialEpoch starts the epoch count where asked")
    func initialEpoch() throws {
        let (x, y) = indexData(4)
        let (model, _) = recordingModel("resumed")
        let history = try model.fit(x, y, epochs: 3, verbose: 0, initialEpoch: 1, seed: 1)
        #expect(history.epochs == [1, 2])
        #expect(history.epochSeconds.count == 2)
    }

    @Test("Bytes scaled on the fly train exactly like the same values as Floats")
    func scaledBytesSource() throws {
        let bytes = ByteTensor(shape: [12, 3], bytes: (0..<36).map { UInt8($0 * 7 % 256) })
        let labels = oneHotRows([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0], classes: 2)
        func train(_ source: some SampleSource) throws -> [Tensor] {
            let model = functionalModel([3], [Dense(4, activation: .tanh, name: "bytes_hidden"),
                                              Dense(2, activation: .softmax, name: "bytes_out")], seed: 3, name: "bytes_model")
            model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.01))
            try model.fit(source, labels, batchSize: 5, epochs: 2, verbose: 0, seed: 4)
            return model.weights()
        }
        let scaled = bytes.scaled(by: 1 / 255)
        #expect(scaled.sampleCount == 12 && scaled.sampleShape == [3])
        #expect(try train(scaled) == train(scaled.materialized()))
    }

    @Test("Each step starts from zero gradients, large ones (zeroed on all cores) included")
    func zeroGradientsClearsEveryValue() {
        // 784 x 256 = 200,704 kernel values: above the size from which zeroing is split.
        let model = functionalModel([784], [Dense(256, name: "zero_big"), Dense(3, name: "zero_small")], seed: 2,
                                    name: "zero_model")
        for parameter in model.parameters {
            parameter.gradient = Tensor(shape: parameter.value.shape, repeating: .nan)
        }
        model.zeroGradients()
        for parameter in model.parameters {
            let nonzero = parameter.gradient.scalars.filter { $0.bitPattern != 0 }.count
            #expect(nonzero == 0, "\(parameter.name): \(nonzero) of \(parameter.gradient.count) values not zero")
        }
    }

    @Test("A batch of bytes large enough to be split over the cores is gathered and scaled row for row")
    func scaledBytesLargeGather() {
        // 400 samples of 784 bytes, 350 gathered in a shuffled order: 274,400 values, above
        // the size from which the conversion is split over the cores.
        var generator = SeededGenerator(seed: 8)
        let bytes = ByteTensor(shape: [400, 784], bytes: (0..<(400 * 784)).map { _ in UInt8(generator.next() >> 56) })
        var indices = Array(0..<400)
        indices.shuffle(using: &generator)
        indices = Array(indices.prefix(350))
        let scale: Float = 1 / 255
        var gathered = [Float](repeating: .nan, count: 350 * 784)
        indices.withUnsafeBufferPointer { positions in
            gathered.withUnsafeMutableBufferPointer { bytes.scaled(by: scale).copySamples(at: positions, into: $0.baseAddress!) }
        }
        let expected = indices.flatMap { row in (0..<784).map { Float(bytes.bytes[row * 784 + $0]) * scale } }
        let wrong = zip(gathered, expected).filter { $0 != $1 }.count
        #expect(gathered.count == expected.count && wrong == 0, "\(wrong) of \(expected.count) values differ")
    }
}

/// One-hot rows `[n, classes]`.
func oneHotRows(_ labels: [Int], classes: Int) -> Tensor {
    var scalars = [Float](repeating: 0, count: labels.count * classes)
    for (row, label) in labels.enumerated() { scalars[row * classes + label] = 1 }
    return Tensor(shape: [labels.count, classes], scalars: scalars)
}

@Suite struct RunningMeanTests {
    // fit_semantics.py "epoch averaging with a partial batch": 10 samples, batches 4, 4, 2.
    static let x = Tensor(rows: [[0.1, 0.9], [0.8, 0.2], [0.3, 0.3], [0.5, 0.1], [0.9, 0.9],
                                 [0.2, 0.7], [0.6, 0.4], [0.4, 0.8], [0.7, 0.1], [0.05, 0.6]])
    static let labels = [1, 0, 1, 0, 1, 1, 0, 1, 0, 1]

    @Test("Running loss and accuracy are batch-size-weighted means (fit_semantics.py batchlogs:/avg:)")
    func batchWeightedMeans() throws {
        let model = functionalModel([2], [Dense(2, activation: .softmax, name: "averaging_out")], name: "averaging")
        model.setWeights([Tensor(rows: [[1.5, -1.0], [-0.5, 2.0]]), Tensor([0.1, -0.1])])
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0), metrics: [.categoricalAccuracy])
        let recorder = RecordingCallback()
        let history = try model.fit(Self.x, oneHotRows(Self.labels, classes: 2), batchSize: 4, epochs: 1, verbose: 0,
                                    shuffle: false, callbacks: [recorder], seed: 1)
        // "batchlogs: batch 0/1/2 {...}" and "batchlogs: epoch_end 0 {...}"
        let expected: [(accuracy: Double, loss: Double)] = [(0.75, 0.345546246), (0.75, 0.406833649), (0.800000012, 0.36915803)]
        #expect(recorder.batchLogs.count == 3)
        for (logs, want) in zip(recorder.batchLogs, expected) {
            #expect(logs.map(\.0) == ["categorical_accuracy", "loss"])
            #expect(isClose(logs[0].1, want.accuracy, relative: 1e-6, absolute: 1e-7), "accuracy \(logs[0].1)")
            #expect(isClose(logs[1].1, want.loss, relative: 1e-6, absolute: 1e-7), "loss \(logs[1].1)")
        }
        // "avg: history loss 0.36915803", not the unweighted mean of batch means 0.34404096;
        // "avg: history categorical_accuracy 0.800000012", not 0.833333333.
        #expect(isClose(history["loss"][0], 0.36915803, relative: 1e-6, absolute: 1e-7))
        #expect(isClose(history["categorical_accuracy"][0], 0.8, relative: 1e-6, absolute: 1e-7))
        #expect(recorder.epochLogs.count == 1 && recorder.epochLogs[0].map(\.0) == ["categorical_accuracy", "loss"])
    }

    @Test("History keys in Keras's order (fit_semantics.py keys:)", arguments: [
        ([Metric.categoricalAccuracy], ["categorical_accuracy", "loss", "val_categorical_accuracy", "val_loss"]),
        ([Metric.accuracy], ["accuracy", "loss", "val_accuracy", "val_loss"]),
        ([Metric.categoricalAccuracy, .accuracy], ["accuracy", "categorical_accuracy", "loss", "val_accuracy", "val_categorical_accuracy", "val_loss"]),
        ([], ["loss", "val_loss"]),
    ])
    func historyKeys(_ metrics: [Metric], _ keys: [String]) throws {
        let model = functionalModel([2], [Dense(2, activation: .softmax, name: "keys_out")], name: "keys_model")
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(), metrics: metrics)
        let history = try model.fit(Self.x, oneHotRows(Self.labels, classes: 2), batchSize: 4, epochs: 2, verbose: 0,
                                    validationSplit: 0.2, seed: 1)
        #expect(history.keys == keys)
        #expect(history.epochs == [0, 1])
        for key in keys { #expect(history[key].count == 2) }
        let evaluation = try model.evaluate(Self.x, oneHotRows(Self.labels, classes: 2), verbose: 0)
        #expect(evaluation.metrics.keys.sorted() == keys.filter { !$0.hasPrefix("val_") && $0 != "loss" })
    }

    @Test("evaluate is a mean over samples, whatever the batch size; predict likewise")
    func batchSizeIndependence() throws {
        let model = functionalModel([2], [Dense(3, activation: .tanh, name: "eval_hidden"), Dense(2, activation: .softmax, name: "eval_out")],
                                    seed: 8, name: "eval_model")
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD(), metrics: [.accuracy])
        let y = oneHotRows(Self.labels, classes: 2)
        let whole = try model.evaluate(Self.x, y, batchSize: 10, verbose: 0)
        let pieces = try model.evaluate(Self.x, y, batchSize: 3, verbose: 0)
        #expect(isClose(pieces.loss, whole.loss, relative: 1e-6, absolute: 1e-7))
        #expect(pieces.metrics == whole.metrics)
        expectClose(try model.predict(Self.x, batchSize: 3).doubles, try model.predict(Self.x, batchSize: 100).doubles,
                    relative: 1e-6, absolute: 1e-7, "predict")
        #expect(try model.predict(Self.x[row: 4]).shape == [1, 2])
        #expect(try model.predict(ScaledBytes(ByteTensor(shape: [2, 2], bytes: [0, 255, 255, 0]), scale: 1 / 255)).shape == [2, 2])
    }
}

@Suite struct FitErrorTests {
    private func model(loss: Loss = .categoricalCrossentropy, compiled: Bool = true) -> Model {
        let model = functionalModel([2], [Dense(3, activation: .softmax, name: "checked_out")], name: "checked")
        if compiled { model.compile(loss: loss, optimizer: SGD()) }
        return model
    }

    private let x = Tensor(shape: [5, 2], scalars: (0..<10).map { Float($0) / 10 })
    private let y = oneHotRows([0, 1, 2, 1, 0], classes: 3)

    /// Runs `body`, requires a TrainingError, and returns its message.
    private func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            Issue.record("expected a TrainingError")
        } catch let error as TrainingError {
            #expect(error.errorDescription == error.message)
            return error.message
        } catch {
            Issue.record("expected a TrainingError, got \(error)")
        }
        return ""
    }

    @Test("An uncompiled model cannot fit or evaluate")
    func uncompiled() {
        let uncompiled = model(compiled: false)
        #expect(message { try uncompiled.fit(x, y, verbose: 0, seed: 1) }.contains("compile"))
        #expect(message { _ = try uncompiled.evaluate(x, y, verbose: 0) }.contains("compile"))
    }

    @Test("A validation split outside [0, 1) is refused", arguments: [1.0, -0.1, 1.5])
    func badSplit(_ split: Double) {
        #expect(message { try model().fit(x, y, verbose: 0, validationSplit: split, seed: 1) }.contains("validation split"))
    }

    @Test("Sample and target counts must agree")
    func countMismatch() {
        let text = message { try model().fit(x, y.rows(0..<4), verbose: 0, seed: 1) }
        #expect(text.contains("5 samples") && text.contains("4 targets"), "\(text)")
    }

    @Test("Samples must have the model's input shape")
    func wrongSampleShape() {
        let text = message { try model().fit(Tensor.zeros([5, 3]), y, verbose: 0, seed: 1) }
        #expect(text.contains("[3]") && text.contains("[2]"), "\(text)")
        #expect(message { _ = try model().evaluate(Tensor.zeros([5, 2, 1]), y, verbose: 0) }.contains("[2, 1]"))
    }

    @Test("Targets must have the model's output width")
    func wrongTargetWidth() {
        #expect(message { try model().fit(x, oneHotRows([0, 1, 2, 3, 0], classes: 4), verbose: 0, seed: 1) }.contains("4 values per sample"))
    }

    @Test("NaN or infinity in the data names the sample", arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteInputs(_ bad: Float) {
        var poisoned = x
        poisoned[3, 1] = bad
        let text = message { try model().fit(poisoned, y, verbose: 0, seed: 1) }
        #expect(text.contains("sample 3"), "\(text)")
        var badTargets = y
        badTargets[2, 0] = bad
        #expect(message { try model().fit(x, badTargets, verbose: 0, seed: 1) }.contains("target 2"))
        let validation = (x: poisoned, y: y)
        #expect(message { try model().fit(x, y, verbose: 0, validationData: validation, seed: 1) }.contains("validation sample 3"))
    }

    @Test("Sparse targets must be class indices within the output width", arguments: [Float(3), -1, 1.5, .nan])
    func sparseTargetsOutOfRange(_ bad: Float) {
        let targets = Tensor([0, 1, bad, 1, 0])
        let text = message { try model(loss: .sparseCategoricalCrossentropy).fit(x, targets, verbose: 0, seed: 1) }
        #expect(text.contains("target 2") && text.contains("0..<3"), "\(text)")
    }

    @Test("The sparse loss refuses one-hot targets")
    func sparseWithOneHot() {
        #expect(message { try model(loss: .sparseCategoricalCrossentropy).fit(x, y, verbose: 0, seed: 1) }.contains("class indices"))
    }

    @Test("Batch size and epochs must be positive")
    func badCounts() {
        #expect(message { try model().fit(x, y, batchSize: 0, verbose: 0, seed: 1) }.contains("batch size"))
        #expect(message { try model().fit(x, y, epochs: 0, verbose: 0, seed: 1) }.contains("epochs"))
        #expect(message { _ = try model().evaluate(x, y, batchSize: 0, verbose: 0) }.contains("batch size"))
        #expect(message { try model().fit(Tensor.zeros([0, 2]), Tensor.zeros([0, 3]), verbose: 0, seed: 1) }.contains("empty"))
    }

    @Test("A failed check leaves the weights untouched")
    func nothingTrainedOnError() {
        let checked = model()
        let before = checked.weights()
        var poisoned = x
        poisoned[4, 0] = .nan
        _ = message { try checked.fit(poisoned, y, verbose: 0, seed: 1) }
        #expect(checked.weights() == before)
        #expect(checked.optimizer?.iterations == 0)
    }
}
