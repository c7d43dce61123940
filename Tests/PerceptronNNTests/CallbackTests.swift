// Callbacks: EarlyStopping in every scenario of Scripts/reference/callbacks_reference.py
// (driven epoch by epoch with scripted values, each epoch's weights marked), TerminateOnNaN,
// and the hooks fit calls, in order. Scenarios as that script printed them (Python 3.11.7,
// tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6).

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct EarlyStoppingTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        let title: String
        let make: @Sendable () -> EarlyStopping
        var monitor = "val_loss"
        let values: [Double]
        let epochsRun: Int
        let stoppedEpoch: Int
        let best: Double
        let bestEpoch: Int
        /// The epoch whose end-of-epoch weights the model holds after training.
        let finalWeights: Int
        var testDescription: String { title }
    }

    // callbacks_reference.py, one entry per "## ..." scenario.
    static let scenarios: [Scenario] = [
        Scenario(title: "patience=0: stops at first non-improvement", make: { EarlyStopping(patience: 0) },
                 values: [1.0, 0.9, 0.95, 0.8, 0.7], epochsRun: 3, stoppedEpoch: 2, best: 0.9, bestEpoch: 1, finalWeights: 2),
        Scenario(title: "patience=1: same as patience=0", make: { EarlyStopping(patience: 1) },
                 values: [1.0, 0.9, 0.95, 0.8, 0.7], epochsRun: 3, stoppedEpoch: 2, best: 0.9, bestEpoch: 1, finalWeights: 2),
        Scenario(title: "patience=2", make: { EarlyStopping(patience: 2) },
                 values: [1.0, 0.9, 0.95, 0.96, 0.7, 0.6], epochsRun: 4, stoppedEpoch: 3, best: 0.9, bestEpoch: 1, finalWeights: 3),
        Scenario(title: "patience=2, improvement resets wait", make: { EarlyStopping(patience: 2) },
                 values: [1.0, 0.9, 0.95, 0.85, 0.9, 0.91, 0.5], epochsRun: 6, stoppedEpoch: 5, best: 0.85, bestEpoch: 3, finalWeights: 5),
        Scenario(title: "equal value is not an improvement", make: { EarlyStopping(patience: 1) },
                 values: [1.0, 1.0, 1.0], epochsRun: 2, stoppedEpoch: 1, best: 1.0, bestEpoch: 0, finalWeights: 1),
        Scenario(title: "min_delta=0.1: must improve by more than 0.1", make: { EarlyStopping(minDelta: 0.1, patience: 1) },
                 values: [1.0, 0.95, 0.85, 0.7, 0.65], epochsRun: 2, stoppedEpoch: 1, best: 1.0, bestEpoch: 0, finalWeights: 1),
        Scenario(title: "restore_best_weights=True, stops", make: { EarlyStopping(patience: 2, restoreBestWeights: true) },
                 values: [1.0, 0.5, 0.6, 0.7, 0.4], epochsRun: 4, stoppedEpoch: 3, best: 0.5, bestEpoch: 1, finalWeights: 1),
        Scenario(title: "restore_best_weights=True, completes all epochs", make: { EarlyStopping(patience: 5, restoreBestWeights: true) },
                 values: [1.0, 0.5, 0.6, 0.55, 0.52], epochsRun: 5, stoppedEpoch: 0, best: 0.5, bestEpoch: 1, finalWeights: 1),
        Scenario(title: "restore_best_weights=False, stops: the last epoch's weights", make: { EarlyStopping(patience: 2) },
                 values: [1.0, 0.5, 0.6, 0.7, 0.4], epochsRun: 4, stoppedEpoch: 3, best: 0.5, bestEpoch: 1, finalWeights: 3),
        Scenario(title: "start_from_epoch=2: epochs 0, 1 ignored", make: { EarlyStopping(patience: 1, startFromEpoch: 2) },
                 values: [0.1, 0.2, 1.0, 1.1, 1.2, 0.1], epochsRun: 4, stoppedEpoch: 3, best: 1.0, bestEpoch: 2, finalWeights: 3),
        Scenario(title: "baseline=0.5, never beaten but improving: no stop", make: { EarlyStopping(patience: 1, baseline: 0.5) },
                 values: [1.0, 0.9, 0.8, 0.7, 0.6, 0.55], epochsRun: 6, stoppedEpoch: 0, best: 0.55, bestEpoch: 5, finalWeights: 5),
        Scenario(title: "baseline=0.5, never beaten, then a non-improvement", make: { EarlyStopping(patience: 2, baseline: 0.5) },
                 values: [1.0, 0.9, 0.95, 0.7], epochsRun: 3, stoppedEpoch: 2, best: 0.9, bestEpoch: 1, finalWeights: 2),
        Scenario(title: "mode auto with monitor='val_mae' (down)", make: { EarlyStopping(monitor: "val_mae", patience: 0) },
                 monitor: "val_mae", values: [1.0, 0.9, 0.95, 0.8], epochsRun: 3, stoppedEpoch: 2, best: 0.9, bestEpoch: 1, finalWeights: 2),
        Scenario(title: "mode='max' with monitor='val_loss'", make: { EarlyStopping(patience: 0, mode: .max) },
                 values: [1.0, 1.1, 1.05, 1.2], epochsRun: 3, stoppedEpoch: 2, best: 1.1, bestEpoch: 1, finalWeights: 2),
    ]

    /// Weights that identify epoch `epoch`.
    private static func marker(_ epoch: Int) -> [Tensor] {
        [Tensor(shape: [1, 1], scalars: [Float(epoch)]), Tensor([Float(-epoch)])]
    }

    @Test("EarlyStopping scenarios as Keras runs them", arguments: scenarios)
    func scenario(_ scenario: Scenario) {
        let model = functionalModel([1], [Dense(1, name: "stopping_unit")], name: "stopping_model")
        let stopping = scenario.make()
        stopping.onTrainBegin(model: model)
        var stopFlags: [Bool] = []
        for (epoch, value) in scenario.values.enumerated() {
            model.setWeights(Self.marker(epoch))
            stopping.onEpochEnd(epoch, logs: [("loss", 9), (scenario.monitor, value)], model: model)
            stopFlags.append(model.stopTraining)
            if model.stopTraining { break }
        }
        stopping.onTrainEnd(model: model)
        #expect(stopFlags.count == scenario.epochsRun, "epochs run")
        #expect(stopFlags == Array(repeating: false, count: stopFlags.count - 1) + [scenario.stoppedEpoch > 0], "stop flags \(stopFlags)")
        #expect(stopping.stoppedEpoch == scenario.stoppedEpoch)
        #expect(stopping.best == scenario.best)
        #expect(stopping.bestEpoch == scenario.bestEpoch)
        #expect(model.weights() == Self.marker(scenario.finalWeights), "weights \(model.weights().map(\.scalars))")
    }

    @Test("mode auto: accuracies are maximised, losses and other metrics minimised")
    func modes() {
        #expect(EarlyStopping(monitor: "val_accuracy").maximizes)
        #expect(EarlyStopping(monitor: "categorical_accuracy").maximizes)
        #expect(!EarlyStopping(monitor: "val_loss").maximizes)
        #expect(!EarlyStopping(monitor: "loss").maximizes)
        #expect(!EarlyStopping(monitor: "val_mae").maximizes)
        #expect(!EarlyStopping(monitor: "val_accuracy", mode: .min).maximizes)
        // Keras's defaults (callbacks_reference.py "EarlyStopping defaults").
        let defaults = EarlyStopping()
        #expect(defaults.monitor == "val_loss" && defaults.minDelta == 0 && defaults.patience == 0 && defaults.mode == .auto)
        #expect(defaults.baseline == nil && !defaults.restoreBestWeights && defaults.startFromEpoch == 0)
        #expect(EarlyStopping(minDelta: -0.1).minDelta == 0.1)
    }

    @Test("A missing monitor is ignored; a new fit starts the state over")
    func missingMonitorAndRestart() {
        let model = functionalModel([1], [Dense(1, name: "restart_unit")], name: "restart_model")
        let stopping = EarlyStopping(monitor: "val_loss", patience: 0)
        stopping.onTrainBegin(model: model)
        for epoch in 0..<3 { stopping.onEpochEnd(epoch, logs: [("loss", 1)], model: model) }
        #expect(!model.stopTraining && stopping.best == nil)
        stopping.onEpochEnd(0, logs: [("val_loss", 1)], model: model)
        stopping.onEpochEnd(1, logs: [("val_loss", 2)], model: model)
        #expect(model.stopTraining && stopping.stoppedEpoch == 1)
        stopping.onTrainBegin(model: model)
        #expect(stopping.best == nil && stopping.stoppedEpoch == 0 && stopping.bestEpoch == 0)
    }

    @Test("Inside fit: a flat loss stops after epoch 1 with patience 0")
    func inFit() throws {
        let model = functionalModel([1], [Dense(1, name: "flat_unit")], name: "flat_model")
        model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 0))
        let stopping = EarlyStopping(monitor: "loss", patience: 0)
        let history = try model.fit(Tensor(shape: [4, 1], scalars: [1, 2, 3, 4]), Tensor(shape: [4, 1], scalars: [0, 1, 0, 1]),
                                    epochs: 10, verbose: 0, callbacks: [stopping], seed: 1)
        #expect(history.epochs == [0, 1])
        #expect(stopping.stoppedEpoch == 1 && stopping.bestEpoch == 0)
    }

    @Test("Inside fit: restoreBestWeights leaves the best epoch's weights, even without stopping")
    func restoreInFit() throws {
        let model = functionalModel([2], [Dense(4, activation: .tanh, name: "restore_hidden"), Dense(1, name: "restore_out")],
                                    seed: 5, name: "restore_model")
        // A large learning rate makes the validation loss wander, so the best epoch is not the last.
        model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 0.9, momentum: 0.9))
        final class Snapshots: Callback {
            var weights: [[Tensor]] = []
            func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) { weights.append(model.weights()) }
        }
        let snapshots = Snapshots()
        let stopping = EarlyStopping(patience: 100, restoreBestWeights: true)
        let x = tensor(randomValues(40, seed: 401), [20, 2])
        let y = tensor(randomValues(20, seed: 402), [20, 1])
        let history = try model.fit(x, y, batchSize: 5, epochs: 8, verbose: 0, validationSplit: 0.25,
                                    callbacks: [snapshots, stopping], seed: 403)
        let losses = history["val_loss"]
        try #require(losses.allSatisfy { $0.isFinite })
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(best < losses.count - 1, "the best epoch should not be the last here: \(losses)")
        #expect(history.epochs.count == 8 && stopping.stoppedEpoch == 0)
        #expect(stopping.bestEpoch == best && stopping.best == losses[best])
        #expect(model.weights() == snapshots.weights[best])
    }
}

@Suite struct TerminateOnNaNTests {
    @Test("A scripted non-finite loss stops training; a finite one does not", arguments: [Double.nan, .infinity, -.infinity])
    func scripted(_ bad: Double) {
        let model = functionalModel([1], [Dense(1, name: "nan_unit")], name: "nan_model")
        let callback = TerminateOnNaN()
        callback.onBatchEnd(0, logs: [("loss", 0.5)], model: model)
        #expect(!model.stopTraining && callback.stoppedAtBatch == nil)
        callback.onBatchEnd(5, logs: [("accuracy", 1), ("loss", bad)], model: model)
        #expect(model.stopTraining && callback.stoppedAtBatch == 5)
    }

    @Test("Inside fit: an overflowing loss at batch 2 ends training after that batch, the epoch still ends")
    func inFit() throws {
        // Predictions of 1e30 square to infinity in Float: the running loss becomes infinite at batch 2.
        let model = functionalModel([1], [Dense(1, kernelInitializer: .ones, name: "overflow_unit")], name: "overflow_model")
        model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 0))
        let callback = TerminateOnNaN()
        let recorder = RecordingCallback()
        let history = try model.fit(Tensor(shape: [4, 1], scalars: [1, 2, 1e30, 3]), Tensor(shape: [4, 1], scalars: [0, 0, 0, 0]),
                                    batchSize: 1, epochs: 3, verbose: 0, shuffle: false, callbacks: [callback, recorder], seed: 1)
        #expect(callback.stoppedAtBatch == 2)
        // As in Keras: the epoch is finalised (one History entry), no further batch or epoch runs.
        #expect(history.epochs == [0])
        #expect(history["loss"] == [.infinity])
        #expect(recorder.events == ["trainBegin", "epochBegin 0", "batchEnd 0", "batchEnd 1", "batchEnd 2", "epochEnd 0", "trainEnd"])
    }
}

@Suite struct CallbackHookTests {
    private func model(_ name: String) -> Model {
        let model = functionalModel([1], [Dense(1, kernelInitializer: .zeros, name: "\(name)_unit")], name: name)
        model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 0))
        return model
    }

    private let x = Tensor(shape: [10, 1], scalars: (0..<10).map(Float.init))

    @Test("fit calls every hook in order, with the right counts and logs")
    func order() throws {
        let journal = RecordingCallback.Journal()
        let first = RecordingCallback(label: "first", journal: journal)
        let second = RecordingCallback(label: "second", journal: journal)
        try model("hooks").fit(x, x, batchSize: 4, epochs: 2, verbose: 0, validationSplit: 0.2, callbacks: [first, second], seed: 1)
        let epoch = { (e: Int) in ["epochBegin \(e)", "batchEnd 0", "batchEnd 1", "epochEnd \(e)"] }
        #expect(first.events == ["trainBegin"] + epoch(0) + epoch(1) + ["trainEnd"])
        #expect(second.events == first.events)
        // Both callbacks see each event before the next event happens, in list order.
        #expect(journal.entries == first.events.flatMap { ["first \($0)", "second \($0)"] })
        #expect(first.batchLogs.allSatisfy { $0.map(\.0) == ["loss"] })
        #expect(first.epochLogs.allSatisfy { $0.map(\.0) == ["loss", "val_loss"] })
    }

    @Test("A callback setting stopTraining ends the epoch after that batch; the next fit runs in full")
    func stopFromCallback() throws {
        let model = model("stopped")
        let recorder = RecordingCallback()
        recorder.stopAt = (epoch: 0, batch: 1)
        let history = try model.fit(x, x, batchSize: 4, epochs: 3, verbose: 0, shuffle: false, callbacks: [recorder], seed: 1)
        #expect(recorder.events == ["trainBegin", "epochBegin 0", "batchEnd 0", "batchEnd 1", "epochEnd 0", "trainEnd"])
        // The epoch's loss covers the 8 samples seen: mean of i^2 for i < 8.
        #expect(history["loss"] == [17.5])
        let again = try model.fit(x, x, batchSize: 4, epochs: 3, verbose: 0, seed: 1)
        #expect(again.epochs == [0, 1, 2])
    }
}
