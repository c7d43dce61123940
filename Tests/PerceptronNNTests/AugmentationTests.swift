// Training-only transformations: fit applies an augmentation to training batches and never
// to validation data; RandomRotation / RandomTranslation act in training only; a CNN with
// every layer type survives a save and load.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO
import PerceptronTensor
import PerceptronVision

/// Records what fit hands it and leaves the batch unchanged.
final class RecordingAugmentation: Augmentation {
    nonisolated(unsafe) var batchSizes: [Int] = []
    func augment(_ batch: inout Tensor, generator: inout SeededGenerator) { batchSizes.append(batch.shape[0]) }
}

/// Adds a constant to every value: a visible, deterministic change.
struct ShiftAugmentation: Augmentation {
    func augment(_ batch: inout Tensor, generator: inout SeededGenerator) {
        batch.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] += 1 } }
    }
}

@Suite struct FitAugmentationTests {
    func data() -> (Tensor, Tensor) {
        let x = tensor(randomValues(10 * 4, seed: 40), [10, 4])
        let y = Tensor(rows: (0..<10).map { $0 % 2 == 0 ? [1, 0] : [0, 1] })
        return (x, y)
    }

    func model(_ name: String) -> Model {
        let model = functionalModel([4], [Dense(2, activation: .softmax, name: "\(name)_out")], name: name)
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0.1), metrics: [.categoricalAccuracy])
        return model
    }

    @Test("Only training batches are augmented, every step, never the validation part")
    func onlyTraining() throws {
        let (x, y) = data()
        let recorder = RecordingAugmentation()
        try model("aug_record").fit(x, y, batchSize: 3, epochs: 2, verbose: 0, validationSplit: 0.4, seed: 1,
                                    augmentation: recorder)
        // 6 training samples per epoch in batches of 3, 3; the 4 validation samples never.
        #expect(recorder.batchSizes == [3, 3, 3, 3])
    }

    @Test("An augmentation changes training, not evaluation; validation sees the data unchanged")
    func changesTrainingOnly() throws {
        let (x, y) = data()
        let plain = model("aug_plain"), shifted = model("aug_shifted")
        shifted.setWeights(plain.weights())
        var generator = SeededGenerator(seed: 3)
        let a = try plain.fit(x, y, batchSize: 5, epochs: 1, verbose: 0, validationSplit: 0.5, shuffle: false, seed: 2)
        // Before any step, both models are equal, so a difference in val_loss after one epoch
        // comes from the training batches only: check the augmented one trained differently.
        let b = try shifted.fit(x, y, batchSize: 5, epochs: 1, verbose: 0, validationSplit: 0.5, shuffle: false, seed: 2,
                                augmentation: ShiftAugmentation())
        #expect(a["loss"] != b["loss"])
        // The validation half (the last 5 samples) is scored as it is: val_loss is the trained
        // model's loss on those samples unchanged, and not its loss on them shifted.
        let validationX = x.rows(5..<10), validationY = y.rows(5..<10)
        var shiftedX = validationX
        ShiftAugmentation().augment(&shiftedX, generator: &generator)
        let unchanged = try shifted.evaluate(validationX, validationY, batchSize: 5, verbose: 0).loss
        let augmented = try shifted.evaluate(shiftedX, validationY, batchSize: 5, verbose: 0).loss
        #expect(abs(unchanged - augmented) > 1e-3, "the shift must change the loss for this check to mean anything")
        #expect(b["val_loss"] == [unchanged], "val_loss \(b["val_loss"]), unchanged \(unchanged), shifted \(augmented)")
    }
}

@Suite struct RandomImageLayerTests {
    func images() -> Tensor {
        var values = [Double](repeating: 0, count: 2 * 8 * 8)
        for i in 0..<8 { values[i * 8 + 3] = 1; values[64 + i * 8 + i] = 1 }
        return tensor(values, [2, 8, 8, 1])
    }

    @Test("RandomRotation and RandomTranslation pass images through in inference and change them in training")
    func trainingOnly() {
        let x = images()
        for layer in [RandomRotation(0.2, seed: 5, name: "rotation_check") as RandomImageLayer,
                      RandomTranslation(heightFactor: 0.3, widthFactor: 0.3, seed: 5, name: "translation_check")] {
            built(layer, on: [8, 8, 1])
            #expect(layer.forward(x, training: false) == x)
            let y = layer.forward(x, training: true)
            #expect(y.shape == x.shape)
            #expect(y != x)
            #expect(layer.backward(x, needsInputGradient: true) == x, "the gradient passes through")
        }
    }

    @Test("A seed fixes the transforms; factor 0 leaves images unchanged")
    func seeded() {
        let x = images()
        let a = built(RandomRotation(0.1, seed: 9, name: "rotation_seed_a"), on: [8, 8, 1])
        let b = built(RandomRotation(0.1, seed: 9, name: "rotation_seed_b"), on: [8, 8, 1])
        #expect(a.forward(x, training: true) == b.forward(x, training: true))
        let none = built(RandomTranslation(heightFactor: 0, widthFactor: 0, seed: 1, name: "translation_none"), on: [8, 8, 1])
        #expect(none.forward(x, training: true) == x)
    }
}

@Suite struct CNNFileTests {
    @Test("A CNN with every layer type saves and loads: architecture, weights, moving statistics, outputs")
    func roundTrip() throws {
        let model = functionalModel([12, 12, 1], [
            RandomRotation(0.05, seed: 3, name: "cnn_rotation"), RandomTranslation(heightFactor: 0.1, widthFactor: 0.1, seed: 4, name: "cnn_translation"),
            Conv2D(4, kernelSize: 3, padding: .same, activation: .relu, name: "cnn_conv"), BatchNormalization(name: "cnn_bn"),
            MaxPooling2D(2, name: "cnn_pool"), Conv2D(6, kernelSize: (3, 2), strides: (2, 1), name: "cnn_conv2"),
            AveragePooling2D(2, padding: .same, name: "cnn_avg"), Flatten(name: "cnn_flatten"), Dropout(0.3, name: "cnn_dropout"),
            Dense(3, activation: .softmax, name: "cnn_out"),
        ], name: "cnn_file")
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(), metrics: [.accuracy])
        let x = tensor(randomValues(8 * 144, seed: 41, in: 0...1), [8, 12, 12, 1])
        let y = Tensor(rows: (0..<8).map { i in (0..<3).map { $0 == i % 3 ? 1 : 0 } })
        try model.fit(x, y, batchSize: 4, epochs: 2, verbose: 0, seed: 3)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cnn-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("cnn.safetensors")
        try model.save(to: url)
        let loaded = try Model.load(from: url)
        #expect(loaded.layers.map(\.typeName) == model.layers.map(\.typeName))
        #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
        #expect(zip(loaded.weights(), model.weights()).allSatisfy { $0 == $1 })
        let bn = try #require(loaded.layer(named: "cnn_bn") as? BatchNormalization)
        #expect(bn.movingMean.value.scalars.contains { $0 != 0 }, "moving statistics are saved")
        #expect(try loaded.predict(x) == model.predict(x))
        #expect(loaded.summaryText() == model.summaryText())
    }
}
