// Decoding hostile PNG data: every truncation, every single-byte corruption and garbage must throw
// a PNGError, never crash; and the rules on chunk order, lengths and sizes, built byte by byte.

import Foundation
import Testing
@testable import PerceptronVision

/// A PNG assembled from chunks, each given its correct CRC.
private func png(_ chunks: [(String, [UInt8])]) -> [UInt8] {
    var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    for (type, data) in chunks {
        let body = Array(type.utf8) + data
        bytes += withUnsafeBytes(of: UInt32(data.count).bigEndian, Array.init) + body
        bytes += withUnsafeBytes(of: referenceCRC32(body).bigEndian, Array.init)
    }
    return bytes
}

private func header(width: UInt32, height: UInt32, depth: UInt8 = 8, colorType: UInt8) -> (String, [UInt8]) {
    ("IHDR", withUnsafeBytes(of: width.bigEndian, Array.init) + withUnsafeBytes(of: height.bigEndian, Array.init)
        + [depth, colorType, 0, 0, 0])
}

struct PNGRobustnessTests {
    /// A 4x2 grey image's chunks, from the encoder, to recombine.
    static let sample = GreyImage<UInt8>(width: 4, height: 2, pixels: [0, 10, 20, 30, 40, 50, 60, 70])
    static let idat = ("IDAT", rawChunks(PNG.encode(sample))![1].data)
    static let ihdr = header(width: 4, height: 2, colorType: 0)
    static let iend = ("IEND", [UInt8]())

    @Test func theAssemblerBuildsAValidFile() throws {
        #expect(try PNG.decodeGrey(png([Self.ihdr, Self.idat, Self.iend])) == Self.sample)
    }

    @Test func everyTruncationThrows() {
        let bytes = PNG.encode(PNGRoundTripTests.colorImage(5, 4, channels: 4, seed: 3))
        for length in 0..<bytes.count {
            #expect(throws: PNGError.self, "prefix of \(length) bytes") { try PNG.decodeColor(Array(bytes.prefix(length))) }
        }
    }

    @Test func everySingleByteCorruptionThrows() {
        // The signature and the CRCs cover every byte, so any change is caught.
        let bytes = PNG.encode(PNGRoundTripTests.colorImage(6, 5, channels: 3, seed: 4))
        var random = SplitMix64(state: 11)
        for offset in 0..<bytes.count {
            var corrupt = bytes
            corrupt[offset] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            #expect(throws: PNGError.self, "byte \(offset) changed") { try PNG.decodeGrey(corrupt) }
        }
    }

    @Test func garbageAfterTheSignatureThrows() {
        var random = SplitMix64(state: 12)
        for length in [0, 1, 7, 8, 12, 13, 25, 100, 1000] {
            let garbage = Array(png([]) + random.bytes(length))
            #expect(throws: PNGError.self) { try PNG.decodeGrey(garbage) }
        }
    }

    @Test func sizesAreCheckedBeforeAnythingIsInflated() throws {
        let bytes = png([Self.ihdr, Self.idat, Self.iend])
        #expect(throws: PNGError(.badDimensions(width: 4, height: 2, limit: 7))) { try PNG.decodeGrey(bytes, maxPixels: 7) }
        #expect(try PNG.decodeGrey(bytes, maxPixels: 8) == Self.sample)
        for (width, height) in [(0, 2), (4, 0), (0x8000_0000, 1)] as [(UInt32, UInt32)] {
            let sized = png([header(width: width, height: height, colorType: 0), Self.idat, Self.iend])
            #expect(throws: PNGError(.badDimensions(width: Int(width), height: Int(height), limit: 1 << 28))) {
                try PNG.decodeGrey(sized)
            }
        }
    }

    @Test func liftingTheLimitStillNeverTrustsTheHeader() {
        // A million by a million claimed, ten bytes present: refused after inflating those ten.
        let claimed = png([header(width: 1_000_000, height: 1_000_000, colorType: 0), Self.idat, Self.iend])
        #expect(throws: PNGError(.imageDataSizeMismatch(expected: 1_000_000 * 1_000_001, found: 10))) {
            try PNG.decodeGrey(claimed, maxPixels: .max)
        }
        // PNG's largest sides would overflow the raw size of an RGBA image.
        let largest = png([header(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF, colorType: 6), Self.idat, Self.iend])
        #expect(throws: PNGError(.badDimensions(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF, limit: .max))) {
            try PNG.decodeColor(largest, maxPixels: .max)
        }
    }

    @Test func inflatingPastTheExpectedSizeStopsThere() throws {
        // The 4x2 image's data declared as 4x1: 5 bytes expected, 10 present.
        let tooMuch = png([header(width: 4, height: 1, colorType: 0), Self.idat, Self.iend])
        #expect(throws: PNGError(.imageDataSizeMismatch(expected: 5, found: nil))) { try PNG.decodeGrey(tooMuch) }
        let tooLittle = png([header(width: 4, height: 3, colorType: 0), Self.idat, Self.iend])
        #expect(throws: PNGError(.imageDataSizeMismatch(expected: 15, found: 10))) { try PNG.decodeGrey(tooLittle) }
        let notZlib = png([Self.ihdr, ("IDAT", [1, 2, 3, 4]), Self.iend])
        let error = #expect(throws: PNGError.self) { try PNG.decodeGrey(notZlib) }
        guard case .corruptImageData = error?.kind else { Issue.record("expected corruptImageData, got \(String(describing: error))"); return }
    }

    @Test func chunkOrderIsEnforced() {
        let text = ("tEXt", Array("k\u{0}v".utf8))
        let cases: [([(String, [UInt8])], PNGError.Kind)] = [
            ([text, Self.ihdr, Self.idat, Self.iend], .missingChunk("IHDR")),
            ([Self.ihdr, Self.ihdr, Self.idat, Self.iend], .misplacedChunk("IHDR", rule: "it must appear once, first")),
            ([Self.ihdr, Self.iend], .missingChunk("IDAT")),
            ([Self.ihdr, Self.idat], .missingChunk("IEND")),
            ([Self.ihdr, ("IDAT", []), text, Self.idat, Self.iend],
             .misplacedChunk("IDAT", rule: "IDAT chunks must be consecutive")),
            ([header(width: 4, height: 2, colorType: 3), Self.idat, Self.iend], .missingChunk("PLTE")),
            ([header(width: 4, height: 2, colorType: 3), ("tRNS", [0]), ("PLTE", [0, 0, 0]), Self.idat, Self.iend],
             .misplacedChunk("tRNS", rule: "with a palette it must follow PLTE")),
            ([header(width: 4, height: 2, colorType: 3), ("PLTE", [0, 0, 0]), Self.idat, ("PLTE", [0, 0, 0]), Self.iend],
             .misplacedChunk("PLTE", rule: "it must come before IDAT")),
        ]
        for (chunks, kind) in cases {
            #expect(throws: PNGError(kind)) { try PNG.decodeGrey(png(chunks)) }
        }
    }

    @Test func headerAndChunkLengthsAreValidated() {
        let cases: [([(String, [UInt8])], PNGError.Kind)] = [
            ([header(width: 4, height: 2, colorType: 5), Self.idat, Self.iend],
             .invalidHeader(field: "colour type", value: 5, allowed: "0, 2, 3, 4 or 6")),
            ([header(width: 4, height: 2, depth: 3, colorType: 0), Self.idat, Self.iend],
             .invalidHeader(field: "bit depth", value: 3, allowed: "1, 2, 4, 8, 16 for colour type 0")),
            ([header(width: 4, height: 2, depth: 1, colorType: 3), Self.idat, Self.iend], .unsupportedBitDepth(1, colorType: 3)),
            ([("IHDR", [0, 0, 0, 4]), Self.idat, Self.iend], .badChunkLength(chunk: "IHDR", length: 4, expected: "13")),
            ([Self.ihdr, ("tRNS", [0]), Self.idat, Self.iend],
             .badChunkLength(chunk: "tRNS", length: 1, expected: "2 for colour type 0")),
            ([header(width: 4, height: 2, colorType: 3), ("PLTE", [0, 0]), Self.idat, Self.iend],
             .badChunkLength(chunk: "PLTE", length: 2, expected: "a multiple of 3 from 3 to 768 (1 to 256 entries)")),
            ([header(width: 4, height: 2, colorType: 3), ("PLTE", [0, 0, 0]), ("tRNS", [1, 2]), Self.idat, Self.iend],
             .badChunkLength(chunk: "tRNS", length: 2, expected: "at most 1, one alpha per palette entry")),
            ([Self.ihdr, ("ID4T", [1]), Self.idat, Self.iend], .badChunkType(found: Array("ID4T".utf8), offset: 37)),
        ]
        for (chunks, kind) in cases {
            #expect(throws: PNGError(kind)) { try PNG.decodeGrey(png(chunks)) }
        }
    }

    @Test func ancillaryChunksAreSkippedAndGreyTransparencyIsHonoured() throws {
        let bytes = png([Self.ihdr, ("gAMA", [0, 0, 0xB1, 0x8F]), ("tRNS", [0, 20]), Self.idat, ("zzZz", [9]), Self.iend])
        #expect(try PNG.decodeGrey(bytes) == Self.sample)
        // The grey key 20 is transparent: white over white, and alpha 0 in colour.
        #expect(try PNG.decodeGrey(bytes, alpha: .compositeOverWhite).pixels == [0, 10, 255, 30, 40, 50, 60, 70])
        let color = try PNG.decodeColor(bytes)
        #expect(color.channels == 4 && color.bytes[8..<12] == [20, 20, 20, 0] && color.bytes[3] == 255)
    }

    @Test func wellFramedButInconsistentFilesNeverCrash() throws {
        // Valid CRCs and zlib, random everything else: colour type, size, palette and tRNS
        // lengths, filter bytes and samples. Every file must decode or throw PNGError, the same
        // way for grey and colour.
        var random = SplitMix64(state: 2024)
        var decoded = 0
        for _ in 0..<400 {
            let colorType = [0, 2, 3, 4, 6][Int(random.next() % 5)]
            let width = Int(random.next() % 5) + 1, height = Int(random.next() % 4) + 1
            let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]!
            var raw = random.bytes(height * (1 + width * channels) + Int(random.next() % 3) - 1)
            for row in 0..<height where row * (1 + width * channels) < raw.count {
                raw[row * (1 + width * channels)] = UInt8(random.next() % 6)
            }
            // The encoder, filtering nothing, turns a one-row image into zlib([0] + pixels).
            let stream = rawChunks(PNG.encode(GreyImage(width: max(raw.count - 1, 1), height: 1,
                                                        pixels: raw.count > 1 ? Array(raw.dropFirst()) : [0]),
                                              filtering: .none))![1].data
            var chunks = [header(width: UInt32(width), height: UInt32(height), colorType: UInt8(colorType))]
            if colorType == 3 || random.next() % 4 == 0 { chunks.append(("PLTE", random.bytes(3 * Int(random.next() % 6 + 1)))) }
            if random.next() % 2 == 0 { chunks.append(("tRNS", random.bytes(Int(random.next() % 8)))) }
            chunks += [("IDAT", stream), Self.iend]
            let bytes = png(chunks)
            let grey = Result { () throws(PNGError) in try PNG.decodeGrey(bytes, alpha: .compositeOverWhite) }
            let color = Result { () throws(PNGError) in try PNG.decodeColor(bytes) }
            switch (grey, color) {
            case (.success, .success): decoded += 1
            case (.failure(let a), .failure(let b)): #expect(a == b)
            default: Issue.record("grey and colour decoding disagree: \(grey) vs \(color)")
            }
        }
        #expect(decoded > 20, "the generator should also make some valid files, made \(decoded)")
    }
}
