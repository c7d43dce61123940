// The IDX codec (LeCun's MNIST format): every element type, gzip or raw, the header checked
// against the real file length before anything is allocated. Dataset layout is in Dataset.swift.

import Foundation
import PerceptronIO
import PerceptronTensor

/// A problem with an IDX file. Each message names the file, what was expected and what was found.
public struct IDXError: LocalizedError, Equatable, Sendable {
    /// What went wrong, for code that reacts to one kind (tests, the dataset loader).
    public enum Kind: Equatable, Sendable {
        /// In order: the header ends early; the magic does not start with two zero bytes; the
        /// element-type byte is not one of IDX's six; the rank is 0, or the array is not the
        /// unsigned bytes of the rank a dataset needs;
        /// the dimensions describe more than `IDX.maximumPayload` bytes; the payload's length
        /// differs from the header's; the gzip data is damaged; the file cannot be read.
        case tooShort, badMagic, unknownType, badRank, absurdDimensions, lengthMismatch, compression, unreadable
    }
    /// What went wrong.
    public let kind: Kind
    /// The file, or `<memory>` for decoded bytes.
    public let path: String
    /// What was expected and what was found.
    public let detail: String

    /// An error of `kind` about the file at `path`.
    public init(_ kind: Kind, path: String, _ detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    /// `path: detail`.
    public var errorDescription: String? { "\(path): \(detail)" }
}

/// An array read from an IDX file: the header's element type and shape, and the payload as stored.
public struct IDXArray: Equatable, Sendable {
    /// The IDX element type byte.
    public enum ElementType: UInt8, Sendable, CaseIterable {
        /// The type bytes IDX defines: unsigned and signed 8-bit, 16- and 32-bit signed
        /// integers, 32- and 64-bit floats, all big-endian.
        case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    /// The element type declared in the header.
    public let type: ElementType
    /// The dimensions declared in the header, outermost first.
    public let shape: [Int]
    /// The raw big-endian payload, `shape.product * type.size` bytes.
    public let payload: [UInt8]

    /// The values as bytes; only for `uint8` arrays.
    public var bytes: ByteTensor? {
        type == .uint8 ? ByteTensor(shape: shape, bytes: payload) : nil
    }

    /// The values as Float, whatever the element type (int32 and float64 may round).
    public var floats: Tensor {
        let count = Tensor.elementCount(shape)
        var values = [Float](repeating: 0, count: count)
        payload.withUnsafeBufferPointer { p in
            for i in 0..<count {
                switch type {
                case .uint8: values[i] = Float(p[i])
                case .int8: values[i] = Float(Int8(bitPattern: p[i]))
                case .int16: values[i] = Float(Int16(bitPattern: UInt16(p[2 * i]) << 8 | UInt16(p[2 * i + 1])))
                case .int32: values[i] = Float(Int32(bitPattern: IDXArray.word(p, 4 * i)))
                case .float32: values[i] = Float(bitPattern: IDXArray.word(p, 4 * i))
                case .float64:
                    let high = UInt64(IDXArray.word(p, 8 * i)), low = UInt64(IDXArray.word(p, 8 * i + 4))
                    values[i] = Float(Double(bitPattern: high << 32 | low))
                }
            }
        }
        return Tensor(shape: shape, scalars: values)
    }

    private static func word(_ p: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt32 {
        UInt32(p[offset]) << 24 | UInt32(p[offset + 1]) << 16 | UInt32(p[offset + 2]) << 8 | UInt32(p[offset + 3])
    }

    /// An array of `shape` holding `payload`, big-endian values of `type`; the payload must be
    /// exactly `shape.product * type.size` bytes.
    public init(type: ElementType, shape: [Int], payload: [UInt8]) {
        precondition(Tensor.elementCount(shape) * type.size == payload.count,
                     "IDX payload of \(payload.count) bytes does not match shape \(shape) of \(type)")
        self.type = type
        self.shape = shape
        self.payload = payload
    }
}

/// Reading and writing IDX files.
public enum IDX {
    /// The largest payload accepted, 2 GiB: far above any IDX dataset, low enough to refuse
    /// a corrupt header before allocating.
    public static let maximumPayload = 1 << 31

    /// Reads an IDX file, gzip-compressed (detected by its magic bytes) or raw.
    ///
    /// - Throws: `IDXError` for a missing or unreadable file, corrupt gzip, bad magic, unknown
    ///   type, absurd dimensions, or a payload whose length differs from the header's.
    public static func read(_ url: URL) throws -> IDXArray {
        let raw: [UInt8]
        do { raw = try FileIO.read(url) } catch let error as FileError {
            throw IDXError(.unreadable, path: url.path, error.reason)
        }
        return try decode(raw, path: url.path)
    }

    /// Decodes IDX bytes (gzip or raw); `path` names the source in errors.
    public static func decode(_ raw: [UInt8], path: String = "<memory>") throws -> IDXArray {
        var bytes = raw
        if Zlib.isGzip(raw) {
            do { bytes = try Zlib.inflate(raw, format: .gzip, limit: maximumPayload + 4 + 4 * 255) } catch let error as CompressionError {
                throw IDXError(.compression, path: path, "gzip data is damaged: \(error.message); re-download or re-copy the file")
            }
        }
        guard bytes.count >= 4 else {
            throw IDXError(.tooShort, path: path, "IDX header needs 4 bytes, the file has \(bytes.count)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw IDXError(.badMagic, path: path, String(format: "not an IDX file: magic starts 0x%02X%02X, expected 0x0000", bytes[0], bytes[1]))
        }
        guard let type = IDXArray.ElementType(rawValue: bytes[2]) else {
            throw IDXError(.unknownType, path: path, String(format: "unknown IDX element type 0x%02X (expected 08, 09, 0B, 0C, 0D or 0E)", bytes[2]))
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw IDXError(.badRank, path: path, "IDX header declares 0 dimensions") }
        var reader = ByteReader(bytes, offset: 4)
        var shape: [Int] = []
        for axis in 0..<rank {
            guard let size = try? reader.readUInt32BE() else {
                throw IDXError(.tooShort, path: path, "IDX header declares \(rank) dimensions but the file ends at byte \(bytes.count), inside dimension \(axis)")
            }
            shape.append(Int(size))
        }
        var elements = 1
        for size in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow, product * type.size <= maximumPayload else {
                throw IDXError(.absurdDimensions, path: path, "IDX dimensions \(shape) describe more than \(maximumPayload) bytes; the header is corrupt")
            }
            elements = product
        }
        let expected = elements * type.size
        guard reader.remaining == expected else {
            let verdict = reader.remaining < expected ? "truncated" : "longer than its header says"
            throw IDXError(.lengthMismatch, path: path,
                           "IDX file is \(verdict): dimensions \(shape) of \(type) need \(expected) data bytes after the \(reader.offset)-byte header, found \(reader.remaining)")
        }
        return IDXArray(type: type, shape: shape, payload: Array(bytes[reader.offset...]))
    }

    /// Encodes an array as IDX bytes, gzip-compressed when asked.
    public static func encode(_ array: IDXArray, gzip: Bool = false) -> [UInt8] {
        precondition(array.shape.count <= 255, "IDX supports at most 255 dimensions")
        var bytes: [UInt8] = [0, 0, array.type.rawValue, UInt8(array.shape.count)]
        for size in array.shape {
            precondition(size <= Int(UInt32.max), "IDX dimension \(size) does not fit in 32 bits")
            bytes += [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
        }
        bytes += array.payload
        return gzip ? Zlib.deflate(bytes, format: .gzip) : bytes
    }
}
