// `perceptron import`: an ONNX file from PyTorch or Keras becomes a Perceptron model file,
// which then trains, evaluates and plays like one trained here.

import ArgumentParser
import Foundation
import Perceptron

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn an ONNX model (from torch.onnx.export or Keras's export) into a Perceptron model file.",
        discussion: """
            The graph must be a chain of Gemm or MatMul+Add, Conv, MaxPool/AveragePool, \
            BatchNormalization, Relu/Sigmoid/Tanh/Softmax, Flatten/Reshape/Transpose, Dropout and \
            Identity. A channels-first image input [N, C, H, W] becomes Perceptron's [N, H, W, C] \
            with the same outputs. The model's table is printed on standard output.

              perceptron import mnist.onnx --output mnist.safetensors
              perceptron serve --model mnist.safetensors
            """)

    @Argument(help: ArgumentHelp("The ONNX file to read.", valueName: "model.onnx"))
    var input: String

    @Option(help: ArgumentHelp("The Perceptron model file to write (.safetensors).", valueName: "file"))
    var output: String

    @Flag(help: "Replace --output if it exists (written atomically: a failed import leaves it as it was).")
    var overwrite = false

    @Flag(name: .customLong("no-compile"), help: "Save no compile settings (by default the lesson's: categorical cross-entropy, Adam 0.001, accuracy), so evaluate and train-on need them set later.")
    var noCompile = false

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("the ONNX file's path is empty") }
        try checkExtension(output, option: "--output", allowed: ["safetensors"])
    }

    func run() throws {
        let source = URL(fileURLWithPath: input)
        let destination = URL(fileURLWithPath: output)
        guard source.standardizedFileURL.path != destination.standardizedFileURL.path else {
            throw CLIError("--output \(output) is the ONNX file itself; give another name")
        }
        try checkWritableFile(output, option: "--output")
        if !overwrite, FileManager.default.fileExists(atPath: destination.path) {
            throw CLIError("--output \(output) already exists; pass --overwrite to replace it")
        }
        let model = try ONNXImport.model(contentsOf: source)
        if !noCompile {
            // ONNX carries no training settings; the lesson's, so that evaluate works at once.
            model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.001), metrics: [.accuracy])
        }
        try model.save(to: destination)
        print(model.summaryText(), terminator: "")
        printError("Wrote \(output) (\(model.layers.count) layers, input \(model.inputShape), output \(model.outputShape))")
    }
}
