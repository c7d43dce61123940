// `perceptron export`: a saved model, or a run folder's, written as an ONNX file for ONNX
// Runtime, PyTorch and the rest of the field. The graph is the library's (Model.onnxBytes).

import ArgumentParser
import Foundation
import Perceptron

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a saved model as an ONNX file, to run in ONNX Runtime and others with the same answers.",
        discussion: """
            The ONNX graph takes the model's own inputs (e.g. [N, 784] or [N, 28, 28, 1], pixels \
            scaled as in training, N any batch size) and gives its outputs. From a run folder, \
            the run's training settings (train.json) go into the file's metadata_props.
            """)

    /// The formats `export` writes.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case onnx
    }

    @Option(help: ArgumentHelp("A model file (model.safetensors) or a run folder written by `perceptron train`.", valueName: "file|run-dir"))
    var model: String

    @Option(help: ArgumentHelp("The format to write; ONNX files declare opset 18.", valueName: "format"))
    var format: Format = .onnx

    @Option(help: ArgumentHelp("The file to write, ending in .onnx.", valueName: "file"))
    var output: String

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    func validate() throws {
        try checkExtension(output, option: "--output", allowed: ["onnx"])
    }

    func run() throws {
        try checkWritableFile(output, option: "--output")
        guard overwrite || !FileManager.default.fileExists(atPath: output) else {
            throw CLIError("--output \(output) already exists; give --overwrite to replace it")
        }
        let source = try ExportSource(model)
        let loaded = try Model.load(from: source.modelFile)
        var metadata: [String: String] = [:]
        if let settings = source.settings { metadata["perceptron.training_settings"] = try settings.json() }
        try loaded.exportONNX(to: URL(fileURLWithPath: output), metadata: metadata)
        let inputs = (["N"] + loaded.inputShape.map(String.init)).joined(separator: ", ")
        let outputs = (["N"] + loaded.outputShape.map(String.init)).joined(separator: ", ")
        printError("ONNX opset \(ONNXOpset.version): input [\(inputs)] -> output [\(outputs)], "
                   + "\(loaded.layers.count) layers, \(Model.grouped(loaded.parameters.reduce(0) { $0 + $1.value.count })) weights"
                   + (source.settings == nil ? "" : ", with the run's training settings"))
        print(output)
    }
}

/// What `--model` names: a model file, or a run folder with its model and training settings.
struct ExportSource {
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
