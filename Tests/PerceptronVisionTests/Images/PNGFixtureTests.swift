// Decoding PNG files written by another encoder (Scripts/reference/make_png_fixtures.py) against
// OpenCV's pixels, and every corrupt fixture against its exact error. Round trips are elsewhere.

import Foundation
import Testing
@testable import PerceptronVision

struct PNGFixtureTests {
    /// Expected pixels: `grey` is `cv2.imread(path, cv2.IMREAD_GRAYSCALE)` and `color` is
    /// `cv2.imread(path, cv2.IMREAD_UNCHANGED)` in RGB(A) order, both from
    /// Scripts/reference/png_grey_opencv.py (OpenCV 5.0.0); grey files have no OpenCV colour
    /// form, so theirs is the grey value in R, G and B.
    struct Golden: Sendable, CustomTestStringConvertible {
        let name: String
        let width: Int
        let height: Int
        let grey: [UInt8]
        let channels: Int
        let color: [UInt8]
        var testDescription: String { name }
    }

    static let greyFilters: [UInt8] = [3, 50, 97, 144, 191, 92, 146, 200, 254, 52, 181, 242, 47, 108, 169,
                                       14, 82, 150, 218, 30, 103, 178, 253, 72, 147]

    static let goldens: [Golden] = [
        // Colour type 0, filters None, Sub, Up, Average, Paeth on rows 0...4, a tEXt chunk.
        Golden(name: "grey_filters.png", width: 5, height: 5, grey: greyFilters,
               channels: 3, color: greyFilters.flatMap { [$0, $0, $0] }),
        // Paeth on every row, with a pb == pc tie (row 1, x 1) and a pa == pc tie (row 2, x 3).
        Golden(name: "paeth_ties.png", width: 4, height: 3, grey: [100, 80, 0, 255, 110, 7, 100, 120, 50, 61, 60, 33],
               channels: 3, color: [100, 80, 0, 255, 110, 7, 100, 120, 50, 61, 60, 33].flatMap { [$0, $0, $0] }),
        // Colour type 2, filters Paeth, Average, Up, Sub, None, two IDAT chunks.
        Golden(name: "rgb_filters.png", width: 4, height: 5,
               grey: [102, 119, 166, 63, 161, 65, 119, 97, 100, 161, 116, 177, 113, 151, 69, 137, 172, 97, 96, 141],
               channels: 3,
               color: [10, 123, 236, 57, 170, 27, 104, 217, 74, 151, 8, 121, 99, 212, 69, 153, 10, 123, 207, 64,
                       177, 5, 118, 231, 188, 45, 158, 249, 106, 219, 54, 167, 24, 115, 228, 85, 21, 134, 247, 89,
                       202, 59, 157, 14, 127, 225, 82, 195, 110, 223, 80, 185, 42, 155, 4, 117, 230, 79, 192, 49]),
        // Colour type 3, five entries, tRNS for three (0, 128, 255).
        Golden(name: "palette_trns.png", width: 4, height: 3,
               grey: [76, 149, 29, 255, 29, 255, 36, 76, 36, 76, 149, 29],
               channels: 4,
               color: [255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 255,
                       255, 255, 255, 255, 20, 40, 60, 255, 255, 0, 0, 0, 20, 40, 60, 255, 255, 0, 0, 0,
                       0, 255, 0, 128, 0, 0, 255, 255]),
        // Colour type 4.
        Golden(name: "grey_alpha.png", width: 3, height: 3,
               grey: [50, 97, 144, 139, 193, 247, 228, 33, 94],
               channels: 4,
               color: [50, 50, 50, 163, 97, 97, 97, 210, 144, 144, 144, 1, 139, 139, 139, 252, 193, 193, 193, 50,
                       247, 247, 247, 104, 228, 228, 228, 85, 33, 33, 33, 146, 94, 94, 94, 207]),
        // Colour type 6, three IDAT chunks, a private ancillary chunk, bytes after IEND.
        Golden(name: "rgba_multi_idat.png", width: 4, height: 4,
               grey: [139, 186, 83, 130, 78, 132, 110, 134, 167, 122, 183, 94, 150, 68, 136, 98],
               channels: 4,
               color: [77, 190, 47, 160, 124, 237, 94, 207, 171, 28, 141, 254, 218, 75, 188, 45, 166, 23, 136, 249,
                       220, 77, 190, 47, 18, 131, 244, 101, 72, 185, 42, 155, 255, 112, 225, 82, 60, 173, 30, 143,
                       121, 234, 91, 204, 182, 39, 152, 9, 88, 201, 58, 171, 156, 13, 126, 239, 224, 81, 194, 51,
                       36, 149, 6, 119]),
    ]

    @Test("grey decoding matches OpenCV's IMREAD_GRAYSCALE", arguments: goldens)
    func greyMatchesOpenCV(_ golden: Golden) throws {
        let image = try PNG.readGrey(Fixtures.url(golden.name))
        #expect(image == GreyImage(width: golden.width, height: golden.height, pixels: golden.grey))
    }

    @Test("colour decoding matches OpenCV's IMREAD_UNCHANGED", arguments: goldens)
    func colorMatchesOpenCV(_ golden: Golden) throws {
        let image = try PNG.readColor(Fixtures.url(golden.name))
        #expect(image == ColorImage(width: golden.width, height: golden.height, channels: golden.channels, bytes: golden.color))
    }

    @Test func alphaCompositesOverWhiteOrBlack() throws {
        // (v * a + 255 * (255 - a) + 127) / 255 and (v * a + 127) / 255 over the grey + alpha samples.
        let url = Fixtures.url("grey_alpha.png")
        #expect(try PNG.readGrey(url, alpha: .compositeOverWhite).pixels == [124, 125, 255, 140, 243, 252, 246, 128, 124])
        #expect(try PNG.readGrey(url, alpha: .compositeOverBlack).pixels == [32, 80, 1, 137, 38, 101, 76, 19, 76])
        // Palette alpha from tRNS: entry 0 clear (white), entry 1 half, entries 3 and 4 opaque.
        #expect(try PNG.readGrey(Fixtures.url("palette_trns.png"), alpha: .compositeOverWhite).pixels
                == [255, 202, 29, 255, 29, 255, 36, 255, 36, 255, 202, 29])
    }

    static let corrupt: [(String, PNGError.Kind)] = [
        ("bad_crc.png", .badCRC(chunk: "IDAT", stored: 0x6F71_1EB9, computed: 0x6F71_1E46)),
        ("truncated.png", .truncated(chunk: "IDAT", offset: 84, needed: 49, available: 26)),
        ("bad_signature.png", .badSignature(found: [0x89, 0x50, 0x4E, 0x47, 0x0A, 0x1A, 0x0A, 0x00])),
        ("huge_dimensions.png", .badDimensions(width: 65536, height: 65536, limit: 1 << 28)),
        ("bad_filter.png", .badFilter(row: 1, type: 5)),
        ("palette_index_out_of_range.png", .paletteIndexOutOfRange(index: 5, paletteSize: 5, x: 1, y: 0)),
        ("unknown_critical.png", .unknownCriticalChunk("CRIT")),
        ("interlaced.png", .unsupportedInterlace),
        ("depth16.png", .unsupportedBitDepth(16, colorType: 0)),
        ("short_data.png", .imageDataSizeMismatch(expected: 30, found: 24)),
        ("missing_idat.png", .missingChunk("IDAT")),
        ("missing_iend.png", .missingChunk("IEND")),
    ]

    @Test("each corrupt fixture throws its exact error, naming the file", arguments: corrupt)
    func corruptFixture(_ name: String, _ kind: PNGError.Kind) throws {
        let url = Fixtures.url(name)
        #expect(throws: PNGError(kind, file: url.path)) { try PNG.readGrey(url) }
        #expect(throws: PNGError(kind, file: url.path)) { try PNG.readColor(url) }
        #expect(throws: PNGError(kind)) { try PNG.decodeGrey(Fixtures.bytes(name)) }
    }

    @Test func messagesNameTheFileTheChunkAndTheValues() throws {
        let url = Fixtures.url("bad_crc.png")
        let error = #expect(throws: PNGError.self) { try PNG.readGrey(url) }
        let message = try #require(error?.localizedDescription)
        #expect(message == "\(url.path): bad CRC in chunk IDAT: stored 0x6F711EB9, computed 0x6F711E46; the file is corrupt")

        let signature = #expect(throws: PNGError.self) { try PNG.readGrey(Fixtures.url("bad_signature.png")) }
        #expect(signature?.localizedDescription.contains("line endings were converted") == true)
        let huge = #expect(throws: PNGError.self) { try PNG.readGrey(Fixtures.url("huge_dimensions.png")) }
        #expect(huge?.localizedDescription.contains("65536x65536 is 4294967296 pixels, more than the 268435456 accepted") == true)
        let depth = #expect(throws: PNGError.self) { try PNG.readGrey(Fixtures.url("depth16.png")) }
        #expect(depth?.localizedDescription.contains("only bit depth 8 is read") == true)
    }

    @Test func aMissingFileIsUnreadableAndNamed() {
        let url = Fixtures.url("no_such_file.png")
        #expect(throws: PNGError(.unreadable(reason: "no such file"), file: url.path)) { try PNG.readGrey(url) }
    }
}
