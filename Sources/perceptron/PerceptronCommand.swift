// The `perceptron` command: subcommands that parse options, call the library and print.
// Results go to standard output; progress and diagnostics to standard error.

import ArgumentParser
import Foundation
import Perceptron

@main
struct PerceptronCommand: ParsableCommand {
    static let version = PerceptronVersion.current

    static let configuration = CommandConfiguration(
        commandName: "perceptron",
        abstract: "Train, inspect and test neural networks on MNIST, the Keras way, in Swift.",
        version: version,
        subcommands: [Train.self, Summary.self, Evaluate.self, Predict.self, Show.self, Report.self, Plot.self, Transform.self, Robust.self, Represent.self, Bench.self, Info.self, Serve.self, Export.self, Import.self],
        defaultSubcommand: nil)

    /// Parses the arguments and runs the command. Help and the version print in full on
    /// standard output (exit 0); every error is one line on standard error: exit 64 for an
    /// unknown command, option or value, 1 for a failure while running (a missing or damaged
    /// file), or the status the command chose (130 after Ctrl-C).
    static func main() {
        let arguments = CommandLineArguments.joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst()))
        if let problem = CommandLineArguments.unknownCommand(in: arguments, commands: commandNames) {
            printError("Error: " + problem)
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let status = exitCode(for: error)
            if status == .success { exit(withError: error) }
            let text = message(for: error)
            if !text.isEmpty { printError("Error: " + text) }
            Foundation.exit(status.rawValue)
        }
    }

    /// The subcommands' names, in the order `--help` lists them.
    static var commandNames: [String] {
        configuration.subcommands.map { $0.configuration.commandName ?? $0._commandName }
    }
}

/// The arguments as typed, before ArgumentParser reads them.
enum CommandLineArguments {
    /// `--rotate -20` as `--rotate=-20`: a negative number (or a comma-separated list that
    /// starts with one, `-3,3`) after a long option is that option's value. ArgumentParser
    /// would read it as an option name; no option of this tool is spelled like a number.
    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return joined + arguments[index...] }
            if argument.hasPrefix("--"), argument.count > 2, !argument.contains("="), index + 1 < arguments.count,
               isNegativeNumberList(arguments[index + 1]) {
                joined.append(argument + "=" + arguments[index + 1])
                index += 2
            } else {
                joined.append(argument)
                index += 1
            }
        }
        return joined
    }

    /// Whether `text` is a minus sign, a number, and possibly more numbers after commas:
    /// `-20`, `-0.5`, `-1e-3`, `-30,30,5`.
    static func isNegativeNumberList(_ text: String) -> Bool {
        guard text.hasPrefix("-") else { return false }
        return text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { part in
            let digits = part.hasPrefix("-") || part.hasPrefix("+") ? part.dropFirst() : part[...]
            return digits.first.map { $0.isASCII && ($0.isNumber || $0 == ".") } == true && Double(part) != nil
        }
    }

    /// The error for a first argument that names no command (`trian`), or for `help` followed
    /// by one (`help nosuch`), with the nearest command names; nil when the arguments start
    /// with a command, an option or nothing.
    static func unknownCommand(in arguments: [String], commands: [String]) -> String? {
        guard var word = arguments.first, !word.hasPrefix("-") else { return nil }
        if word == "help" {
            guard arguments.count > 1, !arguments[1].hasPrefix("-"), arguments[1] != "help" else { return nil }
            word = arguments[1]
        }
        guard !commands.contains(word) else { return nil }
        let near = suggestions(for: word, among: commands)
        if near.isEmpty {
            return "unknown command '\(word)'; the commands are " + commands.joined(separator: ", ")
        }
        return "unknown command '\(word)'; did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }

    /// The commands `word` abbreviates (from 3 letters), else those nearest to it by at
    /// most one edit (two for words of 5 letters or more), counting a swap of neighbours as one.
    static func suggestions(for word: String, among commands: [String]) -> [String] {
        let abbreviated = word.count >= 3 ? commands.filter { $0.hasPrefix(word) } : []
        if !abbreviated.isEmpty { return abbreviated }
        let distances = commands.map { editDistance(word, $0) }
        guard let best = distances.min(), best <= (word.count >= 5 ? 2 : 1) else { return [] }
        return zip(commands, distances).filter { $0.1 == best }.map(\.0)
    }

    /// The optimal string alignment distance: insertions, deletions, substitutions and swaps
    /// of adjacent characters, each counting one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
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

/// A problem found while running a command (an unusable model, data that does not suit
/// it): printed as one line, exit status 1. A bad option value is a `ValidationError` (64).
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

/// A loss or metric as the commands print it: 4 decimals (`0.0731`), or from a million on,
/// where 4 decimals would bury the magnitude in digits, scientific notation (`1.2299e+25`).
func formatMetric(_ value: Double) -> String {
    String(format: abs(value) >= 1e6 ? "%.4e" : "%.4f", value)
}

/// Whether standard output takes ANSI colour: a terminal, and neither `NO_COLOR` nor
/// `TERM=dumb` in the environment (pictures are then drawn with plain characters).
var standardOutputUsesColor: Bool { standardOutputIsTerminal && TerminalOutput.allowsColor() }
