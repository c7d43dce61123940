// Shared by the data tests: throwaway folders and small IDX files written byte by byte.

import Foundation

/// A new empty folder under the system's temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("perceptron-data-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `bytes` to `name` in the folder and returns its URL.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> URL {
        let url = file(name)
        try Data(bytes).write(to: url)
        return url
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// An IDX header built by hand (independently of `IDX.encode`): magic, type byte, rank and
/// big-endian dimensions.
func idxHeader(type: UInt8, dimensions: [UInt32]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
    for size in dimensions { bytes += [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] }
    return bytes
}
