// What a training run records about itself in `run.json`: settings, test results, timing and
// machine, so that the report can be rebuilt later without the run's process.

import Foundation
import PerceptronIO
import PerceptronTensor

/// The settings and results of one training run, saved as `run.json` beside the model.
public struct RunRecord: Codable, Equatable, Sendable {
    /// Settings in display order, as `[name, value]` pairs (e.g. `["batch size", "1000"]`).
    public var settings: [[String]]
    /// The dataset folder, nil for the bundled MNIST.
    public var dataFolder: String?
    /// Pixels are multiplied by this before entering the model (1/255, or 1 with raw pixels).
    public var pixelScale: Float
    /// The loss over the test set, as `evaluate` returns it.
    public var testLoss: Double
    /// The accuracy over the test set, in 0...1.
    public var testAccuracy: Double
    /// The machine's CPU model and core count (`SystemInfo.machineDescription`).
    public var machine: String
    /// The GEMM backend with its threads (`SystemInfo.backendDescription`).
    public var backend: String
    /// When the run finished, ISO 8601.
    public var date: String

    /// A record of a finished run; `machine`, `backend` and `date` default to this machine,
    /// its backend and now, which is what a run that just ended records.
    public init(settings: [[String]], dataFolder: String?, pixelScale: Float, testLoss: Double, testAccuracy: Double,
                machine: String = SystemInfo.machineDescription, backend: String = SystemInfo.backendDescription,
                date: String = ISO8601DateFormatter().string(from: Date())) {
        self.settings = settings
        self.dataFolder = dataFolder
        self.pixelScale = pixelScale
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.machine = machine
        self.backend = backend
        self.date = date
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads `run.json`.
    ///
    /// - Throws: `FileError` if unreadable, `RunFolderError` if malformed.
    public static func read(_ url: URL) throws -> RunRecord {
        let bytes = try FileIO.read(url, limit: 1 << 24)
        do { return try JSONDecoder().decode(RunRecord.self, from: Data(bytes)) } catch {
            throw RunFolderError("\(url.path): not a valid run record (\(error.localizedDescription))")
        }
    }
}

/// A run folder that cannot be read or written.
public struct RunFolderError: LocalizedError, Equatable, Sendable {
    /// What is wrong, naming the file or the model concerned.
    public let message: String
    /// An error described by `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var errorDescription: String? { message }
}
