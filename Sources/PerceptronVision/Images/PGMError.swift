// The problems PGM decoding reports, thrown as `PGMError` (a `FileFormatError`): one case per way a
// Netpbm grey file can be wrong, each message naming what was expected and what was found. Encoding
// throws only FileIO's errors.

import PerceptronIO

/// A PGM file or byte buffer that cannot be decoded: `kind` says what is wrong, `file` is the
/// path when the bytes came from a file (see `FileFormatError`).
public typealias PGMError = FileFormatError<PGMErrorKind>

/// What is wrong with PGM data, `PGMError.Kind`.
public enum PGMErrorKind: FileFormatProblem {
    /// The file does not start with `P2` (ASCII) or `P5` (binary); `found` holds its first bytes.
    case badMagic(found: [UInt8])
    /// A header field (`width`, `height` or `maxval`) is missing or not a decimal number;
    /// `found` is the text there, or "end of file".
    case badHeader(field: String, found: String)
    /// Width or height 0, or `width * height` over `limit` pixels; checked before any pixel
    /// memory is taken.
    case badDimensions(width: Int, height: Int, limit: Int)
    /// A maxval outside 1...65535.
    case badMaxval(Int)
    /// Fewer samples than `width * height` (in bytes for P5, in numbers for P2).
    case truncated(expected: Int, found: Int, unit: String)
    /// A P2 sample that is not a decimal number; `index` counts samples from 0.
    case badSample(index: Int, found: String)
    /// A sample larger than maxval; `index` counts samples from 0.
    case sampleOutOfRange(index: Int, value: Int, maxval: Int)
    /// The file could not be read at all (missing, a folder, no permission).
    case unreadable(reason: String)

    /// Messages name bytes in memory `PGM data`.
    public static let dataName = "PGM data"
}

extension PGMErrorKind {
    /// The problem in words: what was expected, what was found and, where useful, a hint.
    public var message: String {
        switch self {
        case .badMagic(let found):
            let text = String(decoding: found.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            var hint = ""
            if found.count >= 2 && found[0] == UInt8(ascii: "P") {
                switch found[1] {
                case UInt8(ascii: "1"), UInt8(ascii: "4"): hint = " (a PBM bitmap; only grey PGM is read)"
                case UInt8(ascii: "3"), UInt8(ascii: "6"): hint = " (a PPM colour image; only grey PGM is read)"
                default: break
                }
            } else if found.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
                hint = " (a PNG file: read it with PNG)"
            }
            return "not a PGM file: expected \"P2\" or \"P5\" at the start, found \"\(text)\"\(hint)"
        case .badHeader(let field, let found):
            return "expected the \(field) as a decimal number in the header, found \(found)"
        case .badDimensions(let width, let height, let limit):
            if width < 1 || height < 1 {
                return "image size \(width)x\(height) is empty: width and height must be at least 1"
            }
            return "image size \(width)x\(height) is more than the \(limit) pixels accepted "
                + "(pass a larger maxPixels if the file is genuine)"
        case .badMaxval(let value):
            return "maxval is \(value), expected 1...65535"
        case .truncated(let expected, let found, let unit):
            return "the image needs \(expected) \(unit) of samples but the file holds \(found); the file is truncated"
        case .badSample(let index, let found):
            return "sample \(index) is \"\(found)\", expected a decimal number"
        case .sampleOutOfRange(let index, let value, let maxval):
            return "sample \(index) is \(value), more than the maxval \(maxval)"
        case .unreadable(let reason):
            return reason
        }
    }
}
