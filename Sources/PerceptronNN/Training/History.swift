// The record of a fit: per-epoch logs under Keras's key names, with CSV and JSON forms.
// Reading a history back from CSV/JSON is here too, with checked parsing.

import Foundation

/// Per-epoch values of the loss and metrics, like Keras's `History.history`.
public struct History: Equatable, Sendable, Codable {
    /// Epoch numbers, 0-based as Keras stores them.
    public var epochs: [Int] = []
    /// Log name to per-epoch values: `loss`, `categorical_accuracy`, `val_loss`, ...
    public var history: [String: [Double]] = [:]
    /// The keys in the order they were first logged (Keras's dict order).
    public var keys: [String] = []
    /// Wall-clock seconds per epoch (training and validation), not part of Keras's history.
    public var epochSeconds: [Double] = []

    /// An empty history.
    public init() {}

    /// Appends one epoch's logs.
    public mutating func append(epoch: Int, logs: Logs, seconds: Double) {
        epochs.append(epoch)
        for (key, value) in logs {
            if history[key] == nil {
                keys.append(key)
                history[key] = Array(repeating: .nan, count: epochs.count - 1)
            }
            history[key]!.append(value)
        }
        for key in keys where history[key]!.count < epochs.count { history[key]!.append(.nan) }
        epochSeconds.append(seconds)
    }

    /// The values of one key, empty when absent.
    public subscript(key: String) -> [Double] { history[key] ?? [] }

    /// CSV as Keras's `CSVLogger` writes it: `epoch` then the keys sorted, one row per epoch,
    /// values with full precision.
    public func csv() -> String {
        let sorted = keys.sorted()
        var lines = [(["epoch"] + sorted).joined(separator: ",")]
        for (row, epoch) in epochs.enumerated() {
            lines.append(([String(epoch)] + sorted.map { History.format(history[$0]![row]) }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        value.isNaN ? "nan" : value.isInfinite ? (value > 0 ? "inf" : "-inf") : "\(value)"
    }

    /// JSON: `{"epochs": [...], "history": {key: [...]}, "keys": [...], "epoch_seconds": [...]}`.
    public func json() -> String {
        func list(_ values: [Double]) -> String {
            "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ", ") + "]"
        }
        var parts: [String] = []
        parts.append("\"epochs\": [" + epochs.map(String.init).joined(separator: ", ") + "]")
        parts.append("\"keys\": [" + keys.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
        let entries = keys.map { "    \"\($0)\": \(list(history[$0]!))" }.joined(separator: ",\n")
        parts.append("\"history\": {\n\(entries)\n  }")
        parts.append("\"epoch_seconds\": \(list(epochSeconds))")
        return "{\n  " + parts.joined(separator: ",\n  ") + "\n}\n"
    }
}

/// A history file that cannot be read.
public struct HistoryFileError: LocalizedError, Equatable, Sendable {
    /// The file, or `<memory>` for parsed text.
    public let path: String
    /// The line and column at fault, and what was wrong.
    public let detail: String
    /// `path: detail`.
    public var errorDescription: String? { "\(path): \(detail)" }
}

extension History {
    /// Parses the CSV written by `csv()` (or Keras's `CSVLogger`): a header with `epoch` and
    /// the keys, then one row of numbers per epoch.
    ///
    /// - Throws: `HistoryFileError` naming the line and column for anything malformed.
    public static func parseCSV(_ text: String, path: String = "<memory>") throws -> History {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        guard let header = lines.first else { throw HistoryFileError(path: path, detail: "empty file, expected a CSV header") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let epochColumn = columns.firstIndex(of: "epoch") else {
            throw HistoryFileError(path: path, detail: "line 1: no 'epoch' column in header \(header.prefix(80))")
        }
        guard Set(columns).count == columns.count, columns.allSatisfy({ !$0.isEmpty }) else {
            throw HistoryFileError(path: path, detail: "line 1: empty or repeated column names")
        }
        var result = History()
        for (number, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == columns.count else {
                throw HistoryFileError(path: path, detail: "line \(number + 2): \(cells.count) values, expected \(columns.count)")
            }
            guard let epoch = Int(cells[epochColumn]), epoch >= 0 else {
                throw HistoryFileError(path: path, detail: "line \(number + 2): epoch '\(cells[epochColumn].prefix(20))' is not a non-negative integer")
            }
            var logs: Logs = []
            for (index, name) in columns.enumerated() where index != epochColumn {
                let cell = cells[index].lowercased()
                guard let value = cell == "nan" ? Double.nan : Double(cell) else {
                    throw HistoryFileError(path: path, detail: "line \(number + 2), column '\(name)': '\(cells[index].prefix(20))' is not a number")
                }
                logs.append((name, value))
            }
            result.append(epoch: epoch, logs: logs, seconds: .nan)
        }
        return result
    }
}
