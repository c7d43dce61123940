// Running the built `perceptron` binary from tests: locating it, capturing stdout, stderr
// and the exit status.

import Foundation
import Testing

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
    /// The `perceptron` executable next to the test bundle in the build products folder.
    static var executable: URL {
        var folder = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("perceptron")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("perceptron")
    }

    /// Runs `perceptron arguments...` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let folder { process.currentDirectoryURL = folder }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs so a full pipe cannot block it.
        let outData = UncheckedBox(Data()), errData = UncheckedBox(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData.value = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData.value = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        process.waitUntilExit()
        group.wait()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData.value, as: UTF8.self),
                             stderr: String(decoding: errData.value, as: UTF8.self))
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// Checks an error run: non-zero status, nothing on stdout, and one short line on stderr
/// (plus, for argument errors, ArgumentParser's usage hint), never a crash or stack trace.
func expectCleanFailure(_ result: CommandResult, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status != 0, sourceLocation: sourceLocation)
    #expect(result.status != 132 && result.status != 134 && result.status != 139, "crashed: \(result.status)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(fragment), "stderr was: \(result.stderr)", sourceLocation: sourceLocation)
    // Notes (such as the OPENBLAS_CORETYPE advice) may come first; then the error.
    let firstOther = result.stderr.split(separator: "\n").first { !$0.hasPrefix("note: ") }
    #expect(firstOther?.hasPrefix("Error: ") == true, "stderr was: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
}
