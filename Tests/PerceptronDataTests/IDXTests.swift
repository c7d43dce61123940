// Tests of the IDX codec: every element type against big-endian byte literals, raw and gzip
// round trips, and every way a header or file can be wrong, each error naming the file.
//
// Byte literals from Python 3: struct.pack('>f', 0.1).hex() == '3dcccccd', and so on.

import Foundation
import PerceptronIO
import Testing
@testable import PerceptronData

/// One element type with values and their big-endian bytes.
struct IDXSample: Sendable, CustomTestStringConvertible {
    let type: IDXArray.ElementType
    let payload: [UInt8]
    /// The values as `IDXArray.floats` gives them.
    let values: [Float]

    var testDescription: String { "\(type)" }

    static let all: [IDXSample] = [
        IDXSample(type: .uint8, payload: [0x00, 0x01, 0x7F, 0x80, 0xC8, 0xFF], values: [0, 1, 127, 128, 200, 255]),
        IDXSample(type: .int8, payload: [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF], values: [0, 1, 127, -128, -2, -1]),
        IDXSample(type: .int16, payload: [0x12, 0x34, 0xFF, 0xFE, 0x80, 0x00, 0x7F, 0xFF],
                  values: [0x1234, -2, -32768, 32767]),
        IDXSample(type: .int32, payload: [0x01, 0x02, 0x03, 0x04, 0xFF, 0xFE, 0x79, 0x60],
                  values: [16_909_060, -100_000]),
        IDXSample(type: .float32, payload: [0x3F, 0xC0, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3D, 0xCC, 0xCC, 0xCD, 0x00, 0x00, 0x00, 0x00],
                  values: [1.5, -2, 0.1, 0]),
        IDXSample(type: .float64, payload: [0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0xBF, 0xD0, 0, 0, 0, 0, 0, 0,
                                            0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18, 0x7E, 0x37, 0xE4, 0x3C, 0x88, 0x00, 0x75, 0x9C],
                  values: [1.5, -0.25, Float(Double.pi), .infinity]),
    ]
}

@Suite struct IDXCodecTests {
    @Test(arguments: IDXSample.all)
    func decodesEveryElementType(sample: IDXSample) throws {
        let count = sample.values.count
        let file = idxHeader(type: sample.type.rawValue, dimensions: [2, UInt32(count / 2)]) + sample.payload
        let array = try IDX.decode(file)
        #expect(array.type == sample.type)
        #expect(array.shape == [2, count / 2])
        #expect(array.payload == sample.payload)
        #expect(array.floats.shape == [2, count / 2])
        #expect(array.floats.scalars == sample.values)
        #expect(sample.type.size * count == sample.payload.count)
    }

    @Test(arguments: IDXSample.all, [false, true])
    func encodeThenDecodeRoundTrips(sample: IDXSample, gzip: Bool) throws {
        let array = IDXArray(type: sample.type, shape: [sample.values.count], payload: sample.payload)
        let encoded = IDX.encode(array, gzip: gzip)
        #expect(Zlib.isGzip(encoded) == gzip)
        if !gzip { #expect(encoded == idxHeader(type: sample.type.rawValue, dimensions: [UInt32(sample.values.count)]) + sample.payload) }
        #expect(try IDX.decode(encoded) == array)
    }

    @Test func encodeWritesTheHeaderByteForByte() {
        let array = IDXArray(type: .uint8, shape: [2, 3, 1], payload: [1, 2, 3, 4, 5, 6])
        #expect(IDX.encode(array) == [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6])
        let wide = IDXArray(type: .uint8, shape: [0x0102_0304, 0], payload: [])
        #expect(IDX.encode(wide) == [0, 0, 0x08, 2, 1, 2, 3, 4, 0, 0, 0, 0])
    }

    @Test func bytesAreOnlyForUnsignedByteArrays() {
        let bytes = IDXArray(type: .uint8, shape: [2, 2], payload: [1, 2, 3, 4])
        #expect(bytes.bytes?.shape == [2, 2])
        #expect(bytes.bytes?.bytes == [1, 2, 3, 4])
        #expect(IDXArray(type: .int8, shape: [4], payload: [1, 2, 3, 4]).bytes == nil)
    }

    @Test func emptyDimensionsDecodeToEmptyArrays() throws {
        let array = try IDX.decode(idxHeader(type: 0x08, dimensions: [0, 28, 28]))
        #expect(array.shape == [0, 28, 28])
        #expect(array.payload.isEmpty)
        #expect(array.bytes?.count == 0)
    }

    @Test func elementSizes() {
        #expect(IDXArray.ElementType.allCases.map(\.size) == [1, 1, 2, 4, 4, 8])
        #expect(IDXArray.ElementType.allCases.map(\.rawValue) == [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E])
    }
}

@Suite struct IDXErrorTests {
    /// The error `decode` throws for `bytes`, which must be an `IDXError`.
    func decodeError(_ bytes: [UInt8], path: String = "/data/digits.idx") throws -> IDXError {
        try #require(throws: IDXError.self) { try IDX.decode(bytes, path: path) }
    }

    @Test func aTruncatedPayloadIsALengthMismatch() throws {
        let file = idxHeader(type: 0x08, dimensions: [3, 4]) + [UInt8](repeating: 1, count: 11)
        let error = try decodeError(file)
        #expect(error.kind == .lengthMismatch)
        #expect(error.detail.contains("truncated"))
        #expect(error.detail.contains("12") && error.detail.contains("11"))
        #expect(error.errorDescription?.hasPrefix("/data/digits.idx: ") == true)
    }

    @Test func aLongerFileIsALengthMismatch() throws {
        let file = idxHeader(type: 0x0B, dimensions: [3]) + [UInt8](repeating: 1, count: 7)
        let error = try decodeError(file)
        #expect(error.kind == .lengthMismatch)
        #expect(error.detail.contains("longer"))
    }

    @Test func truncatedGzipDataIsAlsoChecked() throws {
        let file = IDX.encode(IDXArray(type: .uint8, shape: [4], payload: [1, 2, 3, 4]), gzip: true)
        #expect(try decodeError(Array(file.dropLast(3))).kind == .compression)
        let short = Zlib.deflate(idxHeader(type: 0x08, dimensions: [5]) + [1, 2, 3, 4], format: .gzip)
        #expect(try decodeError(short).kind == .lengthMismatch)
    }

    @Test func damagedGzipIsACompressionError() throws {
        var file = IDX.encode(IDXArray(type: .uint8, shape: [300], payload: (0..<300).map { UInt8($0 % 256) }), gzip: true)
        file[file.count - 6] ^= 0xFF
        let error = try decodeError(file)
        #expect(error.kind == .compression)
        #expect(error.detail.contains("gzip"))
    }

    @Test(arguments: [[], [0], [0, 0, 8]] as [[UInt8]])
    func fewerThanFourBytesIsTooShort(bytes: [UInt8]) throws {
        let error = try decodeError(bytes)
        #expect(error.kind == .tooShort)
        #expect(error.detail.contains("\(bytes.count)"))
    }

    @Test func aHeaderCutInsideTheDimensionsIsTooShort() throws {
        let error = try decodeError([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0])
        #expect(error.kind == .tooShort)
        #expect(error.detail.contains("dimension 1"))
    }

    @Test(arguments: [[0x1F, 0x00, 0x08, 0x01], [0x00, 0x01, 0x08, 0x01], [0x50, 0x4B, 0x03, 0x04], Array("<html>".utf8)] as [[UInt8]])
    func aWrongMagicIsRejected(bytes: [UInt8]) throws {
        let error = try decodeError(bytes + [0, 0, 0, 1, 7])
        #expect(error.kind == .badMagic)
        #expect(error.detail.contains("not an IDX file"))
    }

    @Test(arguments: [0x00, 0x07, 0x0A, 0x0F, 0xFF] as [UInt8])
    func anUnknownTypeByteIsRejected(type: UInt8) throws {
        let error = try decodeError(idxHeader(type: type, dimensions: [1]) + [0])
        #expect(error.kind == .unknownType)
        #expect(error.detail.contains(String(format: "0x%02X", type)))
    }

    @Test func rankZeroIsRejected() throws {
        let error = try decodeError([0, 0, 0x08, 0, 42])
        #expect(error.kind == .badRank)
    }

    /// Headers whose dimensions describe more than `IDX.maximumPayload` bytes: each must be
    /// refused from the header alone, before anything of that size is allocated.
    @Test(arguments: [
        (0x08, [0xFFFF_FFFF, 0xFFFF_FFFF]),
        (0x08, [0x8000_0001]),
        (0x0E, [0x1000_0000, 0xFFFF_FFFF]),
        (0x0E, [0x1000_0001]),
        (0x0D, [0x10000, 0x10000, 0x10000, 0x10000]),
        (0x0B, [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]),
    ] as [(UInt8, [UInt32])])
    func absurdDimensionsAreRejectedFromTheHeader(type: UInt8, dimensions: [UInt32]) throws {
        let error = try decodeError(idxHeader(type: type, dimensions: dimensions) + [1, 2, 3, 4])
        #expect(error.kind == .absurdDimensions)
        #expect(error.detail.contains("corrupt"))
    }

    @Test func theLargestAcceptedHeaderStillNeedsItsData() throws {
        // Exactly 2 GiB: allowed by the header check, refused because the data is missing.
        let error = try decodeError(idxHeader(type: 0x08, dimensions: [0x8000_0000]) + [1, 2, 3])
        #expect(error.kind == .lengthMismatch)
    }

    @Test func readNamesTheFileInEveryError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = folder.file("train-images-idx3-ubyte")
        let unreadable = try #require(throws: IDXError.self) { try IDX.read(missing) }
        #expect(unreadable.kind == .unreadable)
        #expect(unreadable.errorDescription?.contains(missing.path) == true)
        #expect(unreadable.detail.contains("no such file"))

        let bad = try folder.write(idxHeader(type: 0x08, dimensions: [10]) + [1, 2], to: "labels.idx")
        let error = try #require(throws: IDXError.self) { try IDX.read(bad) }
        #expect(error.path == bad.path)
        #expect(error.errorDescription?.contains(bad.path) == true)
        #expect(error.errorDescription?.contains("truncated") == true)

        let folderError = try #require(throws: IDXError.self) { try IDX.read(folder.url) }
        #expect(folderError.kind == .unreadable)
    }

    @Test func readDecodesRawAndGzipFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let array = IDXArray(type: .int16, shape: [2, 2], payload: [0, 1, 0, 2, 0xFF, 0xFF, 0x80, 0])
        let raw = try folder.write(IDX.encode(array), to: "raw.idx")
        let gzip = try folder.write(IDX.encode(array, gzip: true), to: "packed.idx.gz")
        #expect(try IDX.read(raw) == array)
        #expect(try IDX.read(gzip) == array)
        #expect(try IDX.read(gzip).floats.scalars == [1, 2, -1, -32768])
    }

    @Test func decodeNamesMemoryByDefault() throws {
        let error = try #require(throws: IDXError.self) { try IDX.decode([1, 2, 3, 4]) }
        #expect(error.errorDescription?.hasPrefix("<memory>: ") == true)
    }
}
