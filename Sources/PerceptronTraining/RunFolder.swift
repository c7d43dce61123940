// The files of a run folder, by name, and reading its settings back.

import Foundation
import PerceptronIO
import PerceptronReport

/// Where a training run keeps its files.
public struct RunFolder: Sendable, Equatable {
    public let url: URL
    public init(_ url: URL) { self.url = url }

    /// `train.json`: the run's settings (`RunSettings`).
    public var settings: URL { url.appendingPathComponent("train.json") }
    /// `checkpoint.safetensors`: model, optimizer state and position while unfinished.
    public var checkpoint: URL { url.appendingPathComponent("checkpoint.safetensors") }
    public var model: URL { url.appendingPathComponent("model.safetensors") }
    public var history: URL { url.appendingPathComponent("history.csv") }
    /// `run.json`: settings and test results (`RunRecord`).
    public var record: URL { url.appendingPathComponent("run.json") }
    public var report: URL { url.appendingPathComponent("report.html") }

    /// The settings saved in `train.json`.
    /// - Throws: `RunFolderError` when missing or unreadable.
    public func readSettings() throws -> RunSettings {
        guard let bytes = try? FileIO.read(settings, limit: 1 << 20) else {
            throw RunFolderError("\(settings.path): missing or unreadable; --resume needs a folder written by perceptron train")
        }
        do { return try RunSettings.parse(String(decoding: bytes, as: UTF8.self), path: settings.path) } catch {
            throw RunFolderError("\(settings.path): not the settings of a training run; --resume needs a folder written by perceptron train")
        }
    }

    /// `2026-12-07T03-15-42`: a default run folder's name.
    public static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH-mm-ss"
        return formatter.string(from: Date())
    }
}
