// Tests of whole-file reads with clear errors, atomic writes (no partial or stray files, the
// previous file kept on failure) and folder preparation.

import Foundation
import Testing
@testable import PerceptronIO

@Suite struct FileIOReadTests {
    @Test func readsAWholeFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var random = TestRandom(seed: 1)
        let bytes = random.bytes(100_003)
        try Data(bytes).write(to: folder.file("data.bin"))
        #expect(try FileIO.read(folder.file("data.bin")) == bytes)
        try Data().write(to: folder.file("empty"))
        #expect(try FileIO.read(folder.file("empty")) == [])
    }

    @Test func aMissingFileIsNamedInTheError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("absent.idx")
        let error = try #require(throws: FileError.self) { try FileIO.read(url) }
        #expect(error.path == url.path)
        #expect(error.reason.contains("no such file"))
        #expect(error.errorDescription?.contains(url.path) == true)
    }

    @Test func aFolderIsNotAFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let error = try #require(throws: FileError.self) { try FileIO.read(folder.url) }
        #expect(error.reason.contains("folder"))
    }

    @Test(.enabled(if: !runningAsRoot, "root reads files whatever their permissions"))
    func anUnreadableFileIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("secret")
        try Data([1, 2, 3]).write(to: url)
        chmod(url.path, 0o000)
        let error = try #require(throws: FileError.self) { try FileIO.read(url) }
        #expect(error.reason.contains("permissions"))
    }

    @Test func theLimitIsCheckedBeforeReading() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("hundred")
        try Data(repeating: 9, count: 100).write(to: url)
        let error = try #require(throws: FileError.self) { try FileIO.read(url, limit: 99) }
        #expect(error.reason.contains("100 bytes"))
        #expect(error.reason.contains("99"))
        #expect(try FileIO.read(url, limit: 100).count == 100)
    }
}

@Suite struct FileIOWriteTests {
    @Test func writesTheBytesAndLeavesNoTemporaryFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("model.safetensors")
        var random = TestRandom(seed: 2)
        let bytes = random.bytes(300_000)
        try FileIO.writeAtomically(bytes, to: url)
        #expect([UInt8](try Data(contentsOf: url)) == bytes)
        #expect(try folder.contents() == ["model.safetensors"])
    }

    @Test func replacesAnExistingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("report.json")
        try FileIO.writeAtomically(Array(repeating: 1, count: 1000), to: url)
        try FileIO.writeAtomically("short", to: url)
        #expect(String(decoding: try Data(contentsOf: url), as: UTF8.self) == "short")
        #expect(try folder.contents() == ["report.json"])
    }

    @Test func acceptsAnyByteCollection() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("bytes")
        try FileIO.writeAtomically(repeatElement(UInt8(7), count: 5), to: url)
        #expect([UInt8](try Data(contentsOf: url)) == [7, 7, 7, 7, 7])
        try FileIO.writeAtomically([1, 2, 3, 4, 5][1..<4] as ArraySlice<UInt8>, to: url)
        #expect([UInt8](try Data(contentsOf: url)) == [2, 3, 4])
        try FileIO.writeAtomically([UInt8](), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
    }

    @Test func aMissingFolderIsAnErrorNamingIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.url.appendingPathComponent("no/such/folder/out.json")
        let error = try #require(throws: FileError.self) { try FileIO.writeAtomically("{}", to: url) }
        #expect(error.path == url.path)
        #expect(error.reason.contains("does not exist"))
        #expect(error.reason.contains("no/such/folder"))
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(try folder.contents().isEmpty)
    }

    @Test func aFileInPlaceOfTheFolderIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileIO.writeAtomically("I am a file", to: folder.file("runs"))
        #expect(throws: FileError.self) { try FileIO.writeAtomically("{}", to: folder.file("runs").appendingPathComponent("out.json")) }
        #expect(String(decoding: try Data(contentsOf: folder.file("runs")), as: UTF8.self) == "I am a file")
    }

    @Test func aFailedRenameKeepsTheTargetAndRemovesTheTemporaryFile() throws {
        // Renaming a file over a non-empty folder fails even for root.
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let target = folder.file("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1]).write(to: target.appendingPathComponent("inside"))
        let error = try #require(throws: FileError.self) { try FileIO.writeAtomically([1, 2, 3], to: target) }
        #expect(error.path == target.path)
        #expect(error.reason.contains("unchanged"))
        #expect(try folder.contents() == ["occupied"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["inside"])
    }

    @Test(.enabled(if: !runningAsRoot, "root writes into read-only folders"))
    func aReadOnlyFolderKeepsTheExistingFileWhole() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("weights.bin")
        let original = [UInt8](repeating: 5, count: 4096)
        try FileIO.writeAtomically(original, to: url)
        chmod(folder.url.path, 0o555)
        let error = try #require(throws: FileError.self) { try FileIO.writeAtomically([9, 9], to: url) }
        #expect(error.errorDescription?.contains(url.path) == true)
        #expect([UInt8](try Data(contentsOf: url)) == original)
        #expect(try folder.contents() == ["weights.bin"])
    }

    @Test func concurrentWritersNeverLeaveAMixedFile() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("shared")
        let versions = (0..<8).map { [UInt8](repeating: UInt8($0), count: 50_000) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for version in versions {
                group.addTask { try FileIO.writeAtomically(version, to: url) }
            }
            try await group.waitForAll()
        }
        let written = [UInt8](try Data(contentsOf: url))
        #expect(versions.contains(written), "the file mixes several writes")
        #expect(try folder.contents() == ["shared"])
    }
}

@Suite struct PrepareFolderTests {
    @Test func createsNestedFoldersAndAcceptsExistingOnes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let nested = folder.url.appendingPathComponent("a/b/c")
        try FileIO.prepareFolder(nested)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        try FileIO.prepareFolder(nested)
        try FileIO.writeAtomically("ok", to: nested.appendingPathComponent("file"))
    }

    @Test func aFileInTheWayIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let blocker = folder.file("blocker")
        try Data([0]).write(to: blocker)
        let error = try #require(throws: FileError.self) { try FileIO.prepareFolder(blocker.appendingPathComponent("child")) }
        #expect(error.path.hasSuffix("blocker/child"))
        #expect(throws: FileError.self) { try FileIO.prepareFolder(blocker) }
    }

    @Test(.enabled(if: !runningAsRoot, "root writes into read-only folders"))
    func aReadOnlyFolderIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let locked = folder.file("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        chmod(locked.path, 0o555)
        let error = try #require(throws: FileError.self) { try FileIO.prepareFolder(locked) }
        #expect(error.reason.contains("not writable"))
    }

    @Test func fileErrorsDescribeThemselves() {
        let error = FileError(path: "/data/x.idx", reason: "no such file")
        #expect(error.errorDescription == "/data/x.idx: no such file")
        #expect(error.localizedDescription == "/data/x.idx: no such file")
    }
}
