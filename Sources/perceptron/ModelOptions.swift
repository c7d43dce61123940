// Options and helpers shared by the commands that read a saved model: loading it and
// presenting dataset images in the shape the model's input expects.

import ArgumentParser
import Foundation
import Perceptron

struct ModelFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("A model saved by `perceptron train` (model.safetensors).", valueName: "file"))
    var model: String

    func load() throws -> Model {
        try Model.load(from: URL(fileURLWithPath: model))
    }
}

enum Split: String, ExpressibleByArgument, CaseIterable {
    case train, test
}

extension Model {
    /// The images `[N, H, W]` as samples of this model's input shape (`[H*W]`, `[H, W]` or
    /// `[H, W, 1]`), pixels scaled by `scale`.
    func samples(from images: ByteTensor, scale: Float) throws -> ScaledBytes {
        let perImage = images.rowWidth
        guard inputShape.reduce(1, *) == perImage else {
            throw CLIError("the model takes inputs of shape \(inputShape) (\(inputShape.reduce(1, *)) values) but the images have \(perImage) pixels")
        }
        return images.scaled(by: scale).reshaped(sampleShape: inputShape)
    }
}

extension MNIST {
    func images(_ split: Split) -> ByteTensor { split == .train ? trainImages : testImages }
    func labels(_ split: Split) -> ByteTensor { split == .train ? trainLabels : testLabels }
}

/// Checks an image index against a split's size: a bad `--index` value (exit 64).
func checkIndex(_ index: Int, in images: ByteTensor, split: Split) throws {
    guard index >= 0 && index < images.shape[0] else {
        throw ValidationError("--index \(index) is out of range: the \(split.rawValue) split has images 0...\(images.shape[0] - 1)")
    }
}

/// Whether standard output is a terminal (for colour and in-place drawing).
var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

extension Model {
    /// The factor pixels were multiplied by in training, as recorded in the model file
    /// (`pixel_scale`); 1/255 when the file does not say.
    var pixelScale: Float {
        metadata["pixel_scale"].flatMap(Float.init) ?? 1 / 255
    }
}
