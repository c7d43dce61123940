// `perceptron predict`: one dataset image through a saved model; prints the predicted class
// with its probability (the tutorial's `prediction: 2 0.9731`), the true label and all ten.

import ArgumentParser
import Foundation
import Perceptron

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Predict the class of one test (or training) image.")

    @OptionGroup var modelFile: ModelFileOption
    @OptionGroup var data: DataOptions

    @Option(help: "Index of the image in its split.")
    var index: Int

    @Option(help: "train or test.")
    var split: Split = .test

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 unscaled (for models trained with --raw-pixels).")
    var rawPixels = false

    func run() throws {
        try checkBackend()
        let model = try modelFile.load()
        let mnist = try data.load()
        let images = mnist.images(split)
        try checkIndex(index, in: images, split: split)
        let samples = try model.samples(from: images, scale: rawPixels ? 1 : 1 / 255)
        let probabilities = model.predict(samples.gather([index])).scalars
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        print("prediction: \(best) \(String(format: "%.4f", probabilities[best]))")
        print("label: \(mnist.labels(split).bytes[index])")
        print("probabilities: " + probabilities.map { String(format: "%.4f", $0) }.joined(separator: " "))
    }
}
