// Tests of run.json: the record survives a write and read unchanged, and a damaged file is a
// typed error naming the file.

import Foundation
import PerceptronIO
import PerceptronReport
import Testing

@Suite struct RunRecordTests {
    static func record() -> RunRecord {
        RunRecord(settings: [["architecture", "mlp, hidden 512,512"], ["epochs", "30"], ["learning rate", "0.001"]],
                  dataFolder: nil, pixelScale: 1 / 255, testLoss: 0.0712345, testAccuracy: 0.9812,
                  machine: "Some CPU @ 2.00GHz, 2 cores", backend: "openblas (2 threads)", date: "2024-05-01T12:00:00Z")
    }

    @Test func jsonRoundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("run.json")
        var record = Self.record()
        try Data(record.json().utf8).write(to: url)
        #expect(try RunRecord.read(url) == record)

        record.dataFolder = "/data/fashion \"mnist\""
        record.testAccuracy = .ulpOfOne
        try Data(record.json().utf8).write(to: url)
        #expect(try RunRecord.read(url) == record)
    }

    @Test func jsonHasSortedKeysAndReadableValues() throws {
        let json = try Self.record().json()
        let keys = json.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  \""), let end = line.dropFirst(3).firstIndex(of: "\"") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        #expect(keys == ["backend", "date", "machine", "pixelScale", "settings", "testAccuracy", "testLoss"])
        #expect(json.contains("\"testAccuracy\" : 0.9812"))
        #expect(json.hasSuffix("}\n"))
    }

    @Test func malformedRecordNamesTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("run.json")
        for text in ["{\"settings\": [], \"pixelScale\": 1", "{}", "[1, 2]", ""] {
            try Data(text.utf8).write(to: url)
            let error = #expect(throws: RunFolderError.self) { try RunRecord.read(url) }
            #expect(error?.message.hasPrefix(url.path + ": not a valid run record") == true, "\(String(describing: error))")
        }
        let missing = folder.appendingPathComponent("missing.json")
        let error = #expect(throws: FileError.self) { try RunRecord.read(missing) }
        #expect(error?.path == missing.path)
    }
}
