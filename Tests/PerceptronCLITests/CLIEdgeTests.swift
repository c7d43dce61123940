// The command line's answers at its edges: negative numbers as typed, one-line errors with
// the right exit status, unknown commands, verbose 0, the progress bar's width on a real
// pseudo-terminal, large values, bench's epochs, and colour that NO_COLOR and TERM=dumb turn off.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Strips ANSI escape sequences (`ESC [ ... letter`).
private func visible(_ text: Substring) -> String {
    var out = ""
    var inEscape = false
    for scalar in text.unicodeScalars {
        if inEscape { if scalar.properties.isAlphabetic { inEscape = false }; continue }
        if scalar == "\u{1B}" { inEscape = true; continue }
        out.unicodeScalars.append(scalar)
    }
    return out
}

@Suite("perceptron: answers at the edges", .serialized)
struct CLIEdgeTests {
    /// Trains, into `folder/diverged`, a small run whose learning rate of 1e6 sends the loss
    /// to about 1e10: a model that loads and evaluates, with a test loss too large for 4
    /// decimals. Returns the run folder and what train printed on stdout.
    private func divergedRun(in folder: URL) async throws -> (run: URL, stdout: String) {
        let run = folder.appendingPathComponent("diverged")
        let result = try await CLI.run(["train", "--hidden", "16", "--epochs", "1", "--batch-size", "100", "--train-limit", "2000",
                                  "--learning-rate", "1e6", "--verbose", "0", "--no-report", "--output", run.path])
        try #require(result.status == 0, "stderr: \(result.stderr)")
        return (run, result.stdout)
    }

    // MARK: Negative numbers as typed

    @Test("transform reads --rotate -20, --shift -3,3 and --matrix -1,... as typed, as with '='")
    func negativeNumbersAsTyped() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let png = folder.appendingPathComponent("t.png").path
        let spaced = try await CLI.run(["transform", "--rotate", "-20", "--shift", "-3,3", "--png", png])
        #expect(spaced.status == 0, "stderr: \(spaced.stderr)")
        let joined = try await CLI.run(["transform", "--rotate=-20", "--shift=-3,3", "--png", png])
        #expect(joined.status == 0)
        let firstLine = try #require(spaced.stdout.split(separator: "\n").first)
        #expect(firstLine == joined.stdout.split(separator: "\n").first)
        // cv2.getRotationMatrix2D((13.5, 13.5), -20, 1): m01 = sin(-20°), then the shift.
        #expect(firstLine.hasPrefix("matrix: [[0.9396926207859084, -0.3420201433256687, "))

        let flipped = try await CLI.run(["transform", "--matrix", "-1,0,28,0,-1,28", "--png", png])
        #expect(flipped.status == 0, "stderr: \(flipped.stderr)")
        #expect(flipped.stdout.hasPrefix("matrix: [[-1.0, 0.0, 28.0], [0.0, -1.0, 28.0]]\n"))

        // A negative index is read as one, and is out of range (not "missing value").
        expectCleanFailure(try await CLI.run(["show", "--index", "-1"]), mentioning: "--index -1 is out of range", status: 64)
        expectCleanFailure(try await CLI.run(["train", "--epochs", "-2"]), mentioning: "--epochs must be at least 1, got -2", status: 64)
        // A word after an option is still that option's missing value.
        expectCleanFailure(try await CLI.run(["transform", "--rotate"]), mentioning: "Missing value for '--rotate <rotate>'", status: 64)
    }

    @Test("robustness reads --angles -30,30,5 and --shifts -1,1,1 as typed")
    func negativeRanges() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (run, _) = try await divergedRun(in: folder)
        let output = folder.appendingPathComponent("robustness")
        let result = try await CLI.run(["robustness", "--model", run.appendingPathComponent("model.safetensors").path,
                                  "--angles", "-30,30,30", "--shifts", "-1,1,1", "--limit", "20", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let csv = try String(contentsOf: output.appendingPathComponent("robustness.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",").dropFirst().dropLast().joined(separator: ",") }
        for row in ["rotation,-30.0,0,0", "rotation,0.0,0,0", "rotation,30.0,0,0", "shift_x,0.0,-1,0", "shift_y,0.0,0,-1"] {
            #expect(rows.contains(row), "\(csv.prefix(400))")
        }
    }

    // MARK: One line, and the exit status

    @Test("A bad option or value: one line on stderr, nothing on stdout, exit 64", arguments: [
        (["show", "--index", "60000"], "Error: --index 60000 is out of range: the train split has images 0...59999"),
        (["show", "--index", "10000", "--split", "test"], "the test split has images 0...9999"),
        (["show", "--split", "validation"], "Error: The value 'validation' is invalid for '--split <split>'"),
        (["show", "--index", "abc"], "Error: The value 'abc' is invalid for '--index <index>'"),
        (["show", "0"], "Error: Unexpected argument '0'"),
        (["evaluate", "--model", "x", "--batch-size", "0"], "Error: --batch-size must be at least 1, got 0"),
        (["evaluate"], "Error: Missing expected argument '--model <file|run-dir>'"),
        (["train", "--epoch", "3"], "Error: Unknown option '--epoch'. Did you mean '--epochs'?"),
        (["train", "--verbose", "3"], "Error: --verbose must be 0, 1 or 2, got 3"),
        (["train", "--train-limit", "100000", "--epochs", "1"], "Error: --train-limit 100000 is more than the 60000"),
        (["bench", "--epochs", "1"], "Error: --epochs must be at least 2"),
        (["info", "--json"], "Error: Unknown option '--json'"),
    ])
    func badOptionsAreOneLineAnd64(arguments: [String], expected: String) async throws {
        let result = try await CLI.run(arguments)
        expectCleanFailure(result, mentioning: expected, status: 64)
        #expect(!result.stderr.contains("Usage:") && !result.stderr.contains("Help:"), "stderr: \(result.stderr)")
    }

    @Test("An index out of range is a bad value for predict too (64), once the model has loaded")
    func predictIndexIs64() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (run, _) = try await divergedRun(in: folder)
        let model = run.appendingPathComponent("model.safetensors").path
        expectCleanFailure(try await CLI.run(["predict", "--model", model, "--index", "10000"]),
                           mentioning: "Error: --index 10000 is out of range: the test split has images 0...9999", status: 64)
    }

    @Test("A failure while running (a missing or damaged file) is one line and exit 1")
    func runFailuresAre1() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        expectCleanFailure(try await CLI.run(["evaluate", "--model", folder.appendingPathComponent("none.safetensors").path]),
                           mentioning: "no such file", status: 1)
        let damaged = folder.appendingPathComponent("damaged.safetensors")
        try Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]).write(to: damaged)
        expectCleanFailure(try await CLI.run(["summary", "--model", damaged.path]), mentioning: damaged.path, status: 1)
        expectCleanFailure(try await CLI.run(["show", "--data-dir", folder.path]), mentioning: folder.path, status: 1)
    }

    @Test("Help only on request: --help and help COMMAND print it on stdout with exit 0")
    func helpOnRequest() async throws {
        for arguments in [["train", "--help"], ["help", "train"], ["--help"], ["help"], ["help", "help"]] {
            let result = try await CLI.run(arguments)
            #expect(result.status == 0 && result.reason == .exit, "\(arguments): \(result.stderr)")
            #expect(result.stdout.hasPrefix("OVERVIEW: "), "\(arguments)")
            #expect(result.stderr.isEmpty, "\(arguments): \(result.stderr)")
        }
        let version = try await CLI.run(["--version"])
        #expect(version.status == 0 && version.stdout == "0.1.0\n")
    }

    @Test("The README's error examples are what the tool prints, with the exit statuses it shows")
    func readmeErrorExamples() async throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## The command line\n").last?.components(separatedBy: "\n## ").first)
        let block = try #require(section.components(separatedBy: "```console\n").dropFirst().first?.components(separatedBy: "```").first)
        // "$ perceptron ARGS" then the lines it prints; "$ echo $?" then the status.
        var steps: [(arguments: [String], output: [String], status: Int32?)] = []
        var expectsStatus = false
        for line in block.split(separator: "\n").map(String.init) {
            if line == "$ echo $?" {
                expectsStatus = true
            } else if line.hasPrefix("$ perceptron ") {
                steps.append((line.dropFirst("$ perceptron ".count).split(separator: " ").map(String.init), [], nil))
            } else if expectsStatus {
                steps[steps.count - 1].status = Int32(line)
                expectsStatus = false
            } else {
                steps[steps.count - 1].output.append(line)
            }
        }
        #expect(steps.count >= 5)
        for step in steps {
            let result = try await CLI.run(step.arguments)
            let printed = (result.stdout + result.stderr).split(separator: "\n").filter { !$0.hasPrefix("note: ") }.map(String.init)
            #expect(printed == step.output, "perceptron \(step.arguments.joined(separator: " "))")
            if let status = step.status { #expect(result.status == status, "perceptron \(step.arguments.joined(separator: " "))") }
        }
    }

    // MARK: Unknown commands

    @Test("An unknown command is named, with the nearest command, and exits 64", arguments: [
        (["trian"], "Error: unknown command 'trian'; did you mean 'train'?"),
        (["evalute", "--model", "X"], "Error: unknown command 'evalute'; did you mean 'evaluate'?"),
        (["robust", "--model", "X"], "Error: unknown command 'robust'; did you mean 'robustness'?"),
        (["rep"], "Error: unknown command 'rep'; did you mean 'report' or 'represent'?"),
        (["help", "trian"], "Error: unknown command 'trian'; did you mean 'train'?"),
        (["help", "nosuch"], "Error: unknown command 'nosuch'; the commands are train, summary, evaluate, predict, show, report, plot, transform, robustness, represent, bench, info, serve, export, import"),
        (["fit"], "Error: unknown command 'fit'; the commands are train, summary,"),
    ])
    func unknownCommands(arguments: [String], expected: String) async throws {
        let result = try await CLI.run(arguments)
        expectCleanFailure(result, mentioning: expected, status: 64)
        #expect(result.stderr.hasPrefix(expected))
    }

    // MARK: verbose 0

    @Test("train --verbose 0 prints only the test loss and accuracy: no summary, chart or messages")
    func verboseZeroIsSilent() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.run(["train", "--hidden", "16", "--epochs", "2", "--batch-size", "200", "--train-limit", "2000",
                                  "--verbose", "0", "--output", folder.appendingPathComponent("run").path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.wholeMatch(of: /Test loss: \d+\.\d{4}\nTest accuracy: 0\.\d{4}\n/) != nil, "stdout: \(result.stdout)")
        let stderrLines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("note: ") }
        #expect(stderrLines.isEmpty, "stderr: \(result.stderr)")
        // The run folder is written all the same.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("run/report.html").path))
    }

    // MARK: Large values

    @Test("A diverged run's loss prints in scientific notation, from train and from evaluate")
    func largeValuesInScientificNotation() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (run, trainOutput) = try await divergedRun(in: folder)
        let pattern = /Test loss: [1-9]\.\d{4}e\+\d\d\nTest accuracy: 0\.\d{4}\n/
        #expect(trainOutput.wholeMatch(of: pattern) != nil, "train printed: \(trainOutput)")
        let evaluate = try await CLI.run(["evaluate", "--model", run.appendingPathComponent("model.safetensors").path])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        #expect(evaluate.stdout.wholeMatch(of: pattern) != nil, "evaluate printed: \(evaluate.stdout)")
        #expect(evaluate.stdout.split(separator: "\n").first == trainOutput.split(separator: "\n").first)
    }

    // MARK: bench follows --epochs

    /// Runs `perceptron arguments...` until its stderr holds `line`, then ends it: bench's
    /// plan shows in its first lines, long before its full-size training ends.
    private func stderrUntil(_ line: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        let handle = errors.fileHandleForReading
        while !text.contains(line) {
            let data = handle.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        // SIGKILL: a child of the test runner may inherit a mask that blocks the other signals.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return text
    }

    @Test("bench --quick --epochs 2 trains 2 epochs; --quick alone 3; --skip train says 'for 1 epoch'")
    func benchFollowsEpochs() async throws {
        let skip = ["--skip", "gemm,sparse,small-batches,predict"]
        #expect(try await stderrUntil("epoch", ["bench", "--quick", "--epochs", "2"] + skip)
                .contains("bench: training at batch 1000 for 2 epochs\n"))
        #expect(try await stderrUntil("epoch", ["bench", "--quick"] + skip).contains("bench: training at batch 1000 for 3 epochs\n"))
        #expect(try await stderrUntil("epoch", ["bench", "--quick", "--small-batch-epochs", "4", "--skip", "gemm,sparse,train,predict"])
                .contains("bench: training at batch 128 for 4 epochs\n"))
        #expect(try await stderrUntil("epoch", ["bench", "--quick", "--skip", "gemm,sparse,train,small-batches"])
                .contains("bench: training at batch 1000 for 1 epoch\n"))
    }
}

@Suite("perceptron on a terminal: width and colour", .serialized)
struct TerminalCLITests {
    static let quickRun = ["train", "--hidden", "16", "--epochs", "2", "--batch-size", "50", "--train-limit", "3000",
                           "--no-report"]

    @Test("On an 80-column terminal no progress line reaches the last column; every log is still shown")
    func progressFitsTheTerminal() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.runInTerminal(Self.quickRun + ["--output", folder.appendingPathComponent("run").path], columns: 80)
        #expect(result.status == 0, "terminal: \(result.terminal)")
        let text = result.terminal
        #expect(text.contains("Epoch 1/2\n") && text.contains("Epoch 2/2\n"))
        // The bar's lines and the lines that carry their logs (not the messages after the run).
        let progress = text.split(separator: "\n").flatMap { $0.split(separator: "\r") }.map(visible)
            .filter { $0.contains("/step") || $0.hasPrefix("- ") }
        #expect(progress.count >= 4, "\(text)")
        for segment in progress {
            #expect(segment.count <= 79, "too wide for 80 columns: \(segment)")
        }
        // The final line of each epoch keeps its logs, carried onto the next line.
        for name in ["categorical_accuracy: ", "loss: ", "val_categorical_accuracy: ", "val_loss: "] {
            #expect(text.components(separatedBy: name).count - 1 >= 2, "\(name) missing: \(text)")
        }
        #expect(text.contains("\u{1B}[32m"), "a colour terminal gets Keras's green bar")
    }

    @Test("A terminal that reports no width is fitted to COLUMNS")
    func columnsWhenTheTerminalDoesNotSay() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.runInTerminal(Self.quickRun + ["--output", folder.appendingPathComponent("run").path], columns: 0,
                                           environment: ["COLUMNS": "60"])
        #expect(result.status == 0, "terminal: \(result.terminal)")
        let progress = result.terminal.split(separator: "\n").flatMap { $0.split(separator: "\r") }.map(visible)
            .filter { $0.contains("/step") || $0.hasPrefix("- ") }
        #expect(progress.count >= 4 && progress.allSatisfy { $0.count <= 59 }, "\(progress)")
    }

    @Test("On a wide terminal the line is Keras's, unchanged")
    func wideTerminalKeepsKerasLine() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.runInTerminal(Self.quickRun + ["--output", folder.appendingPathComponent("run").path], columns: 250)
        #expect(result.status == 0, "terminal: \(result.terminal)")
        let finals = result.terminal.split(separator: "\n").map { visible($0.split(separator: "\r").last ?? "") }
            .filter { $0.hasPrefix("48/48 ") }
        #expect(finals.count == 2, "\(result.terminal)")
        for line in finals {
            #expect(line.wholeMatch(of: /48\/48 ━{20} \d+s \d+(ms|us|s)\/step - categorical_accuracy: 0\.\d{4} - loss: \d\.\d{4} - val_categorical_accuracy: 0\.\d{4} - val_loss: \d\.\d{4} */) != nil, "\(line)")
        }
    }

    @Test("NO_COLOR (any non-empty value) and TERM=dumb turn colour off: the picture, the bar, the chart")
    func colourFollowsTheEnvironment() async throws {
        let show = ["show", "--index", "0"]
        let colour = try await CLI.runInTerminal(show, columns: 100, stdoutOnTerminal: true)
        #expect(colour.status == 0)
        #expect(colour.terminal.contains("\u{1B}[38;5;"), "a colour terminal draws the digit in grey levels")
        #expect(try await CLI.runInTerminal(show, columns: 100, stdoutOnTerminal: true, environment: ["NO_COLOR": ""])
                .terminal.contains("\u{1B}[38;5;"), "an empty NO_COLOR is no request")
        for environment in [["NO_COLOR": "1"], ["NO_COLOR": "yes please"], ["TERM": "dumb"]] {
            let plain = try await CLI.runInTerminal(show, columns: 100, stdoutOnTerminal: true, environment: environment)
            #expect(plain.status == 0)
            #expect(!plain.terminal.contains("\u{1B}["), "\(environment): \(plain.terminal)")
            #expect(plain.terminal.hasPrefix("train image 0, label 5\n") && plain.terminal.contains("@@"), "\(environment)")
        }

        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let coloured = try await CLI.runInTerminal(Self.quickRun + ["--output", folder.appendingPathComponent("a").path],
                                             columns: 200, stdoutOnTerminal: true)
        #expect(coloured.status == 0 && coloured.terminal.contains("\u{1B}["))
        for (name, environment) in [("b", ["NO_COLOR": "1"]), ("c", ["TERM": "dumb"])] {
            let plain = try await CLI.runInTerminal(Self.quickRun + ["--output", folder.appendingPathComponent(name).path],
                                              columns: 200, stdoutOnTerminal: true, environment: environment)
            #expect(plain.status == 0, "\(plain.terminal)")
            #expect(!plain.terminal.contains("\u{1B}["), "\(environment): \(plain.terminal)")
            #expect(plain.terminal.contains("48/48 ━━━━━━━━━━━━━━━━━━━━ "), "\(plain.terminal)")
            #expect(plain.terminal.contains("Test accuracy: 0."))
        }
    }
}
