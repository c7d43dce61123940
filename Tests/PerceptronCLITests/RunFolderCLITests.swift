// perceptron train at the edges of a run: every argument and input checked before a folder
// is touched, runs never overwritten or shared, every Ctrl-C honoured, resume from anywhere.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("perceptron train: run folders and what is never overwritten", .serialized)
struct RunFolderCLITests {
    static let quick = ["--hidden", "8", "--epochs", "1", "--batch-size", "500", "--train-limit", "1000",
                        "--verbose", "0", "--no-report"]

    @Test func aFolderHoldingARunIsRefusedAndKept() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        #expect(try await CLI.run(["train"] + Self.quick + ["--output", run.path]).status == 0)
        let settings = try Data(contentsOf: run.appendingPathComponent("train.json"))
        let model = try Data(contentsOf: run.appendingPathComponent("model.safetensors"))
        // A failing run (bad data) and a valid one both leave the existing run as it was.
        expectCleanFailure(try await CLI.run(["train"] + Self.quick + ["--output", run.path, "--data-dir", folder.appendingPathComponent("nope").path]),
                           mentioning: "no such folder")
        expectCleanFailure(try await CLI.run(["train"] + Self.quick + ["--seed", "3", "--output", run.path]),
                           mentioning: "already holds a run")
        #expect(try Data(contentsOf: run.appendingPathComponent("train.json")) == settings)
        #expect(try Data(contentsOf: run.appendingPathComponent("model.safetensors")) == model)
        let replaced = try await CLI.run(["train"] + Self.quick + ["--seed", "3", "--output", run.path, "--overwrite"])
        #expect(replaced.status == 0, "stderr: \(replaced.stderr)")
        #expect(try Data(contentsOf: run.appendingPathComponent("model.safetensors")) != model)
    }

    @Test func badDataLeavesNoFolder() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        for (data, message) in [(folder.appendingPathComponent("missing"), "no such folder"), (file, "is a file, not a folder")] {
            let run = folder.appendingPathComponent("run")
            expectCleanFailure(try await CLI.run(["train"] + Self.quick + ["--data-dir", data.path, "--output", run.path]), mentioning: message)
            #expect(!FileManager.default.fileExists(atPath: run.path))
        }
        let limit = try await CLI.run(["train", "--train-limit", "100000", "--output", folder.appendingPathComponent("big").path])
        expectCleanFailure(limit, mentioning: "--train-limit 100000 is more than the 60000 training images")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("big").path))
    }

    @Test func defaultFoldersAreDistinct() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for _ in 0..<3 { #expect(try await CLI.run(["train"] + Self.quick + ["--epochs", "1"], in: folder).status == 0) }
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("runs").path)
        #expect(runs.count == 3, "\(runs)")
    }

    @Test func aLockedFolderIsRefused() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Another run holds the folder's lock.
        let descriptor = open(folder.appendingPathComponent("train.lock").path, O_RDWR | O_CREAT, 0o644)
        #expect(descriptor >= 0 && flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        expectCleanFailure(try await CLI.run(["train"] + Self.quick + ["--output", folder.path]), mentioning: "in use by another training run")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("train.json").path))
        // Released, as when that run's process ends, however it ends: the folder is free.
        close(descriptor)
        #expect(try await CLI.run(["train"] + Self.quick + ["--output", folder.path]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("train.lock").path))
    }

    @Test func whatTrainAcceptsEveryCommandLoads() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        expectCleanFailure(try await CLI.run(["train", "--learning-rate", "5e6", "--output", folder.appendingPathComponent("a").path]),
                           mentioning: "--learning-rate must be above 0 and at most 1e6")
        let run = folder.appendingPathComponent("b")
        // The largest learning rate allowed, with raw pixels: far off, but trained, saved and loadable.
        let trained = try await CLI.run(["train"] + Self.quick + ["--learning-rate", "1e6", "--raw-pixels", "--output", run.path])
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        for command in [["evaluate"], ["summary"]] {
            let result = try await CLI.run(command + ["--model", run.appendingPathComponent("model.safetensors").path])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
    }

    @Test func resumeWorksFromAnotherFolderAndSaysWhenThereIsNothingToResume() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("mydata")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let mnist = CLI.executable.deletingLastPathComponent()
            .appendingPathComponent("Perceptron_PerceptronMNIST.resources/mnist")
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(at: mnist.appendingPathComponent(name), to: data.appendingPathComponent(name))
        }
        let run = folder.appendingPathComponent("run")
        // The data folder is given relative to the first working folder; the resume runs elsewhere.
        let process = Process()
        process.executableURL = CLI.executable
        process.currentDirectoryURL = folder
        process.arguments = ["train", "--hidden", "8", "--epochs", "4", "--batch-size", "100", "--train-limit", "3000",
                             "--verbose", "0", "--no-report", "--data-dir", "mydata", "--output", run.path]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && process.isRunning && Date() < deadline { usleep(20_000) }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        try #require(process.terminationStatus == 130, "the run ended before it could be interrupted")
        let elsewhere = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let resumed = try await CLI.run(["train", "--resume", run.path, "--verbose", "0"], in: elsewhere)
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        // A finished run: nothing to resume.
        expectCleanFailure(try await CLI.run(["train", "--resume", run.path]), mentioning: "completed all 4 epochs; nothing to resume")
    }

    @Test func ctrlCBeforeTrainingIsHonoured() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["train", "--epochs", "2", "--train-limit", "20000", "--verbose", "0", "--no-report", "--output", run.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // As early as the process can take it: once its SIGINT handler is installed (read from
        // /proc on Linux), long before the data is loaded; elsewhere after 150 ms.
        waitForInterruptHandler(process.processIdentifier)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit, "killed by a signal: the interrupt was not handled")
        #expect(process.terminationStatus == 130, "stderr: \(stderr)")
        #expect(stderr.contains("interrupted"), "stderr: \(stderr)")
    }
}

/// Waits (up to 10 s) until process `pid` runs the perceptron binary and catches SIGINT, as
/// /proc/PID/exe and /proc/PID/status's SigCgt mask say on Linux (before its exec, a spawned
/// child still shows the test process's handlers); sleeps 150 ms where there is no /proc.
func waitForInterruptHandler(_ pid: Int32) {
    let status = "/proc/\(pid)/status"
    guard FileManager.default.fileExists(atPath: status) else { usleep(150_000); return }
    let binary = CLI.executable.resolvingSymlinksInPath().path
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == binary,
           let text = try? String(contentsOfFile: status, encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
           let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
           mask & (1 << (UInt64(SIGINT) - 1)) != 0 {
            return
        }
        usleep(1_000)
    }
}
