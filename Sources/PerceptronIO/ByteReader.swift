// A bounds-checked cursor over bytes for binary formats (IDX, PNG, safetensors): every read
// is checked against the bytes actually present, and a failure names the offset.

/// Reading past the end of a byte buffer.
public struct TruncatedData: Error, Equatable, Sendable {
    /// Where the read started.
    public let offset: Int
    /// How many bytes it needed.
    public let needed: Int
    /// How many bytes the buffer holds in all.
    public let available: Int
}

/// A forward-only reader over a byte array that never reads out of bounds.
///
/// Multi-byte integers are read in the byte order their name says (`BE` big-endian, as IDX and
/// PNG store them; `LE` little-endian, as safetensors does). Each read first checks that enough
/// bytes remain and throws `TruncatedData` otherwise, leaving `offset` where it was.
public struct ByteReader: Sendable {
    /// The whole buffer, from its first byte (not from `offset`).
    public let bytes: [UInt8]
    /// The next byte to read.
    public private(set) var offset: Int

    /// A reader over `bytes` whose first read is at `offset` (0, the start, by default).
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes left after `offset`.
    public var remaining: Int { bytes.count - offset }

    /// Checks that `count` more bytes are present, without moving the cursor.
    ///
    /// - Throws: `TruncatedData` when fewer than `count` bytes are left or `count` is negative.
    public func require(_ count: Int) throws(TruncatedData) {
        guard count >= 0, count <= remaining else {
            throw TruncatedData(offset: offset, needed: count, available: bytes.count)
        }
    }

    /// The next byte.
    ///
    /// - Throws: `TruncatedData` when no byte is left.
    public mutating func readUInt8() throws(TruncatedData) -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next two bytes as a big-endian integer: `b0 << 8 | b1`.
    ///
    /// - Throws: `TruncatedData` when fewer than 2 bytes are left.
    public mutating func readUInt16BE() throws(TruncatedData) -> UInt16 {
        try require(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// The next four bytes as a big-endian integer: `b0 << 24 | b1 << 16 | b2 << 8 | b3`, the
    /// byte order of IDX dimensions and PNG chunk lengths.
    ///
    /// - Throws: `TruncatedData` when fewer than 4 bytes are left.
    public mutating func readUInt32BE() throws(TruncatedData) -> UInt32 {
        try require(4)
        defer { offset += 4 }
        return (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }

    /// The next eight bytes as a little-endian integer: `b0 | b1 << 8 | ... | b7 << 56`, the
    /// byte order of a safetensors header length.
    ///
    /// - Throws: `TruncatedData` when fewer than 8 bytes are left.
    public mutating func readUInt64LE() throws(TruncatedData) -> UInt64 {
        try require(8)
        defer { offset += 8 }
        return (0..<8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }

    /// The next `count` bytes, a slice of `bytes` (no copy).
    ///
    /// - Throws: `TruncatedData` when fewer than `count` bytes are left or `count` is negative.
    public mutating func readBytes(_ count: Int) throws(TruncatedData) -> ArraySlice<UInt8> {
        try require(count)
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Moves the cursor forward by `count` bytes.
    ///
    /// - Throws: `TruncatedData` when fewer than `count` bytes are left or `count` is negative.
    public mutating func skip(_ count: Int) throws(TruncatedData) {
        try require(count)
        offset += count
    }
}
