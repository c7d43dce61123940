// PNG encoding of 8-bit grey, RGB and RGBA images (signature, IHDR, IDAT in 1 MiB chunks, IEND)
// to bytes or atomically to a file. Palette, 16-bit and interlaced output are left out.

import Foundation
import PerceptronIO

extension PNG {
    /// Encodes a grey image as an 8-bit grey PNG (colour type 0).
    ///
    /// - Parameters:
    ///   - image: the image to encode.
    ///   - filtering: `.adaptive` by default (smallest files for most images); `.none` is faster.
    ///   - compressionLevel: zlib level 0...9; 6, zlib's own default, balances size and speed.
    /// - Returns: the bytes of a complete PNG file.
    /// - Precondition: width and height are 1...2^31 - 1 (PNG has no empty images).
    public static func encode(
        _ image: GreyImage<UInt8>, filtering: Filtering = .adaptive, compressionLevel: Int32 = 6
    ) -> [UInt8] {
        encode(samples: image.pixels, width: image.width, height: image.height, colorType: 0, channels: 1,
               filtering: filtering, compressionLevel: compressionLevel)
    }

    /// Encodes a colour image as an 8-bit RGB (colour type 2) or RGBA (colour type 6) PNG,
    /// following its `channels`.
    ///
    /// - Parameters:
    ///   - image: the image to encode.
    ///   - filtering: `.adaptive` by default (smallest files for most images); `.none` is faster.
    ///   - compressionLevel: zlib level 0...9; 6, zlib's own default, balances size and speed.
    /// - Returns: the bytes of a complete PNG file.
    /// - Precondition: width and height are 1...2^31 - 1 (PNG has no empty images).
    public static func encode(
        _ image: ColorImage, filtering: Filtering = .adaptive, compressionLevel: Int32 = 6
    ) -> [UInt8] {
        encode(samples: image.bytes, width: image.width, height: image.height,
               colorType: image.channels == 4 ? 6 : 2, channels: image.channels,
               filtering: filtering, compressionLevel: compressionLevel)
    }

    /// Writes a grey image as a PNG file atomically (a temporary file renamed over `url`), so an
    /// interrupted run never leaves half a file.
    ///
    /// - Throws: `FileError` naming the file when it cannot be written.
    public static func write(
        _ image: GreyImage<UInt8>, to url: URL, filtering: Filtering = .adaptive, compressionLevel: Int32 = 6
    ) throws {
        try FileIO.writeAtomically(encode(image, filtering: filtering, compressionLevel: compressionLevel), to: url)
    }

    /// Writes a colour image as a PNG file atomically (a temporary file renamed over `url`).
    ///
    /// - Throws: `FileError` naming the file when it cannot be written.
    public static func write(
        _ image: ColorImage, to url: URL, filtering: Filtering = .adaptive, compressionLevel: Int32 = 6
    ) throws {
        try FileIO.writeAtomically(encode(image, filtering: filtering, compressionLevel: compressionLevel), to: url)
    }

    /// The largest IDAT written: 1 MiB keeps every chunk far below PNG's 2^31 - 1 limit while
    /// adding only 12 bytes per MiB.
    static let idatChunkSize = 1 << 20

    // samples: [height * width * channels] -> PNG file bytes
    private static func encode(
        samples: [UInt8], width: Int, height: Int, colorType: UInt8, channels: Int,
        filtering: Filtering, compressionLevel: Int32
    ) -> [UInt8] {
        precondition(width >= 1 && height >= 1 && width <= Int(Int32.max) && height <= Int(Int32.max),
                     "PNG needs a width and height of 1...2^31 - 1, got \(width)x\(height)")
        precondition((0...9).contains(compressionLevel), "compressionLevel must be 0...9, got \(compressionLevel)")
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, colorType, 0, 0, 0]  // bit depth 8; deflate; adaptive filtering; no interlace
        let scanlines = filterRows(samples, rowBytes: width * channels, height: height,
                                   bytesPerPixel: channels, filtering: filtering)
        var file = signature
        appendChunk("IHDR", header, to: &file)
        let compressed = Zlib.deflate(scanlines, format: .zlib, level: compressionLevel)
        for start in stride(from: 0, to: compressed.count, by: idatChunkSize) {
            appendChunk("IDAT", Array(compressed[start..<min(start + idatChunkSize, compressed.count)]), to: &file)
        }
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// Appends length, type, data and the CRC-32 of type and data.
    private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        file += bigEndian(UInt32(data.count))
        file += typeBytes
        file += data
        file += bigEndian(Zlib.crc32(data, continuing: Zlib.crc32(typeBytes)))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
