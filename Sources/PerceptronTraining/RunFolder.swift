// The files of a run folder by name; claiming a folder for a run (never overwriting another
// run's files unless asked) and locking it, so two runs never write the same folder.

import Foundation
import PerceptronIO
import PerceptronReport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a training run keeps its files. The URL is absolute, so the folder can be named
/// from anywhere (`perceptron train --resume` prints it).
public struct RunFolder: Sendable, Equatable {
    /// The folder, absolute and standardised.
    public let url: URL
    /// The run folder at `url` (made absolute); nothing is read or created.
    public init(_ url: URL) { self.url = url.standardizedFileURL }

    /// `train.json`: the run's settings (`RunSettings`).
    public var settings: URL { url.appendingPathComponent("train.json") }
    /// `checkpoint.safetensors`: model, optimizer state and position while unfinished.
    public var checkpoint: URL { url.appendingPathComponent("checkpoint.safetensors") }
    /// `model.safetensors`: the trained model (or, after a NaN loss, the last good weights).
    public var model: URL { url.appendingPathComponent("model.safetensors") }
    /// `history.csv`: the metrics of every epoch.
    public var history: URL { url.appendingPathComponent("history.csv") }
    /// `run.json`: settings and test results (`RunRecord`).
    public var record: URL { url.appendingPathComponent("run.json") }
    /// `report.html`: the run's report page.
    public var report: URL { url.appendingPathComponent("report.html") }
    /// `train.lock`: held while a run writes the folder.
    var lockFile: URL { url.appendingPathComponent("train.lock") }

    /// Every file a run writes here, the report's included.
    public var runFiles: [URL] {
        [settings, checkpoint, model, history, record] + RunReport.fileNames.map { url.appendingPathComponent($0) }
    }

    /// The run files present in the folder.
    public var existingRunFiles: [URL] { runFiles.filter { FileManager.default.fileExists(atPath: $0.path) } }

    /// The settings saved in `train.json`.
    /// - Throws: `RunFolderError` when missing or unreadable.
    public func readSettings() throws -> RunSettings {
        guard let bytes = try? FileIO.read(settings, limit: 1 << 20) else {
            throw RunFolderError("\(settings.path): missing or unreadable; --resume needs a folder written by perceptron train")
        }
        do { return try RunSettings.parse(String(decoding: bytes, as: UTF8.self), path: settings.path) } catch {
            throw RunFolderError("\(settings.path): not the settings of a training run, or written by an earlier version; --resume needs a folder written by this version of perceptron train")
        }
    }

    /// `2026-12-07T03-15-42.123`: a default run folder's name, to the millisecond.
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd'T'HH-mm-ss.SSS"
        return formatter.string(from: date)
    }

    /// A new, empty folder in `parent` named by the time, with `-2`, `-3`... when that name is
    /// taken: created atomically, so concurrent runs never share one.
    /// - Throws: `FileError` when `parent` cannot hold it.
    public static func makeUnique(in parent: URL, date: Date = Date()) throws -> RunFolder {
        try FileIO.prepareFolder(parent)
        let stem = timestamp(date)
        for attempt in 1...10_000 {
            let candidate = parent.appendingPathComponent(attempt == 1 ? stem : "\(stem)-\(attempt)")
            if mkdir(candidate.path, 0o755) == 0 { return RunFolder(candidate) }
            guard errno == EEXIST else {
                throw FileError(path: candidate.path, reason: "cannot create the run folder (\(String(cString: strerror(errno))))")
            }
        }
        throw FileError(path: parent.path, reason: "no free run folder name for \(stem)")
    }
}

/// An exclusive claim on a run folder, held while a run writes it: an advisory lock on
/// `train.lock`, released by the system when the process ends, however it ends, so a
/// crashed run never leaves the folder locked.
public final class RunLock {
    private var descriptor: Int32

    /// Takes the lock of `folder`, which must exist.
    /// - Throws: `RunFolderError` when another run holds it, or it cannot be made.
    public init(_ folder: RunFolder) throws {
        descriptor = open(folder.lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunFolderError("\(folder.url.path): cannot lock the folder (\(String(cString: strerror(errno))))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw RunFolderError("\(folder.url.path) is in use by another training run; wait for it to end, or choose another --output")
        }
    }

    /// Releases the lock (also done when the lock is freed or the process ends).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
