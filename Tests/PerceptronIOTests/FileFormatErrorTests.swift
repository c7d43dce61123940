// Tests of the shared file-format error: the message with and without a file, and reading a
// file whose failures, reading or decoding, all name it.

import Foundation
import Testing
import PerceptronIO

/// A format of one rule: the data must start with "OK".
enum OKProblem: FileFormatProblem {
    case badStart(found: [UInt8])
    case unreadable(reason: String)

    static let dataName = "OK data"

    var message: String {
        switch self {
        case .badStart(let found): "expected \"OK\" at the start, found \(found.count) other bytes (write OK first)"
        case .unreadable(let reason): reason
        }
    }
}

typealias OKError = FileFormatError<OKProblem>

func decodeOK(_ bytes: [UInt8]) throws(OKError) -> Int {
    guard bytes.starts(with: Array("OK".utf8)) else { throw OKError(.badStart(found: Array(bytes.prefix(2)))) }
    return bytes.count
}

@Suite struct FileFormatErrorTests {
    @Test func messageNamesTheFileOrTheData() {
        let problem = OKProblem.badStart(found: [1, 2])
        #expect(OKError(problem).localizedDescription
                == "OK data: expected \"OK\" at the start, found 2 other bytes (write OK first)")
        #expect(OKError(problem, file: "a.ok").localizedDescription
                == "a.ok: expected \"OK\" at the start, found 2 other bytes (write OK first)")
    }

    @Test func decodingFileNamesTheFileForEveryFailure() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let good = folder.file("good.ok"), bad = folder.file("bad.ok"), missing = folder.file("missing.ok")
        try Data("OK!".utf8).write(to: good)
        try Data("NO".utf8).write(to: bad)
        #expect(try OKError.decodingFile(good) { bytes throws(OKError) in try decodeOK(bytes) } == 3)
        #expect(throws: OKError(.badStart(found: Array("NO".utf8)), file: bad.path)) {
            try OKError.decodingFile(bad) { bytes throws(OKError) in try decodeOK(bytes) }
        }
        #expect(throws: OKError(.unreadable(reason: "no such file"), file: missing.path)) {
            try OKError.decodingFile(missing) { bytes throws(OKError) in try decodeOK(bytes) }
        }
        #expect(throws: OKError(.unreadable(reason: "is a folder, expected a file"), file: folder.url.path)) {
            try OKError.decodingFile(folder.url) { bytes throws(OKError) in try decodeOK(bytes) }
        }
    }
}
