// Shared by the image tests: where the PNG fixtures are, an independent CRC-32 and a chunk lister
// for checking encoder output without the decoder under test.

import Foundation

/// The fixtures written by Scripts/reference/make_png_fixtures.py, found next to this file.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }
}

/// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), bit by bit: a reference that shares no
/// code with the zlib the codec uses.
func referenceCRC32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// One chunk of a PNG as stored.
struct RawChunk: Equatable {
    var type: String
    var data: [UInt8]
    var crc: UInt32
}

/// The chunks after the signature, read naively (the test data is trusted); nil if malformed.
func rawChunks(_ png: [UInt8]) -> [RawChunk]? {
    var chunks: [RawChunk] = []
    var offset = 8
    func u32(_ at: Int) -> UInt32 { png[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
    while offset + 12 <= png.count {
        let length = Int(u32(offset))
        guard offset + 12 + length <= png.count else { return nil }
        let type = String(decoding: png[offset + 4..<offset + 8], as: UTF8.self)
        chunks.append(RawChunk(type: type, data: Array(png[offset + 8..<offset + 8 + length]), crc: u32(offset + 8 + length)))
        offset += 12 + length
    }
    return offset == png.count ? chunks : nil
}

/// A deterministic generator (SplitMix64) for test data, so every run sees the same bytes.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
