// PNG decoding to a grey or colour image: non-interlaced, bit depth 8, every colour type. Chunk
// parsing is in PNGChunks.swift, filters in PNGFilters.swift, encoding in PNGEncoder.swift.

import Foundation
import PerceptronIO

/// The PNG codec (ISO/IEC 15948): 8-bit grey, RGB and RGBA out; non-interlaced 8-bit files of
/// every colour type in.
///
/// Decoding never trusts the file: every chunk length is checked against the bytes present,
/// every CRC is verified, the image size is checked against `maxPixels` before any pixel memory
/// is taken, and the compressed data is inflated with a limit of exactly the size the header
/// implies. Any defect throws a `PNGError` naming it.
public enum PNG {
    /// The largest image decoded by default, 2^28 pixels (16384 x 16384): a 1 GiB RGBA buffer.
    /// Larger sizes in an IHDR are far more likely corruption or a decompression bomb than a
    /// real picture; pass a larger `maxPixels` to read one anyway.
    public static let defaultMaxPixels = 1 << 28

    /// Decodes PNG bytes to a grey image.
    ///
    /// Colour becomes grey by `ColorImage.luma(red:green:blue:)`, `(9797 R + 19234 G + 3737 B) >> 15`,
    /// which reproduces `cv2.imread(path, cv2.IMREAD_GRAYSCALE)` exactly; palette entries are
    /// looked up first. Alpha (colour types 4 and 6, or tRNS) is then handled by `alpha`.
    ///
    /// - Parameters:
    ///   - bytes: a whole PNG file.
    ///   - alpha: `.ignore` by default, as OpenCV does; `.compositeOverWhite` for dark strokes
    ///     drawn on a transparent canvas.
    ///   - maxPixels: the largest `width * height` accepted, `defaultMaxPixels` by default.
    /// - Returns: a `width x height` image.
    /// - Throws: `PNGError` for any defect in the data or an unsupported feature.
    public static func decodeGrey(
        _ bytes: [UInt8], alpha: AlphaHandling = .ignore, maxPixels: Int = defaultMaxPixels
    ) throws(PNGError) -> GreyImage<UInt8> {
        do throws(PNGError.Kind) {
            let (chunks, samples) = try decodeSamples(bytes, maxPixels: maxPixels)
            var pixels = [UInt8](repeating: 0, count: chunks.header.width * chunks.header.height)
            try forEachPixel(chunks, samples) { i, r, g, b, a in
                pixels[i] = alpha.apply(grey: ColorImage.luma(red: r, green: g, blue: b), alpha: a)
            }
            return GreyImage(width: chunks.header.width, height: chunks.header.height, pixels: pixels)
        } catch {
            throw PNGError(error)
        }
    }

    /// Decodes PNG bytes to a colour image: RGBA (4 channels) when the file has alpha (colour
    /// types 4 and 6, or a tRNS chunk), RGB otherwise. Grey samples are copied to R, G and B;
    /// palette indices are looked up, with tRNS giving their alpha (255 past its end).
    ///
    /// - Parameters:
    ///   - bytes: a whole PNG file.
    ///   - maxPixels: the largest `width * height` accepted, `defaultMaxPixels` by default.
    /// - Throws: `PNGError` for any defect in the data or an unsupported feature.
    public static func decodeColor(_ bytes: [UInt8], maxPixels: Int = defaultMaxPixels) throws(PNGError) -> ColorImage {
        do throws(PNGError.Kind) {
            let (chunks, samples) = try decodeSamples(bytes, maxPixels: maxPixels)
            let header = chunks.header
            let channels = header.colorType == 4 || header.colorType == 6 || chunks.transparency != nil ? 4 : 3
            var output = [UInt8](repeating: 0, count: header.width * header.height * channels)
            try forEachPixel(chunks, samples) { i, r, g, b, a in
                let p = i * channels
                output[p] = r
                output[p + 1] = g
                output[p + 2] = b
                if channels == 4 { output[p + 3] = a }
            }
            return ColorImage(width: header.width, height: header.height, channels: channels, bytes: output)
        } catch {
            throw PNGError(error)
        }
    }

    /// Reads a PNG file into a grey image; see `decodeGrey(_:alpha:maxPixels:)`.
    ///
    /// - Throws: `PNGError` whose `file` is the path, for a missing or unreadable file as for bad data.
    public static func readGrey(
        _ url: URL, alpha: AlphaHandling = .ignore, maxPixels: Int = defaultMaxPixels
    ) throws(PNGError) -> GreyImage<UInt8> {
        try PNGError.decodingFile(url) { bytes throws(PNGError) in try decodeGrey(bytes, alpha: alpha, maxPixels: maxPixels) }
    }

    /// Reads a PNG file into a colour image; see `decodeColor(_:maxPixels:)`.
    ///
    /// - Throws: `PNGError` whose `file` is the path, for a missing or unreadable file as for bad data.
    public static func readColor(_ url: URL, maxPixels: Int = defaultMaxPixels) throws(PNGError) -> ColorImage {
        try PNGError.decodingFile(url) { bytes throws(PNGError) in try decodeColor(bytes, maxPixels: maxPixels) }
    }

    /// The chunks and the unfiltered samples, `height * width * channels` bytes.
    static func decodeSamples(_ bytes: [UInt8], maxPixels: Int) throws(PNGError.Kind) -> (PNGChunks, [UInt8]) {
        let chunks = try readChunks(bytes, maxPixels: maxPixels)
        let header = chunks.header
        let expected = header.rawSize
        let raw: [UInt8]
        do {
            raw = try Zlib.inflate(chunks.imageData, format: .zlib, limit: expected, expectedSize: expected)
        } catch let error as CompressionError {
            if error.kind == .limitExceeded { throw .imageDataSizeMismatch(expected: expected, found: nil) }
            throw .corruptImageData(reason: error.message)
        } catch {
            throw .corruptImageData(reason: "\(error)")
        }
        guard raw.count == expected else { throw .imageDataSizeMismatch(expected: expected, found: raw.count) }
        let samples = try unfilterRows(raw, rowBytes: header.rowBytes, height: header.height,
                                       bytesPerPixel: header.channels)
        return (chunks, samples)
    }

    /// Calls `body(index, red, green, blue, alpha)` for every pixel in row-major order, alpha
    /// being 255 where the file has none.
    ///
    /// - Throws: `.paletteIndexOutOfRange` for an index past the palette's end.
    private static func forEachPixel(
        _ chunks: PNGChunks, _ samples: [UInt8], _ body: (Int, UInt8, UInt8, UInt8, UInt8) -> Void
    ) throws(PNGError.Kind) {
        let header = chunks.header
        let count = header.width * header.height
        // Types 0 and 2: tRNS holds 16-bit samples (length checked in readChunks); a pixel equal
        // to them is transparent.
        let key = chunks.transparency.flatMap { t in
            header.colorType == 0 || header.colorType == 2
                ? stride(from: 0, to: t.count - 1, by: 2).map { Int(t[$0]) << 8 | Int(t[$0 + 1]) } : nil
        }
        switch header.colorType {
        case 0:
            for i in 0..<count {
                let v = samples[i]
                body(i, v, v, v, key?[0] == Int(v) ? 0 : 255)
            }
        case 2:
            for i in 0..<count {
                let r = samples[3 * i], g = samples[3 * i + 1], b = samples[3 * i + 2]
                let clear = key.map { $0 == [Int(r), Int(g), Int(b)] } ?? false
                body(i, r, g, b, clear ? 0 : 255)
            }
        case 3:
            let entries = chunks.palette.count / 3
            let alphas = chunks.transparency ?? []
            for i in 0..<count {
                let index = Int(samples[i])
                guard index < entries else {
                    throw .paletteIndexOutOfRange(index: index, paletteSize: entries, x: i % header.width, y: i / header.width)
                }
                let p = 3 * index
                body(i, chunks.palette[p], chunks.palette[p + 1], chunks.palette[p + 2],
                     index < alphas.count ? alphas[index] : 255)
            }
        case 4:
            for i in 0..<count {
                let v = samples[2 * i]
                body(i, v, v, v, samples[2 * i + 1])
            }
        default:
            for i in 0..<count {
                body(i, samples[4 * i], samples[4 * i + 1], samples[4 * i + 2], samples[4 * i + 3])
            }
        }
    }
}
