// Tests of the zlib wrapper: deflate/inflate round trips in both formats, multi-member gzip,
// truncated and corrupt streams, the output limit, and CRC-32.

import Foundation
import Testing
@testable import PerceptronIO

@Suite struct ZlibTests {
    static let formats: [Zlib.Format] = [.zlib, .gzip]

    /// Inputs of every kind: empty, one byte, text, incompressible and highly compressible.
    static let inputs: [(String, [UInt8])] = {
        var random = TestRandom(seed: 1)
        return [
            ("empty", []),
            ("one byte", [42]),
            ("text", Array(String(repeating: "the quick brown fox jumps over the lazy dog\n", count: 50).utf8)),
            ("1 MB random", random.bytes(1 << 20)),
            ("1 MB zeros", [UInt8](repeating: 0, count: 1 << 20)),
        ]
    }()

    @Test(arguments: formats, inputs.indices)
    func deflateThenInflateGivesTheInput(format: Zlib.Format, index: Int) throws {
        let (name, input) = Self.inputs[index]
        let compressed = Zlib.deflate(input, format: format)
        #expect(try Zlib.inflate(compressed, format: format) == input, "\(name)")
        if name == "1 MB zeros" { #expect(compressed.count < 5000) }
    }

    @Test(arguments: [0, 1, 9] as [Int32])
    func everyLevelRoundTrips(level: Int32) throws {
        var random = TestRandom(seed: 2)
        let input = random.bytes(5000) + [UInt8](repeating: 7, count: 5000)
        for format in Self.formats {
            #expect(try Zlib.inflate(Zlib.deflate(input, format: format, level: level), format: format) == input)
        }
    }

    @Test func headersIdentifyTheFormat() {
        let gzip = Zlib.deflate(Array("x".utf8), format: .gzip)
        let zlib = Zlib.deflate(Array("x".utf8), format: .zlib)
        #expect(Zlib.isGzip(gzip))
        #expect(!Zlib.isGzip(zlib))
        #expect(zlib[0] == 0x78)
        // A zlib header is a multiple of 31 as a big-endian UInt16 (RFC 1950).
        #expect((UInt16(zlib[0]) << 8 | UInt16(zlib[1])) % 31 == 0)
        #expect(!Zlib.isGzip([0x1F]))
        #expect(!Zlib.isGzip([]))
        #expect(Zlib.isGzip([0x1F, 0x8B]))
    }

    @Test func concatenatedGzipMembersInflateToBothPayloads() throws {
        let first = Array("first member\n".utf8)
        let second = [UInt8](repeating: 0xAB, count: 70_000)
        let third: [UInt8] = []
        let joined = Zlib.deflate(first, format: .gzip) + Zlib.deflate(second, format: .gzip) + Zlib.deflate(third, format: .gzip)
        #expect(try Zlib.inflate(joined, format: .gzip) == first + second + third)
    }

    @Test func aTruncatedSecondMemberIsAnError() {
        let member = Zlib.deflate(Array("payload".utf8), format: .gzip)
        let joined = member + member.dropLast(5)
        #expect(throws: CompressionError.self) { try Zlib.inflate(joined, format: .gzip) }
    }

    @Test(arguments: formats)
    func everyTruncationIsAnError(format: Zlib.Format) {
        let compressed = Zlib.deflate(Array(String(repeating: "truncate me ", count: 40).utf8), format: format)
        for length in 0..<compressed.count {
            do {
                _ = try Zlib.inflate(Array(compressed.prefix(length)), format: format)
                Issue.record("a stream cut to \(length) of \(compressed.count) bytes inflated without error")
            } catch let error as CompressionError {
                #expect(error.message.contains("truncated") || error.message.contains("corrupt"), "\(error)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func truncationIsReportedAsTruncation() throws {
        var random = TestRandom(seed: 3)
        let compressed = Zlib.deflate(random.bytes(10_000), format: .gzip)
        let error = try #require(throws: CompressionError.self) { try Zlib.inflate(Array(compressed.dropLast(100)), format: .gzip) }
        #expect(error.message.contains("truncated"))
    }

    @Test(arguments: formats)
    func corruptedBytesAreErrors(format: Zlib.Format) throws {
        var random = TestRandom(seed: 4)
        let input = Array(String(repeating: "corrupt me, ", count: 100).utf8) + random.bytes(2000)
        let compressed = Zlib.deflate(input, format: format)
        // Bytes in the compressed data and in the checksum trailer; a gzip header's time
        // stamp and OS bytes are not checked by design, so they are left alone.
        let positions = [compressed.count / 3, compressed.count / 2, 2 * compressed.count / 3, compressed.count - 2]
        for position in positions {
            var damaged = compressed
            damaged[position] ^= 0x55
            let error = try #require(throws: CompressionError.self, "byte \(position) of \(compressed.count)") {
                try Zlib.inflate(damaged, format: format)
            }
            #expect(error.message.contains("corrupt") || error.message.contains("truncated"), "\(error)")
        }
    }

    @Test func aDamagedHeaderIsAnError() {
        var gzip = Zlib.deflate(Array("abc".utf8), format: .gzip)
        gzip[1] = 0x00
        #expect(throws: CompressionError.self) { try Zlib.inflate(gzip, format: .gzip) }
        var zlib = Zlib.deflate(Array("abc".utf8), format: .zlib)
        zlib[1] ^= 0x01
        #expect(throws: CompressionError.self) { try Zlib.inflate(zlib, format: .zlib) }
        // A gzip stream is not a zlib stream and the other way round.
        #expect(throws: CompressionError.self) { try Zlib.inflate(Zlib.deflate([1, 2, 3], format: .gzip), format: .zlib) }
        #expect(throws: CompressionError.self) { try Zlib.inflate(Zlib.deflate([1, 2, 3], format: .zlib), format: .gzip) }
    }

    @Test func garbageIsAnError() {
        var random = TestRandom(seed: 5)
        for _ in 0..<50 {
            let garbage = random.bytes(1 + random.next(below: 300))
            for format in Self.formats {
                #expect(throws: CompressionError.self) { try Zlib.inflate(garbage, format: format) }
            }
        }
    }

    @Test(arguments: formats)
    func theLimitBoundsTheOutput(format: Zlib.Format) throws {
        // 1 MB of zeros compresses to about 1 KB: a small decompression bomb.
        let bomb = Zlib.deflate([UInt8](repeating: 0, count: 1 << 20), format: format)
        let error = try #require(throws: CompressionError.self) { try Zlib.inflate(bomb, format: format, limit: 100_000) }
        #expect(error.message.contains("limit"))
        #expect(throws: CompressionError.self) { try Zlib.inflate(bomb, format: format, limit: (1 << 20) - 1) }
        #expect(try Zlib.inflate(bomb, format: format, limit: 1 << 20).count == 1 << 20)
    }

    @Test func theLimitCoversEveryGzipMember() {
        let member = Zlib.deflate([UInt8](repeating: 1, count: 600), format: .gzip)
        #expect(throws: CompressionError.self) { try Zlib.inflate(member + member, format: .gzip, limit: 1000) }
    }

    @Test func theSizeHintDoesNotChangeTheResult() throws {
        let input = [UInt8](repeating: 3, count: 300_000)
        let compressed = Zlib.deflate(input, format: .gzip)
        #expect(try Zlib.inflate(compressed, format: .gzip, expectedSize: 10) == input)
        #expect(try Zlib.inflate(compressed, format: .gzip, expectedSize: 300_000) == input)
    }

    @Test func crc32MatchesTheCheckValue() {
        // The CRC-32 check value for "123456789" (ISO 3309, as in gzip and PNG).
        #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Zlib.crc32("123456789".utf8) == 0xCBF4_3926)
        #expect(Zlib.crc32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(Zlib.crc32([UInt8]()) == 0)
        #expect(Zlib.crc32([0]) == 0xD202_EF8D)
    }

    @Test func crc32Continues() {
        let whole = Array("123456789".utf8)
        for split in 0...whole.count {
            let first = Zlib.crc32(whole[..<split])
            #expect(Zlib.crc32(whole[split...], continuing: first) == 0xCBF4_3926, "split at \(split)")
        }
    }

    @Test func crc32ContinuesAcrossEmptyChunksOfAnyCollection() {
        // zlib's crc32() returns 0 for a null buffer whatever the running value, so an empty
        // chunk must not reach it with a null pointer.
        let running: UInt32 = 0xCBF4_3926
        #expect(Zlib.crc32([UInt8](), continuing: running) == running)
        #expect(Zlib.crc32([UInt8]()[...], continuing: running) == running)
        #expect(Zlib.crc32(EmptyCollection<UInt8>(), continuing: running) == running)
        #expect(Zlib.crc32(Data(), continuing: running) == running)
        #expect(Zlib.crc32("".utf8, continuing: running) == running)
    }

    @Test func crc32ReadsCollectionsWithoutContiguousStorage() {
        let reversed = Array("987654321".utf8).reversed()
        #expect(Zlib.crc32(reversed) == 0xCBF4_3926)
        #expect(Zlib.crc32(Data("123456789".utf8)) == 0xCBF4_3926)
    }
}
