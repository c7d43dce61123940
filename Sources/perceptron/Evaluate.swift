// `perceptron evaluate`: a saved model's loss and metrics on the test set.

import ArgumentParser
import Foundation
import Perceptron

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a saved model on the test set.")

    @OptionGroup var modelFile: ModelFileOption
    @OptionGroup var data: DataOptions

    @Option(name: .customLong("batch-size"), help: "Samples per batch (results do not depend on it).")
    var batchSize: Int = 1000

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 unscaled (default: as the model file records its training, else divided by 255).")
    var rawPixels = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
        try checkBackend()
        let model = try modelFile.load()
        guard model.loss != nil else {
            throw CLIError("\(modelFile.model) holds no compile settings (loss, optimizer); it cannot be evaluated")
        }
        let mnist = try data.load()
        let x = try model.samples(from: mnist.testImages, scale: rawPixels ? 1 : model.pixelScale)
        let classes = model.outputShape.reduce(1, *)
        guard Int(mnist.testLabels.bytes.max() ?? 0) < classes else {
            throw CLIError("the test labels go up to \(mnist.testLabels.bytes.max() ?? 0) but the model has \(classes) outputs")
        }
        let y = model.loss!.takesClassIndices ? mnist.testLabels.asFloat() : oneHot(mnist.testLabels, classes: classes)
        let result = try model.evaluate(x, y, batchSize: batchSize, verbose: 0)
        print("Test loss: " + formatMetric(result.loss))
        for (name, value) in result.metrics.sorted(by: { $0.key < $1.key }) {
            let label = name.contains("accuracy") ? "Test accuracy" : "Test \(name)"
            print(label + ": " + formatMetric(value))
        }
    }
}
