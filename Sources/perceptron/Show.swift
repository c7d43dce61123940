// `perceptron show`: a dataset digit in the terminal (like `plt.imshow(X_train[0], cmap='Greys')`),
// or its 28 rows of pixel values tab-separated, exactly as the tutorial's loop prints them.

import ArgumentParser
import Foundation
import Perceptron

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw a dataset image in the terminal, or print its pixel values.")

    @OptionGroup var data: DataOptions

    @Option(help: "Index of the image in its split.")
    var index: Int = 0

    @Option(help: "train or test.")
    var split: Split = .train

    @Flag(help: "Print the pixel values, tab-separated, one image row per line.")
    var pixels = false

    @Option(help: ArgumentHelp("Also write the digit as a PNG, drawn like plt.imshow(..., cmap='Greys').", valueName: "file"))
    var png: String?

    @Option(help: "Pixels per image pixel in the PNG.")
    var scale: Int = 10

    func validate() throws {
        guard (1...64).contains(scale) else { throw ValidationError("--scale must be 1...64, got \(scale)") }
        if let png { try checkExtension(png, option: "--png", allowed: ["png"]) }
    }

    func run() throws {
        let mnist = try data.load()
        let images = mnist.images(split)
        try checkIndex(index, in: images, split: split)
        let image = GreyImage(batch: images, index: index)
        if let png {
            try PNG.write(image.applying(.greys).upscaled(by: scale), to: URL(fileURLWithPath: png))
            printError("wrote \(png)")
        }
        if pixels {
            print(TerminalImage.pixelTable(image), terminator: "")
            return
        }
        print("\(split.rawValue) image \(index), label \(mnist.labels(split).bytes[index])")
        print(TerminalImage.render(image, style: standardOutputUsesColor ? .ansi : .plain), terminator: "")
    }
}
