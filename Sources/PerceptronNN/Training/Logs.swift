// The values fit and evaluate report: the loss and metrics of a batch, an epoch or an
// evaluation, named as Keras names them, in the order Keras 3 prints them.

/// The loss and metrics at one point of training, under Keras's log names (`loss`,
/// `categorical_accuracy`, `val_loss`, ...), in the order Keras 3 prints them: an epoch's
/// training values with their keys sorted, then the validation values, sorted.
///
/// It reads like Keras's `logs` dictionary: `logs["val_loss"]`, `logs.loss`, and iterating
/// gives `(name, value)` pairs in order.
public struct Logs: RandomAccessCollection, ExpressibleByArrayLiteral, Equatable, Sendable, CustomStringConvertible {
    /// One entry: a log name and its value.
    public typealias Element = (name: String, value: Double)

    private var names: [String]
    private var values: [Double]

    /// Logs holding `entries` in the given order.
    public init(_ entries: [(String, Double)] = []) {
        names = entries.map(\.0)
        values = entries.map(\.1)
    }

    /// Logs from a literal: `[("loss", 0.3), ("categorical_accuracy", 0.9)]`.
    public init(arrayLiteral elements: (String, Double)...) { self.init(elements) }

    /// 0.
    public var startIndex: Int { 0 }
    /// The number of entries.
    public var endIndex: Int { names.count }
    /// The entry at `position`, in logging order.
    public subscript(position: Int) -> Element { (names[position], values[position]) }

    /// The value logged under `name`, nil when there is none.
    public subscript(name: String) -> Double? {
        names.firstIndex(of: name).map { values[$0] }
    }

    /// The loss, nil when not logged.
    public var loss: Double? { self["loss"] }

    /// The metrics: every entry but the loss, by name.
    public var metrics: [String: Double] {
        var result: [String: Double] = [:]
        for (name, value) in self where name != "loss" { result[name] = value }
        return result
    }

    /// Whether every value is finite (no NaN, no infinity).
    public var allFinite: Bool { values.allSatisfy(\.isFinite) }

    /// Adds `entry` at the end.
    public mutating func append(_ entry: (String, Double)) {
        names.append(entry.0)
        values.append(entry.1)
    }

    /// These logs followed by `other`'s (training logs, then validation logs).
    public static func + (lhs: Logs, rhs: Logs) -> Logs {
        var result = lhs
        result.names += rhs.names
        result.values += rhs.values
        return result
    }

    /// Appends `rhs`'s entries to `lhs`.
    public static func += (lhs: inout Logs, rhs: Logs) { lhs = lhs + rhs }

    /// Equal names in the same order and equal values (NaN equals NaN here, as logs compare
    /// by what they record).
    public static func == (lhs: Logs, rhs: Logs) -> Bool {
        lhs.names == rhs.names && zip(lhs.values, rhs.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    /// `[loss: 0.3, categorical_accuracy: 0.9]`.
    public var description: String {
        "[" + map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "]"
    }
}
