// Strict reading of a request's JSON body: one object, known fields only, each of the right
// type and range, with errors that name the field and what it should be.

import Foundation
import PerceptronIO

/// The fields of a JSON request body, read strictly.
struct JSONInput {
    let fields: [String: JSONValue]

    /// Parses `body` (empty means `{}`), an object whose keys are all in `allowed`.
    /// - Throws: `APIError` 400 for text that is not JSON, a value that is not an object, or
    ///   an unknown field.
    init(body: [UInt8], allowed: [String]) throws {
        let text = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if text.isEmpty {
            fields = [:]
            return
        }
        let value: JSONValue
        do { value = try JSONValue.parse(body) } catch {
            throw APIError.badRequest("the body is not valid JSON (\(error.description)); NaN and infinities are not JSON numbers")
        }
        guard let object = value.objectValue else { throw APIError.badRequest("the body must be a JSON object") }
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw APIError.badRequest("unknown field '\(key)'; the fields are: \(allowed.joined(separator: ", "))")
        }
        fields = object
    }

    /// The value of `name`, nil when absent or null.
    func value(_ name: String) -> JSONValue? {
        guard let value = fields[name], value != .null else { return nil }
        return value
    }

    /// Exactly `count` whole numbers 0...255.
    func pixels(_ name: String = "pixels", count: Int) throws -> [UInt8] {
        guard let value = value(name) else { throw APIError.badRequest("'\(name)' is required: \(count) whole numbers 0...255") }
        return try Self.pixels(value, name: name, count: count)
    }

    static func pixels(_ value: JSONValue, name: String, count: Int) throws -> [UInt8] {
        guard let items = value.arrayValue else { throw APIError.badRequest("'\(name)' must be an array of \(count) whole numbers 0...255") }
        guard items.count == count else {
            throw APIError.badRequest("'\(name)' has \(items.count) values; it must have \(count)")
        }
        var pixels = [UInt8](repeating: 0, count: count)
        for (index, item) in items.enumerated() {
            guard let number = item.intValue, (0...255).contains(number) else {
                throw APIError.badRequest("'\(name)[\(index)]' is \(item.serialized()); pixels are whole numbers 0...255")
            }
            pixels[index] = UInt8(number)
        }
        return pixels
    }

    /// A whole number in `range`, `defaultValue` when absent or null.
    func int(_ name: String, in range: ClosedRange<Int>, default defaultValue: Int? = nil) throws -> Int? {
        guard let value = value(name) else { return defaultValue }
        guard let number = value.intValue, range.contains(number) else {
            throw APIError.badRequest("'\(name)' is \(value.serialized()); it must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A finite number in `range`, `defaultValue` when absent or null.
    func double(_ name: String, in range: ClosedRange<Double>, default defaultValue: Double? = nil) throws -> Double? {
        guard let value = value(name) else { return defaultValue }
        guard let number = value.doubleValue, number.isFinite, range.contains(number) else {
            throw APIError.badRequest("'\(name)' is \(value.serialized()); it must be a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))")
        }
        return number
    }

    /// A pair of finite numbers `[a, b]`, each in `range`.
    func pair(_ name: String, in range: ClosedRange<Double>, default defaultValue: (Double, Double)) throws -> (Double, Double) {
        guard let value = value(name) else { return defaultValue }
        guard let items = value.arrayValue, items.count == 2,
              let a = items[0].doubleValue, let b = items[1].doubleValue,
              range.contains(a), range.contains(b) else {
            throw APIError.badRequest("'\(name)' is \(value.serialized()); it must be two numbers [x, y], each from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))")
        }
        return (a, b)
    }

    /// true or false, `defaultValue` when absent or null.
    func bool(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let value = value(name) else { return defaultValue }
        guard let flag = value.boolValue else { throw APIError.badRequest("'\(name)' is \(value.serialized()); it must be true or false") }
        return flag
    }

    /// One of `choices`, `defaultValue` when absent or null.
    func choice(_ name: String, _ choices: [String], default defaultValue: String? = nil) throws -> String? {
        guard let value = value(name) else { return defaultValue }
        guard let text = value.stringValue, choices.contains(text) else {
            throw APIError.badRequest("'\(name)' is \(value.serialized()); it must be one of: \(choices.joined(separator: ", "))")
        }
        return text
    }

    /// Model names: an array of at most 64 strings, each a safe name; nil when absent or null.
    func names(_ name: String = "models") throws -> [String]? {
        guard let value = value(name) else { return nil }
        guard let items = value.arrayValue, items.count <= 64 else {
            throw APIError.badRequest("'\(name)' must be an array of at most 64 model names")
        }
        return try items.enumerated().map { index, item in
            guard let text = item.stringValue else { throw APIError.badRequest("'\(name)[\(index)]' must be a string") }
            return try Self.safeName(text, field: "\(name)[\(index)]")
        }
    }

    /// `text` when it is a usable name: 1 to 200 characters, no `/`, `\`, `..` or control character.
    static func safeName(_ text: String, field: String) throws -> String {
        guard !text.isEmpty, text.count <= 200 else { throw APIError.badRequest("'\(field)' must be a name of 1 to 200 characters") }
        guard !text.contains("/"), !text.contains("\\"), !text.contains(".."),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("'\(field)' is not a name: names never contain '/', '\\', '..' or control characters")
        }
        return text
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
