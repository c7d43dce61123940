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

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 unscaled (default: as the model file records its training, else divided by 255).")
    var rawPixels = false

    @Option(help: ArgumentHelp("Also write the digit as a PNG captioned with the prediction, like the tutorial's plt.xlabel.", valueName: "file"))
    var png: String?

    func run() throws {
        try checkBackend()
        let model = try modelFile.load()
        let mnist = try data.load()
        let images = mnist.images(split)
        try checkIndex(index, in: images, split: split)
        let samples = try model.samples(from: images, scale: rawPixels ? 1 : model.pixelScale)
        let probabilities = try model.predict(samples.gather([index])).scalars
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        let caption = "prediction: \(best) \(String(format: "%.4f", probabilities[best]))"
        if let png {
            let tile = ImageGrid.Tile(GreyImage(batch: images, index: index), caption: caption)
            try PNG.write(ImageGrid(columns: 1, scale: 10, captionScale: 2, padding: 8, colormap: .greys).render([tile]),
                          to: URL(fileURLWithPath: png))
            printError("wrote \(png)")
        }
        print(caption)
        print("label: \(mnist.labels(split).bytes[index])")
        print("probabilities: " + probabilities.map { String(format: "%.4f", $0) }.joined(separator: " "))
    }
}
