// A JSON value for layer configurations and model-file metadata, with exact round trips
// of integers, doubles, strings, arrays and objects. Parsing is Foundation's JSONSerialization-free Codable.

/// A JSON value: what layer configs and model files store.
///
/// Integers and doubles are kept apart (`3` is `.int(3)`, `3.0` is `.double(3.0)`), so a
/// finite number written by ``serialized()`` reads back as the same case and value (JSON has
/// no infinity or NaN: those are written as `null`).
public enum JSONValue: Codable, Equatable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without fraction or exponent that fits in `Int`.
    case int(Int)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object; keys are unique and unordered (``serialized()`` sorts them).
    case object([String: JSONValue])

    /// Decodes any JSON value, trying `null`, `Bool`, `Int`, `Double`, `String`, array, then
    /// object, so `1` becomes `.int(1)` and `1.5` becomes `.double(1.5)`.
    ///
    /// - Throws: `DecodingError` when the value is none of these.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Encodes the value as the JSON it stands for.
    ///
    /// - Throws: whatever the encoder throws (for example for a non-finite `.double`).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value as an `Int`: an `.int`, or a `.double` with no fraction and magnitude
    /// below 1e15 (where every integer is exact in a Double); otherwise nil.
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value == value.rounded() && abs(value) < 1e15: return Int(value)
        default: return nil
        }
    }
    /// The value as a `Double`: a `.double`, or an `.int` converted; otherwise nil.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
    /// The string of a `.string`; otherwise nil.
    public var stringValue: String? { if case .string(let value) = self { return value } else { return nil } }
    /// The flag of a `.bool`; otherwise nil.
    public var boolValue: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    /// The elements of an `.array`; otherwise nil.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { return value } else { return nil } }
    /// The members of an `.object`; otherwise nil.
    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { return value } else { return nil } }

    /// An array of non-negative integers (shapes), or nil.
    public var shapeValue: [Int]? {
        guard let items = arrayValue else { return nil }
        let values = items.compactMap(\.intValue)
        return values.count == items.count && values.allSatisfy({ $0 >= 0 }) ? values : nil
    }
}

extension JSONValue {
    /// `.array` of `.int` values.
    public static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }
}
