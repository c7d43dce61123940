// Tests of the strict JSON reader and the deterministic writer: values, escapes, numbers,
// everything RFC 8259 forbids (and duplicate keys), nesting limits, round trips and a fuzz loop.

import Foundation
import Testing
@testable import PerceptronIO

@Suite struct JSONParseTests {
    @Test func parsesEveryKindOfValue() throws {
        let text = #" { "n": null, "t": true, "f": false, "i": -12, "d": 2.5, "s": "hi", "a": [1, [], {}], "o": {"k": "v"} } "#
        let expected: JSONValue = .object([
            "n": .null, "t": .bool(true), "f": .bool(false), "i": .int(-12), "d": .double(2.5), "s": .string("hi"),
            "a": .array([.int(1), .array([]), .object([:])]), "o": .object(["k": .string("v")]),
        ])
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)) == expected)
        #expect(try JSONValue.parse("\t\r\n 7 \n") == .int(7))
    }

    @Test(arguments: [
        ("0", JSONValue.int(0)), ("-0", .int(0)), ("42", .int(42)), ("-17", .int(-17)),
        ("9223372036854775807", .int(Int.max)), ("-9223372036854775808", .int(Int.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("1.0", .double(1)), ("0.5", .double(0.5)), ("-0.0", .double(-0.0)), ("1e2", .double(100)),
        ("1E+2", .double(100)), ("25e-1", .double(2.5)), ("1.5e300", .double(1.5e300)), ("1e-400", .double(0)),
        ("0.1", .double(0.1)), ("123456789.125", .double(123_456_789.125)),
    ])
    func numbersAreIntegersOnlyWithoutFractionOrExponent(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test func escapesDecode() throws {
        #expect(try JSONValue.parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0C} \n \r \t"))
        #expect(try JSONValue.parse(#""\u0041\u00e9\u00E9\u20AC""#) == .string("Aéé€"))
        #expect(try JSONValue.parse(#""\ud83d\ude00 \uD834\uDD1E""#) == .string("😀 𝄞"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try JSONValue.parse("\"héllo wörld 😀\"") == .string("héllo wörld 😀"))
        #expect(try JSONValue.parse(#""""#) == .string(""))
    }

    /// Texts RFC 8259 rejects, with what is wrong.
    static let malformed: [(String, String)] = [
        ("", "empty"), ("   ", "only space"), ("01", "leading zero"), ("-01", "leading zero after minus"),
        ("00", "double zero"), ("-", "lone minus"), ("+1", "plus sign"), ("1.", "no fraction digits"),
        (".5", "no integer part"), ("1e", "no exponent digits"), ("1e+", "no exponent digits after sign"),
        ("0x10", "hex"), ("NaN", "NaN"), ("Infinity", "infinity"), ("-Infinity", "negative infinity"),
        ("1e999", "overflows Double"), ("tru", "truncated true"), ("nul", "truncated null"), ("True", "capitalised"),
        ("[1,]", "trailing comma in array"), (#"{"a":1,}"#, "trailing comma in object"), ("[1 2]", "missing comma"),
        (#"{"a" 1}"#, "missing colon"), ("{a:1}", "unquoted key"), ("{1:1}", "number key"), ("[", "unterminated array"),
        ("[1", "unterminated array after a value"), (#"{"a":1"#, "unterminated object"), (#""abc"#, "unterminated string"),
        ("'a'", "single quotes"), (#""\x41""#, "unknown escape"), (#""\u12""#, "short unicode escape"),
        (#""\u12G4""#, "bad hex digit"), (#""\ud800""#, "lone high surrogate"), (#""\ud800\u0041""#, "high surrogate then a letter"),
        (#""\ud800x""#, "high surrogate then a character"), (#""\udc00""#, "lone low surrogate"),
        ("\"a\u{01}b\"", "raw control character"), ("\"a\nb\"", "raw newline"), ("\"a\tb\"", "raw tab"),
        ("1 2", "two values"), ("[] x", "trailing data"), ("{}}", "extra brace"), ("\u{FEFF}1", "byte order mark"),
        ("[1]\u{0}", "trailing NUL"), ("\u{A0}1", "non-breaking space"), ("// c\n1", "comment"),
    ]

    @Test(arguments: malformed)
    func malformedTextIsRejected(text: String, problem: String) {
        #expect(throws: JSONParseError.self, "\(problem)") { try JSONValue.parse(text) }
    }

    @Test(arguments: [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] as [[UInt8]])
    func invalidUTF8IsRejected(bytes: [UInt8]) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
        #expect(error.reason.contains("UTF-8"))
    }

    @Test func duplicateKeysAreRejected() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse(#"{"a": 1, "a": 2}"#) }
        #expect(error.reason.contains("duplicate"))
        #expect(error.offset == 9, "the offset points at the second key")
        // The same key spelt with an escape, a null first value, and duplicates deeper down.
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a": 1, "\u0061": 2}"#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a": null, "a": null}"#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"[{"x": {"k": 1, "j": 2, "k": 3}}]"#) }
        // Equal keys in different objects are fine.
        #expect(try JSONValue.parse(#"[{"k": 1}, {"k": 2}]"#) == .array([.object(["k": .int(1)]), .object(["k": .int(2)])]))
    }

    @Test func errorsGiveTheOffset() throws {
        #expect(try #require(throws: JSONParseError.self) { try JSONValue.parse("[1,]") }.offset == 3)
        #expect(try #require(throws: JSONParseError.self) { try JSONValue.parse("[1] x") }.offset == 4)
        #expect(try #require(throws: JSONParseError.self) { try JSONValue.parse(#"{"k": 01}"#) }.offset == 6)
        let error = JSONParseError(offset: 12, reason: "expected ':'")
        #expect(error.description == "invalid JSON at byte 12: expected ':'")
    }

    @Test func nestingIsLimited() throws {
        func nested(_ depth: Int, open: String = "[", close: String = "]") -> String {
            String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
        }
        #expect(try JSONValue.parse(Array(nested(3).utf8), maximumDepth: 3) != .null)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(nested(4).utf8), maximumDepth: 3) }
        #expect(try JSONValue.parse(Array(nested(3, open: #"{"k":"#, close: "}").utf8), maximumDepth: 3) != .null)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(nested(4, open: #"{"k":"#, close: "}").utf8), maximumDepth: 3) }
        // The default allows 64 levels, and far deeper texts fail cleanly instead of
        // overflowing the stack.
        #expect(try JSONValue.parse(nested(64)) != .null)
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse(nested(65)) }
        #expect(error.reason.contains("nesting"))
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 200_000)) }
    }

    @Test func accessorsReadTheirCase() {
        #expect(JSONValue.int(3).intValue == 3)
        #expect(JSONValue.double(3).intValue == 3)
        #expect(JSONValue.double(3.5).intValue == nil)
        #expect(JSONValue.double(1e20).intValue == nil)
        #expect(JSONValue.int(3).doubleValue == 3)
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.int(1).stringValue == nil)
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.array([.null]).arrayValue == [.null])
        #expect(JSONValue.object(["a": .null]).objectValue == ["a": .null])
        #expect(JSONValue.ints([28, 28, 1]).shapeValue == [28, 28, 1])
        #expect(JSONValue.array([.int(2), .double(3)]).shapeValue == [2, 3])
        #expect(JSONValue.array([.int(2), .int(-1)]).shapeValue == nil)
        #expect(JSONValue.array([.int(2), .string("3")]).shapeValue == nil)
        #expect(JSONValue.int(2).shapeValue == nil)
    }
}

@Suite struct JSONSerializationTests {
    @Test func serializationIsCompactAndSorted() {
        let value: JSONValue = .object([
            "zeta": .int(1), "alpha": .array([.null, .bool(true), .bool(false), .double(0.5), .string("x")]),
            "Mid": .object(["b": .int(2), "a": .int(1)]),
        ])
        #expect(value.serialized() == #"{"Mid":{"a":1,"b":2},"alpha":[null,true,false,0.5,"x"],"zeta":1}"#)
    }

    @Test func serializationDoesNotDependOnInsertionOrder() {
        var forwards: [String: JSONValue] = [:]
        var backwards: [String: JSONValue] = [:]
        let keys = (0..<200).map { "key\($0)" }
        for key in keys { forwards[key] = .string(key) }
        for key in keys.reversed() { backwards[key] = .string(key) }
        #expect(JSONValue.object(forwards).serialized() == JSONValue.object(backwards).serialized())
    }

    @Test(arguments: [
        (JSONValue.double(2), "2.0"), (.double(-3), "-3.0"), (.double(0.1), "0.1"), (.double(1e20), "1e+20"),
        (.double(1.5e-7), "1.5e-07"), (.int(-7), "-7"), (.double(.nan), "null"), (.double(.infinity), "null"),
        (.string("a\"b\\c\n\r\t\u{1}\u{1F}/é"), #""a\"b\\c\n\r\t\u0001\u001f/é""#),
        // Strings with nothing to escape are written whole: base64, Korean, an emoji, empty.
        (.string("AAAAP+/+Pw=="), #""AAAAP+/+Pw==""#), (.string("퍼셉트론 은닉층 🧠"), "\"퍼셉트론 은닉층 🧠\""),
        (.string(""), #""""#), (.string("끝\""), #""끝\"""#),
    ])
    func scalarsSerialize(value: JSONValue, text: String) {
        #expect(value.serialized() == text)
    }

    @Test func wholeDoublesStayDoubles() throws {
        for value in [0.0, 1, -1, 1e14, 123_456_789_012_345, 1e15, 1e300, -2.5e-300, .leastNonzeroMagnitude] {
            #expect(try JSONValue.parse(JSONValue.double(value).serialized()) == .double(value), "\(value)")
        }
    }

    @Test func parsedTextRoundTrips() throws {
        let text = #"{"a":[1,2.5,-0.001,"\u00e9\n",true,null,{}],"b":{"c":[[]]},"d":""}"#
        let value = try JSONValue.parse(text)
        #expect(try JSONValue.parse(value.serialized()) == value)
        #expect(value.serialized() == #"{"a":[1,2.5,-0.001,"é\n",true,null,{}],"b":{"c":[[]]},"d":""}"#)
    }

    @Test func randomValuesRoundTrip() throws {
        var random = TestRandom(seed: 10)
        for _ in 0..<300 {
            let value = randomValue(&random, depth: 0)
            let text = value.serialized()
            #expect(try JSONValue.parse(text) == value, "\(text)")
            #expect(try JSONValue.parse(text).serialized() == text)
        }
    }
}

/// A random JSON value up to four levels deep, with awkward strings and numbers.
private func randomValue(_ random: inout TestRandom, depth: Int) -> JSONValue {
    switch random.next(below: depth >= 4 ? 5 : 7) {
    case 0: return .null
    case 1: return .bool(random.next(below: 2) == 0)
    case 2: return .int(Int(bitPattern: UInt(truncatingIfNeeded: random.next())) >> random.next(below: 64))
    case 3:
        let value = Double(bitPattern: random.next())
        return value.isFinite ? .double(value) : .double(Double(random.next(below: 1000)) / 8)
    case 4:
        let scalars = (0..<random.next(below: 8)).compactMap { _ -> Unicode.Scalar? in
            let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
            let range = ranges[random.next(below: ranges.count)]
            return Unicode.Scalar(range.lowerBound + UInt32(random.next(below: Int(range.upperBound - range.lowerBound) + 1)))
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return .string(text)
    case 5:
        return .array((0..<random.next(below: 4)).map { _ in randomValue(&random, depth: depth + 1) })
    default:
        var members: [String: JSONValue] = [:]
        for index in 0..<random.next(below: 4) { members["k\(index)\(random.next(below: 3))"] = randomValue(&random, depth: depth + 1) }
        return .object(members)
    }
}

@Suite struct JSONFuzzTests {
    /// Parsing arbitrary bytes must throw `JSONParseError` or succeed, never crash; what
    /// parses must serialise to text that parses back to the same value.
    @Test func randomBytesNeverCrashTheParser() throws {
        var random = TestRandom(seed: 11)
        let alphabet = Array(#"{}[]:,"\/ -+.0123456789eEtrufalsn u00ffd8dcx"#.utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xFF]
        var parsed = 0
        for _ in 0..<20_000 {
            let length = random.next(below: 24)
            let bytes = (0..<length).map { _ in alphabet[random.next(below: alphabet.count)] }
            // Typed throws: the only error that can arrive is JSONParseError.
            guard let value = try? JSONValue.parse(bytes) else { continue }
            parsed += 1
            #expect(try JSONValue.parse(value.serialized()) == value)
        }
        #expect(parsed > 0, "the alphabet should produce some valid documents")
    }

    @Test func mutatedDocumentsNeverCrashTheParser() throws {
        var random = TestRandom(seed: 12)
        let document = Array(#"{"layers":[{"name":"dense","units":512,"rate":0.2,"s":"\u00e9\ud83d\ude00"}],"ok":true,"n":null}"#.utf8)
        for _ in 0..<5000 {
            var bytes = document
            for _ in 0..<1 + random.next(below: 3) {
                let position = random.next(below: bytes.count)
                switch random.next(below: 3) {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(bytes[random.next(below: bytes.count)], at: position)
                }
            }
            if let value = try? JSONValue.parse(bytes) {
                #expect(try JSONValue.parse(value.serialized()) == value)
            }
        }
    }
}
