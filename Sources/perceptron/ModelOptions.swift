// Options and helpers shared by the commands that read a saved model: loading it and
// presenting dataset images in the shape the model's input expects.

import ArgumentParser
import Foundation
import Perceptron

struct ModelFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("A model file (model.safetensors) or a run folder written by `perceptron train`.", valueName: "file|run-dir"))
    var model: String

    func load() throws -> Model {
        try Model.load(from: ModelSource(model).modelFile)
    }
}

/// What `--model` names: a model file, or a run folder with its model and training settings.
struct ModelSource {
    /// The model file to load.
    let modelFile: URL
    /// The run's settings (`train.json`), for a run folder that has them.
    let settings: RunSettings?

    /// Resolves `path`: a folder is a run folder (its `model.safetensors` and `train.json`),
    /// anything else a model file.
    /// - Throws: `CLIError` for a folder without a finished model; `RunSettingsError` for a
    ///   `train.json` that is not a run's settings.
    init(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            modelFile = URL(fileURLWithPath: path)
            settings = nil
            return
        }
        let folder = RunFolder(URL(fileURLWithPath: path))
        guard FileManager.default.fileExists(atPath: folder.model.path) else {
            if FileManager.default.fileExists(atPath: folder.checkpoint.path) {
                throw CLIError("--model \(path): the run has not finished (no model.safetensors, only a checkpoint); finish it with perceptron train --resume \(path)")
            }
            throw CLIError("--model \(path) is a folder without model.safetensors; give a model file or a run folder written by perceptron train")
        }
        modelFile = folder.model
        if FileManager.default.fileExists(atPath: folder.settings.path) {
            let text = String(decoding: try FileIO.read(folder.settings, limit: 1 << 20), as: UTF8.self)
            settings = try RunSettings.parse(text, path: folder.settings.path)
        } else {
            settings = nil
        }
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
