// Running the built `perceptron` binary from tests: locating it, capturing stdout, stderr
// and the exit status, with pipes or on a pseudo-terminal of a given width.

import Foundation
import Testing

struct CommandResult {
    /// The exit status, or the signal's number when `reason` is `.uncaughtSignal`.
    let status: Int32
    /// Whether the process exited, or was ended by a signal (a crash, or a kill).
    let reason: Process.TerminationReason
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
    /// Runs `perceptron arguments...` to completion on a thread of its own, so that a test
    /// waiting for a child process never holds one of Swift's few cooperative threads (which
    /// the playground's server in another suite needs).
    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil) async throws -> CommandResult {
        try await offPool { try runBlocking(arguments, environment: environment, in: folder) }
    }

    /// `run`, blocking the calling thread.
    static func runBlocking(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil) throws -> CommandResult {
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
        return CommandResult(status: process.terminationStatus, reason: process.terminationReason,
                             stdout: String(decoding: outData.value, as: UTF8.self),
                             stderr: String(decoding: errData.value, as: UTF8.self))
    }

    /// What a run on a terminal wrote: the terminal's text (with the terminal's `\r\n` read
    /// back as `\n`), and stdout when it went to a pipe.
    struct TerminalResult {
        let status: Int32
        let reason: Process.TerminationReason
        let terminal: String
        let stdout: String
    }

    /// Runs `perceptron arguments...` with stderr (and stdout when `stdoutOnTerminal`) on a
    /// pseudo-terminal `columns` wide. The environment is a colour terminal's
    /// (`TERM=xterm-256color`, no `NO_COLOR`, no `COLUMNS`) with `environment` on top.
    /// `runInTerminalBlocking` on a thread of its own (see `run`).
    static func runInTerminal(_ arguments: [String], columns: Int, stdoutOnTerminal: Bool = false,
                              environment: [String: String] = [:]) async throws -> TerminalResult {
        try await offPool { try runInTerminalBlocking(arguments, columns: columns, stdoutOnTerminal: stdoutOnTerminal, environment: environment) }
    }

    static func runInTerminalBlocking(_ arguments: [String], columns: Int, stdoutOnTerminal: Bool = false,
                              environment: [String: String] = [:]) throws -> TerminalResult {
        let openpt = try #require(cFunction("posix_openpt", as: (@convention(c) (Int32) -> Int32).self))
        let grantpt = try #require(cFunction("grantpt", as: (@convention(c) (Int32) -> Int32).self))
        let unlockpt = try #require(cFunction("unlockpt", as: (@convention(c) (Int32) -> Int32).self))
        let ptsname = try #require(cFunction("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self))
        let master = openpt(O_RDWR | O_NOCTTY)
        try #require(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0, "no pseudo-terminal: errno \(errno)")
        defer { close(master) }
        let name = String(cString: try #require(ptsname(master)))
        let slave = open(name, O_RDWR | O_NOCTTY)
        try #require(slave >= 0, "cannot open \(name): errno \(errno)")
        var size = winsize(ws_row: 24, ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        #if canImport(Darwin)
        try #require(ioctl(slave, TIOCSWINSZ, &size) == 0)
        #else
        try #require(ioctl(slave, UInt(TIOCSWINSZ), &size) == 0)
        #endif
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = nil
        env["COLUMNS"] = nil
        env["TERM"] = "xterm-256color"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        let out = Pipe()
        process.standardError = terminal
        process.standardOutput = stdoutOnTerminal ? terminal : out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        close(slave)
        let outData = UncheckedBox(Data()), termData = UncheckedBox(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            if !stdoutOnTerminal { outData.value = out.fileHandleForReading.readDataToEndOfFile() }
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            // The master reads until every copy of the slave is closed (then EIO on Linux).
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(master, &buffer, buffer.count)
                if count > 0 { termData.value.append(contentsOf: buffer[0..<count]) } else if count < 0 && errno == EINTR { continue } else { break }
            }
            group.leave()
        }
        process.waitUntilExit()
        group.wait()
        let text = String(decoding: termData.value, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        return TerminalResult(status: process.terminationStatus, reason: process.terminationReason, terminal: text,
                              stdout: String(decoding: outData.value, as: UTF8.self))
    }

    /// A C library function looked up at run time: Glibc's module leaves out the XSI
    /// pseudo-terminal calls (posix_openpt, grantpt, unlockpt, ptsname).
    private static func cFunction<T>(_ name: String, as type: T.Type) -> T? {
        guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
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

/// The longest error line `expectCleanFailure` calls short (room for two long paths).
let shortLineLimit = 300

/// Checks an error run: the process exited (no signal: a crash is SIGILL, SIGTRAP, SIGABRT
/// or SIGSEGV) with a non-zero status, `status` when given (64 for a bad command, option or
/// value, 1 for a failure while running); nothing on stdout; on stderr one short line
/// `Error: ...` holding `fragment`, after any `note: ` lines (the OPENBLAS_CORETYPE advice).
func expectCleanFailure(_ result: CommandResult, mentioning fragment: String, status: Int32? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.reason == .exit, "ended by signal \(result.status); stderr was: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.status != 0, sourceLocation: sourceLocation)
    if let status { #expect(result.status == status, "stderr was: \(result.stderr)", sourceLocation: sourceLocation) }
    #expect(result.stdout.isEmpty, "stdout was: \(result.stdout)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    let errors = lines.filter { !$0.hasPrefix("note: ") }
    #expect(result.stderr.hasSuffix("\n") && errors.count == 1, "stderr was: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(errors.first?.hasPrefix("Error: ") == true, "stderr was: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(errors.allSatisfy { $0.count <= shortLineLimit }, "stderr was: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(fragment), "stderr was: \(result.stderr)", sourceLocation: sourceLocation)
}

/// `work`'s result, computed on a new thread outside Swift's cooperative pool.
func offPool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
