// Checkpoints: a run interrupted mid-epoch or at an epoch boundary and resumed from its
// checkpoint ends with bit-identical weights and history; damaged checkpoints are refused.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO
import PerceptronTensor
import PerceptronVision

/// Interrupts the model at a given epoch and step.
final class InterruptAt: Callback {
    let epoch: Int, step: Int
    private var current = 0
    init(epoch: Int, step: Int) { self.epoch = epoch; self.step = step }
    func onEpochBegin(_ epoch: Int, model: Model) { current = epoch }
    func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {
        if current == epoch && batch == step { model.requestInterrupt() }
    }
}

@Suite struct CheckpointTests {
    static let (n, d, k) = (60, 6, 3)

    func data() -> (Tensor, Tensor) {
        let x = tensor(randomValues(Self.n * Self.d, seed: 50), [Self.n, Self.d])
        let y = Tensor(rows: (0..<Self.n).map { i in (0..<Self.k).map { $0 == i % Self.k ? 1 : 0 } })
        return (x, y)
    }

    func model(_ name: String) -> Model {
        let model = functionalModel([Self.d], [Dense(8, activation: .relu, name: "\(name)_h"), Dropout(0.2, name: "\(name)_drop"),
                                               Dense(Self.k, activation: .softmax, name: "\(name)_out")], seed: 5, name: name)
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.01), metrics: [.categoricalAccuracy])
        return model
    }

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func values(_ h: History) -> [String: [Double]] { h.history }

    @Test("Interrupted mid-epoch or at a boundary, then resumed: bit-identical weights and history",
          arguments: [(1, 3), (2, 0), (0, 1), (3, 4)])
    func resumeIsExact(epoch: Int, step: Int) throws {
        let (x, y) = data()
        let augmentation = ShiftNoise()
        let reference = model("ckpt_reference")
        let full = try reference.fit(x, y, batchSize: 7, epochs: 5, verbose: 0, validationSplit: 0.2, seed: 9,
                                     augmentation: augmentation)

        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("checkpoint.safetensors")
        let first = model("ckpt_reference")
        _ = try first.fit(x, y, batchSize: 7, epochs: 5, verbose: 0, validationSplit: 0.2,
                          callbacks: [InterruptAt(epoch: epoch, step: step)], seed: 9, augmentation: augmentation,
                          checkpoint: Checkpointing(url: url, everyEpochs: 0))
        let (resumed, state) = try Model.loadCheckpoint(from: url)
        let stepsPerEpoch = 7  // 48 training samples in batches of 7
        #expect(state.epoch == (step + 1 == stepsPerEpoch ? epoch + 1 : epoch))
        let rest = try resumed.fit(x, y, batchSize: 7, epochs: 5, verbose: 0, validationSplit: 0.2, seed: 9,
                                   augmentation: augmentation, resuming: state)
        #expect(zip(resumed.weights(), reference.weights()).allSatisfy { $0.scalars.map(\.bitPattern) == $1.scalars.map(\.bitPattern) })
        #expect(rest.epochs == full.epochs)
        #expect(values(rest) == values(full))
    }

    @Test("A checkpoint policy writes after every N epochs; the file is also a loadable model")
    func periodic() throws {
        let (x, y) = data()
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("checkpoint.safetensors")
        let m = model("ckpt_periodic")
        try m.fit(x, y, batchSize: 20, epochs: 3, verbose: 0, seed: 1, checkpoint: Checkpointing(url: url, everyEpochs: 2))
        let (_, state) = try Model.loadCheckpoint(from: url)
        #expect(state.epoch == 3, "the last epoch always saves")
        #expect(state.history.epochs == [0, 1, 2])
        let asModel = try Model.load(bytes: FileIO.read(url), path: url.path)
        #expect(asModel.weights() == m.weights(), "a checkpoint loads as a model too")
        #expect(throws: FileError.self) { try Model.loadCheckpoint(from: dir.appendingPathComponent("none")) }
    }

    @Test("Resuming with other settings is an error; a plain model file is not a checkpoint")
    func mismatches() throws {
        let (x, y) = data()
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("checkpoint.safetensors")
        let m = model("ckpt_mismatch")
        try m.fit(x, y, batchSize: 20, epochs: 2, verbose: 0, seed: 1, checkpoint: Checkpointing(url: url))
        let (resumed, state) = try Model.loadCheckpoint(from: url)
        #expect(throws: TrainingError.self) { try resumed.fit(x, y, batchSize: 10, epochs: 2, verbose: 0, seed: 1, resuming: state) }
        let plain = dir.appendingPathComponent("model.safetensors")
        try m.save(to: plain)
        #expect(throws: TrainingError.self) { try Model.loadCheckpoint(from: plain) }
    }
}

/// A deterministic augmentation that draws from the generator fit hands it.
struct ShiftNoise: Augmentation {
    func augment(_ batch: inout Tensor, generator: inout SeededGenerator) {
        batch.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] += generator.nextFloat() * 0.01 } }
    }
}
