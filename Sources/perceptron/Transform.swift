// `perceptron transform`: the tutorial's experiment. A digit is rotated and shifted with
// OpenCV-exact warpAffine, both versions are shown and, with a model, classified.

import ArgumentParser
import Foundation
import Perceptron

struct Transform: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rotate and shift a digit exactly as cv2.warpAffine does, and show how a model reads it.",
        discussion: """
            The tutorial's transform is
              perceptron transform --model runs/.../model.safetensors --index 5 --split train --rotate 20 --center 20,25 --shift 3,3
            which builds M = getRotationMatrix2D((20, 25), 20, 1), adds 3 to M[0, 2] and M[1, 2], and warps
            training image 5 to 28x28 with bilinear interpolation and a black border.
            """)

    @Option(help: ArgumentHelp("A model to classify both images with (optional).", valueName: "file"))
    var model: String?

    @OptionGroup var data: DataOptions

    @Option(help: "Index of the dataset image (ignored with --image).")
    var index: Int = 5

    @Option(help: "train or test.")
    var split: Split = .train

    @Option(help: ArgumentHelp("A PNG or PGM picture to transform instead of a dataset image (read as grey).", valueName: "file"))
    var image: String?

    @Option(help: "Rotation in degrees, counter-clockwise (cv2.getRotationMatrix2D's angle).")
    var rotate: Double = 0

    @Option(help: ArgumentHelp("Rotation centre x,y (default: the image centre).", valueName: "x,y"))
    var center: String?

    @Option(name: .customLong("scale"), help: "Isotropic scale of the rotation matrix.")
    var zoom: Double = 1

    @Option(help: ArgumentHelp("Shift dx,dy added to the matrix's last column, as the tutorial does.", valueName: "dx,dy"))
    var shift: String?

    @Option(help: ArgumentHelp("The full 2x3 matrix m00,m01,m02,m10,m11,m12 (replaces --rotate, --center, --scale, --shift).", valueName: "m"))
    var matrix: String?

    @Option(help: ArgumentHelp("Output size W,H (default: the input's).", valueName: "w,h"))
    var size: String?

    @Option(help: "nearest, linear or cubic.")
    var interpolation: InterpolationOption = .linear

    @Option(help: ArgumentHelp("constant[:V], replicate or reflect101 (default constant:0).", valueName: "mode"))
    var border: String = "constant:0"

    @Flag(name: .customLong("inverse-map"), help: "The matrix maps destination to source (cv2.WARP_INVERSE_MAP).")
    var inverseMap = false

    @Option(help: ArgumentHelp("Write the transformed image alone, at its own size, unscaled (.png or .pgm).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Also write the side-by-side picture with captions (.png).", valueName: "file"))
    var png: String?

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 to the model (default: as the model was trained).")
    var rawPixels = false

    func validate() throws {
        if let output { try checkExtension(output, option: "--output", allowed: ["png", "pgm"]) }
        if let png { try checkExtension(png, option: "--png", allowed: ["png"]) }
        _ = try parsedCenter()
        _ = try parsedShift()
        _ = try parsedSize()
        _ = try parsedMatrix()
        _ = try parsedBorder()
        guard zoom.isFinite, zoom != 0 else { throw ValidationError("--scale must be a non-zero number, got \(zoom)") }
        guard rotate.isFinite else { throw ValidationError("--rotate must be a number") }
    }

    static func numbers(_ text: String, count: Int, option: String) throws -> [Double] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == count, values.allSatisfy({ $0?.isFinite == true }) else {
            throw ValidationError("\(option) takes \(count) comma-separated numbers, got '\(text)'")
        }
        return values.map { $0! }
    }

    func parsedCenter() throws -> (x: Double, y: Double)? {
        try center.map { let v = try Transform.numbers($0, count: 2, option: "--center"); return (v[0], v[1]) }
    }
    func parsedShift() throws -> (x: Double, y: Double) {
        try shift.map { let v = try Transform.numbers($0, count: 2, option: "--shift"); return (v[0], v[1]) } ?? (0, 0)
    }
    func parsedMatrix() throws -> AffineMatrix? {
        try matrix.map {
            let v = try Transform.numbers($0, count: 6, option: "--matrix")
            return AffineMatrix(m00: v[0], m01: v[1], m02: v[2], m10: v[3], m11: v[4], m12: v[5])
        }
    }
    func parsedSize() throws -> (width: Int, height: Int)? {
        guard let size else { return nil }
        let v = try Transform.numbers(size, count: 2, option: "--size")
        guard v.allSatisfy({ $0 >= 1 && $0 <= 16384 && $0 == $0.rounded() }) else {
            throw ValidationError("--size takes two whole numbers from 1 to 16384, got '\(size)'")
        }
        return (Int(v[0]), Int(v[1]))
    }
    func parsedBorder() throws -> BorderMode {
        switch border {
        case "replicate": return .replicate
        case "reflect101", "reflect_101": return .reflect101
        case "constant": return .constant(0)
        default:
            if border.hasPrefix("constant:"), let value = Double(border.dropFirst("constant:".count)), value.isFinite {
                return .constant(value)
            }
            throw ValidationError("--border takes constant[:V], replicate or reflect101, got '\(border)'")
        }
    }

    func run() throws {
        try checkBackend()
        if let output { try checkWritableFile(output, option: "--output") }
        if let png { try checkWritableFile(png, option: "--png") }
        let (source, label) = try sourceImage()
        let network = try model.map { try Model.load(from: URL(fileURLWithPath: $0)) }
        let m: AffineMatrix
        if let exact = try parsedMatrix() {
            m = exact
        } else {
            let c = try parsedCenter() ?? (Double(source.width - 1) / 2, Double(source.height - 1) / 2)
            var rotation = rotationMatrix2D(center: c, angle: rotate, scale: zoom)
            let (dx, dy) = try parsedShift()
            rotation.m02 += dx
            rotation.m12 += dy
            m = rotation
        }
        let outputSize = try parsedSize() ?? (source.width, source.height)
        if let network {
            let inputs = network.inputShape.reduce(1, *)
            let sizes: [(caption: String, width: Int, height: Int)] = [
                ("original", source.width, source.height), ("transformed", outputSize.width, outputSize.height)]
            for size in sizes where size.width * size.height != inputs {
                throw CLIError("the model takes \(network.inputShape) inputs; the \(size.caption) image is \(size.width)x\(size.height)")
            }
        }
        let transformed = warpAffine(source, m, size: outputSize, interpolation: interpolation.value,
                                     border: try parsedBorder(), inverseMap: inverseMap)
        print("matrix: [[\(m.m00), \(m.m01), \(m.m02)], [\(m.m10), \(m.m11), \(m.m12)]]")
        if let output {
            let url = URL(fileURLWithPath: output)
            if output.lowercased().hasSuffix(".pgm") { try PGM.write(transformed, to: url) } else { try PNG.write(transformed, to: url) }
            printError("wrote \(output) (\(transformed.width)x\(transformed.height))")
        }
        // Large pictures are drawn shrunk to the terminal; the files and the model see every pixel.
        let terminal = terminalSize()
        print(TerminalImage.renderSideBySide([source, transformed], style: standardOutputUsesColor ? .ansi : .plain,
                                             columns: terminal.columns, lines: terminal.lines), terminator: "")

        var captions = ["original", "transformed"]
        if let network {
            let scale = rawPixels ? 1 : network.pixelScale
            for (position, picture) in [source, transformed].enumerated() {
                let probabilities = try network.predict(picture.tensor(scale: scale).reshaped([1] + network.inputShape)).scalars
                let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
                let line = "prediction: \(best) \(String(format: "%.4f", probabilities[best]))"
                print("\(captions[position]): \(line)" + (label.map { ", label \($0)" } ?? ""))
                captions[position] = line
            }
        }
        guard let png else { return }
        if let label { captions = captions.map { $0 + " (true \(label))" } }
        // A digit is drawn 8 times its size; pictures above 56 pixels less, down to 1.
        let side = max(source.width, source.height, transformed.width, transformed.height)
        let grid = ImageGrid(columns: 2, scale: max(1, min(8, 448 / side)), captionScale: 2, padding: 28, colormap: .greys)
        try PNG.write(grid.render(zip([source, transformed], captions).map { ImageGrid.Tile($0, caption: $1) }),
                      to: URL(fileURLWithPath: png))
        printError("wrote \(png)")
    }

    func sourceImage() throws -> (GreyImage<UInt8>, Int?) {
        if let image {
            let url = URL(fileURLWithPath: image)
            let picture = image.lowercased().hasSuffix(".pgm") ? try PGM.read(url) : try PNG.readGrey(url)
            return (picture, nil)
        }
        let mnist = try data.load()
        let images = mnist.images(split)
        try checkIndex(index, in: images, split: split)
        return (GreyImage(batch: images, index: index), Int(mnist.labels(split).bytes[index]))
    }
}

enum InterpolationOption: String, ExpressibleByArgument, CaseIterable {
    case nearest, linear, cubic
    var value: Interpolation {
        switch self {
        case .nearest: return .nearest
        case .linear: return .linear
        case .cubic: return .cubic
        }
    }
}
