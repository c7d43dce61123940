// The `perceptron` command: subcommands that parse options, call the library and print.
// Results go to standard output; progress and diagnostics to standard error.

import ArgumentParser
import Foundation
import Perceptron

@main
struct PerceptronCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "perceptron",
        abstract: "Train, inspect and test neural networks on MNIST, the Keras way, in Swift.",
        version: version,
        subcommands: [Train.self, Summary.self, Evaluate.self, Predict.self, Show.self, Report.self, Plot.self, Transform.self, Robust.self, Represent.self, Bench.self, Info.self, Serve.self],
        defaultSubcommand: nil)
}

/// Where the dataset comes from.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: ArgumentHelp(
        "A folder with the four MNIST-layout IDX files (raw or .gz), e.g. Fashion-MNIST. Default: the bundled MNIST.",
        valueName: "dir"))
    var dataDirectory: String?

    func load() throws -> MNIST {
        try MNIST.load(from: dataDirectory.map { URL(fileURLWithPath: $0) })
    }
}

/// A problem found while running a command (a bad index, an unusable model): printed as
/// one line, exit status 1.
struct CLIError: LocalizedError {
    let message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Fails with a one-line message when PERCEPTRON_BACKEND asks for something unavailable.
/// Says on stderr when OPENBLAS_CORETYPE holds OpenBLAS to older kernels than this CPU runs
/// (for the commands whose speed matters, once their inputs have been checked).
func adviseOnCoreType() {
    if GEMM.current is BLASBackend, let advice = BLASBackend.coreTypeAdvice { printError(advice) }
}

func checkBackend() throws {
    if let problem = GEMM.configurationProblem { throw CLIError(problem) }
    if let problem = SparseProducts.configurationProblem { throw CLIError(problem) }
    if let problem = BLASBackend.threadingProblem { throw CLIError(problem) }
}

extension ByteTensor {
    /// Images `[N, H, W]` as samples `[N, H * W]`, scaled lazily.
    func flattenedSamples(scale: Float) -> ScaledBytes {
        reshaped([shape[0], rowWidth]).scaled(by: scale)
    }
}
