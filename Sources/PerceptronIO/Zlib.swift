// zlib and gzip streams through the system zlib: inflate (zlib, gzip, multi-member gzip),
// deflate and CRC-32. Nothing here touches files; see FileIO.swift for that.

import CZlib

/// A failure of a zlib stream: corrupt, truncated, or larger than the caller allows.
public struct CompressionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The class of failure, for callers that react differently to each.
    public enum Kind: Equatable, Sendable {
        /// The data is not a valid stream.
        case corrupt
        /// The stream ends before its end marker.
        case truncated
        /// The output would exceed the caller's limit.
        case limitExceeded
        /// zlib itself failed (memory, internal error).
        case failed
    }

    /// The class of failure.
    public let kind: Kind
    /// What went wrong, in words a user can act on.
    public let message: String

    /// An error of `kind` described by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// Compression helpers over the system zlib.
public enum Zlib {
    /// Container format of a compressed stream.
    public enum Format: Sendable {
        /// RFC 1950 zlib stream (PNG `IDAT`).
        case zlib
        /// RFC 1952 gzip stream; several concatenated members are read as one (as `gunzip` does).
        case gzip
    }

    /// Whether `bytes` start with the gzip magic `1f 8b`.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses a whole stream.
    ///
    /// - Parameters:
    ///   - input: the compressed bytes, one whole stream (for gzip, one or more members).
    ///   - format: `.zlib` or `.gzip`; the header is checked against it.
    ///   - limit: the largest output accepted, in bytes (2 GiB by default); a stream that inflates past it is
    ///     rejected before more memory is taken (a guard against decompression bombs).
    ///   - expectedSize: a size hint used to reserve the output once.
    /// - Throws: `CompressionError` for a corrupt or truncated stream, or output over `limit`.
    public static func inflate(
        _ input: [UInt8], format: Format, limit: Int = 1 << 31, expectedSize: Int? = nil
    ) throws -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = format == .gzip ? 15 + 16 : 15
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CompressionError(.failed, "zlib could not start a decompression stream")
        }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        // Deflate expands at most about 1032:1, so never reserve more than the input could fill.
        output.reserveCapacity(min(limit, input.count * 1032 + 1024, max(expectedSize ?? input.count * 4, 1 << 16)))
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var consumed = 0
        var finished = false
        try input.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit {
                    throw CompressionError(.limitExceeded, "decompressed data exceeds the limit of \(limit) bytes")
                }
                output.append(contentsOf: chunk[0..<produced])
                consumed = inBuffer.count - Int(stream.avail_in)
                switch status {
                case Z_STREAM_END:
                    // A gzip file may hold several members; keep going while input remains.
                    if format == .gzip && stream.avail_in > 0 && inBuffer[consumed] == 0x1F {
                        guard inflateReset(&stream) == Z_OK else {
                            throw CompressionError(.failed, "zlib could not restart for the next gzip member")
                        }
                        continue
                    }
                    finished = true
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 {
                        throw CompressionError(.truncated, "compressed stream is truncated: it ends before its end marker")
                    }
                    continue
                case Z_DATA_ERROR:
                    let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    throw CompressionError(.corrupt, "compressed stream is corrupt at input byte \(consumed): \(reason)")
                case Z_MEM_ERROR:
                    throw CompressionError(.failed, "zlib ran out of memory")
                default:
                    throw CompressionError(.failed, "zlib failed with status \(status)")
                }
            }
        }
        guard finished else { throw CompressionError(.truncated, "compressed stream is truncated") }
        return output
    }

    /// Compresses `input` into one stream.
    ///
    /// - Parameters:
    ///   - input: the bytes to compress.
    ///   - format: `.zlib` (the default, as PNG's `IDAT` needs) or `.gzip`.
    ///   - level: zlib level 0...9; 6 is zlib's own default, a good size/speed balance.
    public static func deflate(_ input: [UInt8], format: Format = .zlib, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = format == .gzip ? 15 + 16 : 15
        let initStatus = deflateInit2_(
            &stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "zlib deflateInit2 failed with status \(initStatus)")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count)))
        var output = [UInt8](repeating: 0, count: bound + 64)
        let written: Int = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "zlib deflate did not finish: status \(status)")
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }

    /// CRC-32 (ISO 3309, as PNG and gzip use), continuing from `crc` (0 to start).
    public static func crc32<C: Collection>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        let value = bytes.withContiguousStorageIfAvailable { buffer in
            CZlib.crc32(UInt(crc), buffer.baseAddress, UInt32(buffer.count))
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            CZlib.crc32(UInt(crc), buffer.baseAddress, UInt32(buffer.count))
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
