// `perceptron predict`: one dataset image through a saved model; prints the predicted class
// with its probability (the tutorial's `prediction: 2 0.9731`), the true label and all ten.
// With --output, every image of the split (or the one --index names) goes to a file instead:
// the probabilities, one row per image, for comparing with other tools.

import ArgumentParser
import Foundation
import Perceptron

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict the class of one test (or training) image, or write every image's probabilities to a file.",
        discussion: """
            --output FILE writes the class probabilities of every image of the split, in order \
            (or of the --index image alone): a .csv has a header (index,label,predicted,p0,...) and one \
            row per image, the probabilities written so that they read back as the same float32; \
            a .f32 file holds the float32 values alone, little-endian, row-major [images, classes], \
            as numpy.fromfile(FILE, "<f4").reshape(-1, classes) reads them.
            """)

    /// The formats `--output` writes.
    static let outputFormats = ["csv", "f32"]

    @OptionGroup var modelFile: ModelFileOption
    @OptionGroup var data: DataOptions

    @Option(help: "Index of the image in its split (required without --output).")
    var index: Int?

    @Option(help: "train or test.")
    var split: Split = .test

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 unscaled (default: as the model file records its training, else divided by 255).")
    var rawPixels = false

    @Option(help: ArgumentHelp("Also write the digit as a PNG captioned with the prediction, like the tutorial's plt.xlabel.", valueName: "file"))
    var png: String?

    @Option(help: ArgumentHelp("Write the probabilities of every image of the split (or of --index) to a .csv or .f32 file.", valueName: "file"))
    var output: String?

    @Flag(help: "Replace --output when it exists.")
    var overwrite = false

    func validate() throws {
        guard index != nil || output != nil else {
            throw ValidationError("give --index N for one image, or --output FILE for every image of the split")
        }
        if let output {
            try checkExtension(output, option: "--output", allowed: Self.outputFormats)
            guard png == nil || index != nil else { throw ValidationError("--png draws one image: give --index with it") }
        }
    }

    func run() throws {
        try checkBackend()
        if let output {
            try checkWritableFile(output, option: "--output")
            guard overwrite || !FileManager.default.fileExists(atPath: output) else {
                throw CLIError("--output \(output) already exists; give --overwrite to replace it")
            }
        }
        let model = try modelFile.load()
        let mnist = try data.load()
        let images = mnist.images(split)
        if let index { try checkIndex(index, in: images, split: split) }
        let samples = try model.samples(from: images, scale: rawPixels ? 1 : model.pixelScale)
        if let output {
            try writeProbabilities(model: model, samples: samples, labels: mnist.labels(split), to: output)
            return
        }
        guard let index else { return }
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

    /// Writes the probabilities of every image (or of `index`) as CSV or raw float32, atomically.
    private func writeProbabilities(model: Model, samples: some SampleSource, labels: ByteTensor, to output: String) throws {
        let rows = index.map { [$0] } ?? Array(0..<labels.count)
        let probabilities = try index.map { try model.predict(samples.gather([$0])) } ?? model.predict(samples)
        let classes = probabilities.shape.last ?? 0
        let values = probabilities.scalars
        let url = URL(fileURLWithPath: output)
        if url.pathExtension.lowercased() == "f32" {
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count * 4)
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            try FileIO.writeAtomically(bytes, to: url)
        } else {
            var text = "index,label,predicted," + (0..<classes).map { "p\($0)" }.joined(separator: ",") + "\n"
            for (row, image) in rows.enumerated() {
                let p = values[row * classes..<(row + 1) * classes]
                let best = p.indices.max { p[$0] < p[$1] }! - row * classes
                text += "\(image),\(labels.bytes[image]),\(best)," + p.map { "\($0)" }.joined(separator: ",") + "\n"
            }
            try FileIO.writeAtomically(text, to: url)
        }
        printError("wrote \(output): \(rows.count) image\(rows.count == 1 ? "" : "s") x \(classes) classes")
    }
}
