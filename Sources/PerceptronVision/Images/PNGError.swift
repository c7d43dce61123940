// The problems PNG decoding reports, thrown as `PNGError` (a `FileFormatError`): one case per way a
// file can be wrong or unsupported, each message naming what was expected and what was found.
// Encoding throws only FileIO's errors.

import Foundation
import PerceptronIO

/// A PNG file or byte buffer that cannot be decoded: `kind` says what is wrong, `file` is the
/// path when the bytes came from a file, so the message reads `digits.png: bad CRC in chunk IDAT ...`
/// (see `FileFormatError`).
public typealias PNGError = FileFormatError<PNGErrorKind>

/// What is wrong with PNG data, `PNGError.Kind`.
public enum PNGErrorKind: FileFormatProblem {
    /// The first 8 bytes are not the PNG signature `89 50 4E 47 0D 0A 1A 0A`; `found` holds
    /// the bytes present (fewer than 8 for a short file).
    case badSignature(found: [UInt8])
    /// A chunk runs past the end of the data: from `offset` it needs `needed` bytes
    /// (length, type, data and CRC) but only `available` remain. `chunk` is nil when even
    /// the 8-byte length and type do not fit.
    case truncated(chunk: String?, offset: Int, needed: Int, available: Int)
    /// The CRC stored after a chunk differs from the CRC of its type and data.
    case badCRC(chunk: String, stored: UInt32, computed: UInt32)
    /// A chunk type that is not four ASCII letters: the data is not a chunk stream.
    case badChunkType(found: [UInt8], offset: Int)
    /// A chunk whose length is not allowed; `expected` says what is.
    case badChunkLength(chunk: String, length: Int, expected: String)
    /// A required chunk is absent: IHDR (first), IDAT, IEND, or PLTE for colour type 3.
    case missingChunk(String)
    /// A chunk in a place the specification forbids; `rule` is the rule it breaks.
    case misplacedChunk(String, rule: String)
    /// A critical chunk (upper-case first letter) this decoder does not know; skipping it
    /// could misread the image, so the specification requires rejecting the file.
    case unknownCriticalChunk(String)
    /// An IHDR field outside the values the specification defines.
    case invalidHeader(field: String, value: Int, allowed: String)
    /// A bit depth other than 8 (valid PNG depths are 1, 2, 4, 8 and 16).
    case unsupportedBitDepth(Int, colorType: Int)
    /// Adam7 interlacing (IHDR interlace method 1); only non-interlaced files are read.
    case unsupportedInterlace
    /// Width or height 0, over PNG's 2^31 - 1, or `width * height` over `limit` pixels;
    /// checked before any pixel memory is taken or any data is inflated.
    case badDimensions(width: Int, height: Int, limit: Int)
    /// The zlib stream in the IDAT chunks is corrupt; `reason` is zlib's diagnosis.
    case corruptImageData(reason: String)
    /// The IDAT data inflates to a size other than `height * (1 + width * channels)`;
    /// `found` is nil when it inflates to more (inflation stops at the expected size).
    case imageDataSizeMismatch(expected: Int, found: Int?)
    /// A row whose filter type byte is not 0 (None), 1 (Sub), 2 (Up), 3 (Average) or 4 (Paeth).
    case badFilter(row: Int, type: UInt8)
    /// A palette index with no palette entry.
    case paletteIndexOutOfRange(index: Int, paletteSize: Int, x: Int, y: Int)
    /// The file could not be read at all (missing, a folder, no permission).
    case unreadable(reason: String)

    /// Messages name bytes in memory `PNG data`.
    public static let dataName = "PNG data"
}

extension PNGErrorKind {
    /// The problem in words: what was expected, what was found and, where useful, a hint.
    public var message: String {
        switch self {
        case .badSignature(let found):
            return "not a PNG file: expected the signature 89 50 4E 47 0D 0A 1A 0A, found \(hex(found))"
                + signatureHint(found)
        case .truncated(let chunk, let offset, let needed, let available):
            let what = chunk.map { "chunk \($0)" } ?? "the next chunk header"
            return "\(what) at byte \(offset) needs \(needed) bytes but only \(available) remain; "
                + "the file is truncated (an interrupted download or copy?)"
        case .badCRC(let chunk, let stored, let computed):
            return "bad CRC in chunk \(chunk): stored \(hex32(stored)), computed \(hex32(computed)); the file is corrupt"
        case .badChunkType(let found, let offset):
            return "expected a chunk type of four ASCII letters at byte \(offset), found \(hex(found)); the file is corrupt"
        case .badChunkLength(let chunk, let length, let expected):
            return "chunk \(chunk) has length \(length), expected \(expected)"
        case .missingChunk(let chunk):
            switch chunk {
            case "IHDR": return "expected IHDR as the first chunk, it is missing"
            case "PLTE": return "colour type 3 (palette) needs a PLTE chunk before IDAT, none was found"
            default: return "no \(chunk) chunk was found; the file is truncated or was not written completely"
            }
        case .misplacedChunk(let chunk, let rule):
            return "chunk \(chunk) is out of place: \(rule)"
        case .unknownCriticalChunk(let chunk):
            return "unknown critical chunk \(chunk): this decoder knows IHDR, PLTE, IDAT and IEND "
                + "and may not skip a critical chunk it does not understand"
        case .invalidHeader(let field, let value, let allowed):
            return "IHDR \(field) is \(value), expected \(allowed)"
        case .unsupportedBitDepth(let depth, let colorType):
            return "bit depth \(depth) with colour type \(colorType) is not supported: only bit depth 8 is read "
                + "(re-save the image with 8 bits per channel)"
        case .unsupportedInterlace:
            return "Adam7-interlaced images are not supported: only non-interlaced PNG (interlace method 0) "
                + "is read (re-save the image without interlacing)"
        case .badDimensions(let width, let height, let limit):
            if width < 1 || height < 1 {
                return "image size \(width)x\(height) is empty: width and height must be at least 1"
            }
            if width > Int(Int32.max) || height > Int(Int32.max) {
                return "image size \(width)x\(height) exceeds PNG's largest side of 2^31 - 1"
            }
            return "image size \(width)x\(height) is \(width * height) pixels, more than the \(limit) accepted "
                + "(pass a larger maxPixels if the file is genuine)"
        case .corruptImageData(let reason):
            return "the image data (IDAT) is corrupt: \(reason)"
        case .imageDataSizeMismatch(let expected, let found):
            let got = found.map { "\($0)" } ?? "more"
            return "the image data inflates to \(got) bytes, expected \(expected) (height x (1 filter byte + row bytes))"
        case .badFilter(let row, let type):
            return "row \(row) has filter type \(type), expected 0 (None), 1 (Sub), 2 (Up), 3 (Average) or 4 (Paeth)"
        case .paletteIndexOutOfRange(let index, let paletteSize, let x, let y):
            return "pixel (\(x), \(y)) has palette index \(index), but the palette has \(paletteSize) entries "
                + "(expected 0...\(paletteSize - 1))"
        case .unreadable(let reason):
            return reason
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    bytes.isEmpty ? "no bytes" : bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
}

private func hex32(_ value: UInt32) -> String { String(format: "0x%08X", value) }

/// Names what a wrong signature most likely is.
private func signatureHint(_ found: [UInt8]) -> String {
    if found.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0A]) || found.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0D]) {
        return " (its line endings were converted: copy it in binary mode)"
    }
    if found.starts(with: [0xFF, 0xD8]) { return " (this is a JPEG file)" }
    if found.starts(with: Array("GIF8".utf8)) { return " (this is a GIF file)" }
    if found.count >= 2, found[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(found[1]) {
        return " (this is a Netpbm file: read P2/P5 with PGM)"
    }
    return ""
}
