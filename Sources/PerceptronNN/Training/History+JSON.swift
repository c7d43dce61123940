// Reading back the history.json that `History.json()` writes. Writing, and the CSV reader,
// are in History.swift.

import PerceptronIO

extension History {
    /// Parses the JSON written by `json()`:
    /// `{"epochs": [...], "keys": [...], "history": {key: [...]}, "epoch_seconds": [...]}`.
    ///
    /// `epochs` holds non-negative integers; each `history` list and `epoch_seconds` hold one
    /// number per epoch, `null` (how `json()` writes NaN and infinities) reading as NaN.
    /// `keys` gives the order of the logs and must name exactly the keys of `history`; when
    /// absent, the keys are taken in sorted order. `epoch_seconds` may be absent (NaN each
    /// epoch), as in a history written by other tools. Other top-level members are ignored.
    ///
    /// - Throws: `HistoryFileError` naming the field (and the byte offset for malformed JSON),
    ///   what was expected and what was found.
    public static func parseJSON(_ text: String, path: String = "<memory>") throws -> History {
        func fail(_ detail: String) -> HistoryFileError { HistoryFileError(path: path, detail: detail) }
        let root: [String: JSONValue]
        do {
            guard let object = try JSONValue.parse(text).objectValue else {
                throw fail("expected a JSON object with 'epochs' and 'history'")
            }
            root = object
        } catch let error as JSONParseError {
            throw fail("not a history: \(error)")
        }

        guard let epochItems = root["epochs"]?.arrayValue else { throw fail("'epochs': expected a list of epoch numbers") }
        let epochs = try epochItems.enumerated().map { index, item in
            guard let epoch = item.intValue, epoch >= 0 else {
                throw fail("'epochs'[\(index)]: expected a non-negative integer, found \(describe(item))")
            }
            return epoch
        }

        guard let series = root["history"]?.objectValue else { throw fail("'history': expected an object of lists") }
        let keys: [String]
        if let keyItems = root["keys"] {
            guard let list = keyItems.arrayValue else { throw fail("'keys': expected a list of names, found \(describe(keyItems))") }
            keys = try list.enumerated().map { index, item in
                guard let key = item.stringValue else {
                    throw fail("'keys'[\(index)]: expected a name, found \(describe(item))")
                }
                return key
            }
            let named = Set(keys)
            guard named.count == keys.count else { throw fail("'keys': a name is repeated") }
            if let missing = keys.first(where: { series[$0] == nil }) {
                throw fail("'keys' names '\(missing.prefix(64))', which 'history' does not hold")
            }
            if let extra = series.keys.sorted().first(where: { !named.contains($0) }) {
                throw fail("'history' holds '\(extra.prefix(64))', which 'keys' does not name")
            }
        } else {
            keys = series.keys.sorted()
        }

        /// One number (or null for NaN) per epoch.
        func values(_ field: String, _ value: JSONValue) throws -> [Double] {
            guard let items = value.arrayValue else { throw fail("\(field): expected a list of numbers, found \(describe(value))") }
            guard items.count == epochs.count else {
                throw fail("\(field): expected \(epochs.count) values, one per epoch, found \(items.count)")
            }
            return try items.enumerated().map { index, item in
                if item == .null { return .nan }
                guard let number = item.doubleValue else {
                    throw fail("\(field)[\(index)]: expected a number or null, found \(describe(item))")
                }
                return number
            }
        }

        var result = History()
        result.epochs = epochs
        result.keys = keys
        for key in keys { result.history[key] = try values("'history'.'\(key.prefix(64))'", series[key]!) }
        if let seconds = root["epoch_seconds"] {
            result.epochSeconds = try values("'epoch_seconds'", seconds)
        } else {
            result.epochSeconds = Array(repeating: .nan, count: epochs.count)
        }
        return result
    }

    /// A short description of a JSON value for error messages.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): "the string \"\(text.prefix(20))\""
        case .array(let items): "a list of \(items.count)"
        case .object: "an object"
        }
    }
}
