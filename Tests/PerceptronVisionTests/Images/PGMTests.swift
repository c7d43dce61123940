// PGM: P5 round trip, P2 with comments, 16-bit and odd maxvals scaled to 0...255, and every
// corrupt header or raster throwing its exact PGMError.

import Foundation
import Testing
@testable import PerceptronVision

struct PGMTests {
    @Test func p5RoundTrip() throws {
        var random = SplitMix64(state: 7)
        for (width, height) in [(1, 1), (7, 3), (28, 28)] {
            let image = GreyImage(width: width, height: height, pixels: random.bytes(width * height))
            #expect(try PGM.decode(PGM.encode(image)) == image)
        }
        let small = GreyImage<UInt8>(width: 3, height: 2, pixels: [0, 1, 2, 253, 254, 255])
        #expect(PGM.encode(small) == Array("P5\n3 2\n255\n".utf8) + [0, 1, 2, 253, 254, 255])
    }

    @Test func p2WithCommentsEverywhere() throws {
        let text = """
            P2
            # written by hand
            3 2 # width height
            # maxval next
            15
            0 5 10
            15 # a comment inside the raster
            7\t1
            """
        // (v * 255 + 7) / 15: 0, 85, 170, 255, 119, 17
        #expect(try PGM.decode(Array(text.utf8)) == GreyImage(width: 3, height: 2, pixels: [0, 85, 170, 255, 119, 17]))
        #expect(try PGM.decode(Array("P2 2 1 255 0 255".utf8)).pixels == [0, 255])
    }

    @Test func p5SixteenBitAndOddMaxvalsAreScaled() throws {
        let wide = Array("P5\n4 1\n65535\n".utf8) + [0x00, 0x00, 0x01, 0x01, 0xFF, 0xFF, 0x80, 0x00]
        // 0, 257, 65535, 32768 -> (v * 255 + 32767) / 65535
        #expect(try PGM.decode(wide).pixels == [0, 1, 255, 128])
        let thousand = Array("P5 3 1 1000\n".utf8) + [0x00, 0x00, 0x01, 0xF4, 0x03, 0xE8]
        #expect(try PGM.decode(thousand).pixels == [0, 128, 255])  // 0, 500, 1000
        let one = Array("P5 2 1 1 ".utf8) + [0, 1]
        #expect(try PGM.decode(one).pixels == [0, 255])
    }

    @Test func theRasterStartsAfterExactlyOneWhitespaceByte() throws {
        // Samples 10 and 9 are newline and tab: they are pixels, not separators.
        #expect(try PGM.decode(Array("P5\n2 1\n255\n".utf8) + [10, 9]).pixels == [10, 9])
        // A comment after maxval ends with the single separator.
        #expect(try PGM.decode(Array("P5 2 1 255# made by a scanner\n".utf8) + [32, 13]).pixels == [32, 13])
        // Bytes after the first image are ignored.
        #expect(try PGM.decode(Array("P5 1 1 255\n".utf8) + [77, 1, 2, 3]).pixels == [77])
    }

    static let corrupt: [(String, [UInt8], PGMError.Kind)] = [
        ("empty", [], .badMagic(found: [])),
        ("PPM", Array("P6\n1 1\n255\n".utf8), .badMagic(found: Array("P6".utf8))),
        ("PNG", [0x89, 0x50, 0x4E, 0x47], .badMagic(found: [0x89, 0x50])),
        ("letters for width", Array("P5\nabc 2\n255\n".utf8), .badHeader(field: "width", found: "\"abc\"")),
        ("no height", Array("P2 3".utf8), .badHeader(field: "height", found: "the end of the file")),
        ("huge number", Array("P5 99999999999999999999 1 255\n".utf8),
         .badHeader(field: "width", found: "\"99999999999999999999\"")),
        ("zero width", Array("P5 0 2 255\n".utf8), .badDimensions(width: 0, height: 2, limit: 1 << 28)),
        ("too many pixels", Array("P5 100000 100000 255\n".utf8), .badDimensions(width: 100000, height: 100000, limit: 1 << 28)),
        ("maxval 0", Array("P5 1 1 0\n\u{0}".utf8), .badMaxval(0)),
        ("maxval 70000", Array("P5 1 1 70000\n".utf8), .badMaxval(70000)),
        ("short P5", Array("P5 3 2 255\n".utf8) + [1, 2, 3, 4], .truncated(expected: 6, found: 4, unit: "bytes")),
        ("short 16-bit P5", Array("P5 2 1 1000\n".utf8) + [0, 1, 0], .truncated(expected: 4, found: 3, unit: "bytes")),
        ("no raster", Array("P5 2 1 255".utf8), .truncated(expected: 2, found: 0, unit: "bytes")),
        ("short P2", Array("P2 2 2 255 1 2 3".utf8), .truncated(expected: 4, found: 3, unit: "numbers")),
        ("bad P2 sample", Array("P2 2 1 255 1 2x".utf8), .badSample(index: 1, found: "2x")),
        ("P2 over maxval", Array("P2 2 1 255 1 300".utf8), .sampleOutOfRange(index: 1, value: 300, maxval: 255)),
        ("P5 over maxval", Array("P5 1 1 1000\n".utf8) + [0x03, 0xE9], .sampleOutOfRange(index: 0, value: 1001, maxval: 1000)),
    ]

    @Test("corrupt PGM throws its exact error", arguments: corrupt)
    func corruptThrows(_ name: String, _ bytes: [UInt8], _ kind: PGMError.Kind) {
        #expect(throws: PGMError(kind)) { try PGM.decode(bytes) }
    }

    @Test func limitsAndFilesAreNamed() throws {
        #expect(throws: PGMError(.badDimensions(width: 3, height: 2, limit: 5))) {
            try PGM.decode(Array("P5 3 2 255\n".utf8) + [1, 2, 3, 4, 5, 6], maxPixels: 5)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = GreyImage<UInt8>(width: 2, height: 2, pixels: [9, 8, 7, 6])
        let url = folder.appendingPathComponent("digit.pgm")
        try PGM.write(image, to: url)
        #expect(try PGM.read(url) == image)
        let missing = folder.appendingPathComponent("none.pgm")
        #expect(throws: PGMError(.unreadable(reason: "no such file"), file: missing.path)) { try PGM.read(missing) }
        let bad = folder.appendingPathComponent("bad.pgm")
        try Data("P5 2 2 255\n\u{1}".utf8).write(to: bad)
        let error = #expect(throws: PGMError.self) { try PGM.read(bad) }
        #expect(error?.localizedDescription
                == "\(bad.path): the image needs 4 bytes of samples but the file holds 1; the file is truncated")
    }

    @Test func liftingTheLimitStillChecksTheBytesBeforeAllocating() {
        #expect(throws: PGMError(.truncated(expected: 1_000_000_000_000_000_000, found: 4, unit: "bytes"))) {
            try PGM.decode(Array("P5 1000000000 1000000000 255\n".utf8) + [1, 2, 3, 4], maxPixels: .max)
        }
        #expect(throws: PGMError(.truncated(expected: 1_000_000_000_000, found: 3, unit: "numbers"))) {
            try PGM.decode(Array("P2 1000000 1000000 255\n1 2 # c\n3".utf8), maxPixels: .max)
        }
    }

    @Test func everyPrefixDecodesOrThrows() {
        // The P2 file ends with its last digit, so that every shorter prefix lacks a sample.
        let files = [Array("P2\n# c\n3 2\n255\n0 1 2\n3 4 5".utf8), Array("P5 2 2 65535\n".utf8) + [0, 1, 2, 3, 4, 5, 6, 7]]
        for file in files {
            for length in 0..<file.count {
                #expect(throws: PGMError.self, "prefix of \(length)") { try PGM.decode(Array(file.prefix(length))) }
            }
            #expect(throws: Never.self) { try PGM.decode(file) }
        }
    }
}
