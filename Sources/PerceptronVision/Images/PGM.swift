// The PGM codec (Netpbm grey): reading P5 (binary, maxval up to 65535) and P2 (ASCII) with
// comments, writing P5 with maxval 255. PBM, PPM and PAM are left out.

import Foundation
import PerceptronIO

/// The Netpbm PGM codec.
///
/// A header is the magic `P5` or `P2`, then width, height and maxval as decimal numbers,
/// separated by whitespace, with `#` comments to the end of a line anywhere before the raster.
/// P5 follows the maxval with exactly one whitespace byte, then `width * height` samples of
/// 1 byte (maxval < 256) or 2 bytes big-endian; P2 writes samples as decimal numbers (comments
/// are accepted between them too). Bytes after the first image are ignored.
public enum PGM {
    /// The largest image decoded by default, 2^28 pixels, as for PNG.
    public static let defaultMaxPixels = 1 << 28

    /// Decodes P5 or P2 bytes to an 8-bit grey image.
    ///
    /// Samples are scaled to 0...255 by `(v * 255 + maxval / 2) / maxval` in integers (rounding
    /// half up); maxval 255 leaves them unchanged, maxval 65535 maps 257 v to v.
    ///
    /// - Parameters:
    ///   - bytes: a whole PGM file, binary (`P5`) or plain (`P2`).
    ///   - maxPixels: the largest `width * height` accepted, checked before allocating.
    /// - Throws: `PGMError` for a bad magic, header, maxval or sample, or a truncated raster.
    public static func decode(_ bytes: [UInt8], maxPixels: Int = defaultMaxPixels) throws(PGMError) -> GreyImage<UInt8> {
        do throws(PGMError.Kind) {
            return try parse(bytes, maxPixels: maxPixels)
        } catch {
            throw PGMError(error)
        }
    }

    /// Reads a PGM file; see `decode(_:maxPixels:)`.
    ///
    /// - Throws: `PGMError` whose `file` is the path, for a missing or unreadable file as for bad data.
    public static func read(_ url: URL, maxPixels: Int = defaultMaxPixels) throws(PGMError) -> GreyImage<UInt8> {
        try PGMError.decodingFile(url) { bytes throws(PGMError) in try decode(bytes, maxPixels: maxPixels) }
    }

    /// Encodes a grey image as binary PGM: `P5\n<width> <height>\n255\n` and one byte per pixel.
    ///
    /// - Precondition: width and height are at least 1.
    public static func encode(_ image: GreyImage<UInt8>) -> [UInt8] {
        precondition(image.width >= 1 && image.height >= 1,
                     "PGM needs a width and height of at least 1, got \(image.width)x\(image.height)")
        return Array("P5\n\(image.width) \(image.height)\n255\n".utf8) + image.pixels
    }

    /// Writes a grey image as a P5 file atomically (a temporary file renamed over `url`).
    ///
    /// - Throws: `FileError` naming the file when it cannot be written.
    public static func write(_ image: GreyImage<UInt8>, to url: URL) throws {
        try FileIO.writeAtomically(encode(image), to: url)
    }

    private static func parse(_ bytes: [UInt8], maxPixels: Int) throws(PGMError.Kind) -> GreyImage<UInt8> {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
              bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "2")
        else { throw .badMagic(found: Array(bytes.prefix(2))) }
        let binary = bytes[1] == UInt8(ascii: "5")
        var scanner = Scanner(bytes: bytes, offset: 2)
        let width = try scanner.headerNumber("width")
        let height = try scanner.headerNumber("height")
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard width >= 1, height >= 1, !overflow, count <= maxPixels else {
            throw .badDimensions(width: width, height: height, limit: maxPixels)
        }
        let maxval = try scanner.headerNumber("maxval")
        guard (1...65535).contains(maxval) else { throw .badMaxval(maxval) }
        let scale: (Int) -> UInt8 = maxval == 255
            ? { UInt8($0) } : { UInt8(($0 * 255 + maxval / 2) / maxval) }

        // Pixel memory is taken only once the file is known to hold enough bytes for the samples.
        let sampleBytes = maxval < 256 ? 1 : 2
        if binary {
            scanner.skipRasterSeparator()
            let available = bytes.count - scanner.offset
            guard available / sampleBytes >= count else {
                throw .truncated(expected: count.multipliedReportingOverflow(by: sampleBytes).partialValue,
                                 found: available, unit: "bytes")
            }
        } else if bytes.count - scanner.offset < count {
            // Every P2 sample takes at least one byte.
            var counter = scanner
            var found = 0
            while true {
                counter.skipSpaceAndComments()
                if counter.token().isEmpty { break }
                found += 1
            }
            throw .truncated(expected: count, found: found, unit: "numbers")
        }
        var pixels = [UInt8](repeating: 0, count: count)
        if binary {
            for i in 0..<count {
                let p = scanner.offset + i * sampleBytes
                let value = sampleBytes == 1 ? Int(bytes[p]) : Int(bytes[p]) << 8 | Int(bytes[p + 1])
                guard value <= maxval else { throw .sampleOutOfRange(index: i, value: value, maxval: maxval) }
                pixels[i] = scale(value)
            }
        } else {
            for i in 0..<count {
                scanner.skipSpaceAndComments()
                let token = scanner.token()
                guard !token.isEmpty else { throw .truncated(expected: count, found: i, unit: "numbers") }
                guard let value = decimal(token) else {
                    throw .badSample(index: i, found: String(decoding: token.prefix(20), as: UTF8.self))
                }
                guard value <= maxval else { throw .sampleOutOfRange(index: i, value: value, maxval: maxval) }
                pixels[i] = scale(value)
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    /// The value of an all-digit token, saturated at 2^31 so that a long one stays out of range
    /// rather than overflowing; nil when the token has a non-digit.
    private static func decimal(_ token: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in token {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = min(value * 10 + Int(byte - UInt8(ascii: "0")), 1 << 31)
        }
        return value
    }

    /// A cursor over the header and P2 raster: whitespace, comments and decimal tokens.
    private struct Scanner {
        let bytes: [UInt8]
        var offset: Int

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || (0x09...0x0D).contains(byte)
        }

        mutating func skipSpaceAndComments() {
            while offset < bytes.count {
                if Self.isSpace(bytes[offset]) {
                    offset += 1
                } else if bytes[offset] == UInt8(ascii: "#") {
                    while offset < bytes.count && bytes[offset] != 0x0A && bytes[offset] != 0x0D { offset += 1 }
                } else {
                    return
                }
            }
        }

        /// The bytes up to the next whitespace or comment.
        mutating func token() -> ArraySlice<UInt8> {
            let start = offset
            while offset < bytes.count && !Self.isSpace(bytes[offset]) && bytes[offset] != UInt8(ascii: "#") {
                offset += 1
            }
            return bytes[start..<offset]
        }

        mutating func headerNumber(_ field: String) throws(PGMError.Kind) -> Int {
            skipSpaceAndComments()
            let text = token()
            guard !text.isEmpty else { throw .badHeader(field: field, found: "the end of the file") }
            guard let value = PGM.decimal(text), value < 1 << 31 else {
                throw .badHeader(field: field, found: "\"\(String(decoding: text.prefix(20), as: UTF8.self))\"")
            }
            return value
        }

        /// After maxval (whose token ends at whitespace, `#` or the end): one whitespace byte, or
        /// a comment and the newline ending it, before the raster. Never more, since a raster
        /// may start with a byte that looks like whitespace.
        mutating func skipRasterSeparator() {
            if offset < bytes.count && bytes[offset] == UInt8(ascii: "#") {
                while offset < bytes.count && bytes[offset] != 0x0A && bytes[offset] != 0x0D { offset += 1 }
            }
            if offset < bytes.count { offset += 1 }
        }
    }
}
