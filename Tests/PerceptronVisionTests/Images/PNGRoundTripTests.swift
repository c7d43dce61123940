// PNG encoding: encode then decode gives the same pixels for every colour type, size and filter
// choice, and the bytes follow the specification (chunks, IHDR fields, CRCs checked independently).

import Foundation
import Testing
@testable import PerceptronVision

struct PNGRoundTripTests {
    static let sizes = [(1, 1), (7, 3), (33, 5), (28, 28), (3, 40)]

    static func greyImage(_ width: Int, _ height: Int, seed: UInt64) -> GreyImage<UInt8> {
        var random = SplitMix64(state: seed)
        return GreyImage(width: width, height: height, pixels: random.bytes(width * height))
    }

    static func colorImage(_ width: Int, _ height: Int, channels: Int, seed: UInt64) -> ColorImage {
        var random = SplitMix64(state: seed)
        return ColorImage(width: width, height: height, channels: channels, bytes: random.bytes(width * height * channels))
    }

    @Test("grey round trip", arguments: PNG.Filtering.allCases)
    func greyRoundTrip(_ filtering: PNG.Filtering) throws {
        for (width, height) in Self.sizes {
            let image = Self.greyImage(width, height, seed: UInt64(width * 100 + height))
            let png = PNG.encode(image, filtering: filtering)
            #expect(try PNG.decodeGrey(png) == image)
            #expect(try PNG.decodeColor(png) == ColorImage(width: width, height: height, channels: 3,
                                                            bytes: image.pixels.flatMap { [$0, $0, $0] }))
        }
    }

    @Test("RGB and RGBA round trip", arguments: PNG.Filtering.allCases, [3, 4])
    func colorRoundTrip(_ filtering: PNG.Filtering, _ channels: Int) throws {
        for (width, height) in Self.sizes {
            let image = Self.colorImage(width, height, channels: channels, seed: UInt64(width * 100 + height + channels))
            let png = PNG.encode(image, filtering: filtering)
            #expect(try PNG.decodeColor(png) == image)
            #expect(try PNG.decodeGrey(png) == image.greyscaled())
        }
    }

    @Test func smoothImagesRoundTripAndAdaptiveFilteringShrinksThem() throws {
        // A gradient: Sub and Up turn it into runs of one byte, which deflate well.
        let pixels = (0..<64 * 64).map { UInt8(truncatingIfNeeded: ($0 % 64) * 3 + ($0 / 64) * 2) }
        let image = GreyImage(width: 64, height: 64, pixels: pixels)
        let plain = PNG.encode(image, filtering: .none)
        let adaptive = PNG.encode(image, filtering: .adaptive)
        #expect(try PNG.decodeGrey(plain) == image)
        #expect(try PNG.decodeGrey(adaptive) == image)
        #expect(adaptive.count < plain.count)
    }

    @Test func chunksFollowTheSpecification() throws {
        let image = Self.colorImage(7, 3, channels: 4, seed: 9)
        let png = PNG.encode(image)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let chunks = try #require(rawChunks(png))
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        // width 7, height 3, bit depth 8, colour type 6, deflate, adaptive filtering, no interlace
        #expect(chunks[0].data == [0, 0, 0, 7, 0, 0, 0, 3, 8, 6, 0, 0, 0])
        #expect(chunks[2].data.isEmpty)
        for chunk in chunks {
            #expect(chunk.crc == referenceCRC32(Array(chunk.type.utf8) + chunk.data), "CRC of \(chunk.type)")
        }
        // zlib header: deflate with a 32 KiB window, header checksum valid.
        let idat = chunks[1].data
        #expect(idat[0] & 0x0F == 8 && (Int(idat[0]) << 8 | Int(idat[1])) % 31 == 0)
        #expect(chunks[0].data[9] == 6)
        #expect(rawChunks(PNG.encode(GreyImage<UInt8>(width: 2, height: 2)))?[0].data[9] == 0)
        #expect(rawChunks(PNG.encode(Self.colorImage(2, 2, channels: 3, seed: 1)))?[0].data[9] == 2)
    }

    @Test func largeImagesSplitIntoSeveralIDATChunks() throws {
        // Random bytes do not compress, so 1200 x 1000 gives over 1 MiB of IDAT data.
        let image = Self.greyImage(1200, 1000, seed: 42)
        let png = PNG.encode(image, filtering: .none, compressionLevel: 1)
        let types = try #require(rawChunks(png)).map(\.type)
        #expect(types.filter { $0 == "IDAT" }.count == 2)
        #expect(try PNG.decodeGrey(png) == image)
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let grey = Self.greyImage(28, 28, seed: 5)
        let color = Self.colorImage(9, 4, channels: 3, seed: 6)
        try PNG.write(grey, to: folder.appendingPathComponent("grey.png"))
        try PNG.write(color, to: folder.appendingPathComponent("color.png"))
        #expect(try PNG.readGrey(folder.appendingPathComponent("grey.png")) == grey)
        #expect(try PNG.readColor(folder.appendingPathComponent("color.png")) == color)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["color.png", "grey.png"])
        #expect(throws: (any Error).self) { try PNG.write(grey, to: folder.appendingPathComponent("missing/x.png")) }
    }
}
