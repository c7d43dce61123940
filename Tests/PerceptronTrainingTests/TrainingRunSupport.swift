// A small dataset folder and quick settings for tests of training runs: the first MNIST
// images in IDX files, so a run takes a fraction of a second.

import Foundation
@testable import PerceptronTraining
import PerceptronData
import PerceptronIO
import PerceptronNN
import PerceptronTensor

enum RunFixtures {
    /// A folder with the four IDX files of the first `train` and `test` MNIST images.
    static func dataset(train: Int = 200, test: Int = 50) throws -> URL {
        let folder = try temporaryFolder("data")
        let mnist = try MNIST.load()
        func write(_ tensor: ByteTensor, rows: Int, _ name: String) throws {
            let part = tensor.rows(0..<rows)
            let array = IDXArray(type: .uint8, shape: part.shape, payload: part.bytes)
            try FileIO.writeAtomically(IDX.encode(array), to: folder.appendingPathComponent(name))
        }
        try write(mnist.trainImages, rows: train, "train-images-idx3-ubyte")
        try write(mnist.trainLabels, rows: train, "train-labels-idx1-ubyte")
        try write(mnist.testImages, rows: test, "t10k-images-idx3-ubyte")
        try write(mnist.testLabels, rows: test, "t10k-labels-idx1-ubyte")
        return folder
    }

    /// Quick settings: a 784-8-10 MLP, 2 epochs of batch 50, no report.
    static func settings(data: URL, epochs: Int = 2) -> RunSettings {
        RunSettings(hidden: [8], epochs: epochs, batchSize: 50, dataDirectory: data.path, writesReport: false)
    }

    /// A fresh temporary folder.
    static func temporaryFolder(_ stem: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-run-\(stem)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Calls `action` once, at the end of training (after the last epoch, before the evaluation).
final class AtTrainEnd: Callback {
    let action: () -> Void
    init(_ action: @escaping () -> Void) { self.action = action }
    func onTrainEnd(model: Model) { action() }
}

/// Calls `action` once, after the given batch of the first epoch.
final class AtBatch: Callback {
    let batch: Int
    let action: () -> Void
    init(_ batch: Int, _ action: @escaping () -> Void) { self.batch = batch; self.action = action }
    func onBatchEnd(_ batch: Int, logs: Logs, model: Model) { if batch == self.batch { action() } }
}
