// Tests of the bounds-checked byte reader: byte orders, cursor movement, and the offsets a
// truncation error reports.

import Testing
@testable import PerceptronIO

@Suite struct ByteReaderTests {
    let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xFF]

    @Test func readsBigEndianIntegers() throws {
        var reader = ByteReader(bytes)
        #expect(try reader.readUInt8() == 0x01)
        #expect(try reader.readUInt16BE() == 0x0203)
        #expect(try reader.readUInt32BE() == 0x0405_0607)
        #expect(reader.offset == 7)
        #expect(reader.remaining == 3)
        #expect(try reader.readUInt16BE() == 0x0809)
        #expect(try reader.readUInt8() == 0xFF)
        #expect(reader.remaining == 0)
    }

    @Test func readsLittleEndianUInt64() throws {
        var reader = ByteReader(bytes)
        #expect(try reader.readUInt64LE() == 0x0807_0605_0403_0201)
        var high = ByteReader([0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0xFA, 0xF9, 0xF8])
        #expect(try high.readUInt64LE() == 0xF8F9_FAFB_FCFD_FEFF)
    }

    @Test func readBytesAndSkipMoveTheCursor() throws {
        var reader = ByteReader(bytes, offset: 1)
        #expect(Array(try reader.readBytes(3)) == [0x02, 0x03, 0x04])
        try reader.skip(4)
        #expect(try reader.readUInt8() == 0x09)
        #expect(Array(try reader.readBytes(0)).isEmpty)
        #expect(Array(try reader.readBytes(1)) == [0xFF])
        #expect(reader.offset == 10)
    }

    @Test func truncationReportsOffsetNeededAndAvailable() throws {
        var reader = ByteReader([1, 2, 3, 4, 5], offset: 2)
        let error = try #require(throws: TruncatedData.self) { try reader.readUInt32BE() }
        #expect(error == TruncatedData(offset: 2, needed: 4, available: 5))
        // A failed read leaves the cursor where it was.
        #expect(reader.offset == 2)
        #expect(try reader.readUInt16BE() == 0x0304)
    }

    @Test(arguments: [0, 1, 7])
    func everyReadChecksTheLength(available: Int) throws {
        let data = [UInt8](repeating: 0xAA, count: available)
        var reader = ByteReader(data)
        if available < 8 {
            #expect(throws: TruncatedData(offset: 0, needed: 8, available: available)) { try reader.readUInt64LE() }
        }
        if available < 4 {
            #expect(throws: TruncatedData(offset: 0, needed: 4, available: available)) { try reader.readUInt32BE() }
        }
        if available < 2 {
            #expect(throws: TruncatedData(offset: 0, needed: 2, available: available)) { try reader.readUInt16BE() }
        }
        if available < 1 {
            #expect(throws: TruncatedData(offset: 0, needed: 1, available: 0)) { try reader.readUInt8() }
        }
        #expect(throws: TruncatedData(offset: 0, needed: available + 1, available: available)) { try reader.readBytes(available + 1) }
        #expect(throws: TruncatedData(offset: 0, needed: available + 1, available: available)) { try reader.skip(available + 1) }
        #expect(reader.offset == 0)
    }

    @Test func negativeCountsAreRejected() throws {
        var reader = ByteReader([1, 2, 3], offset: 1)
        #expect(throws: TruncatedData(offset: 1, needed: -1, available: 3)) { try reader.readBytes(-1) }
        #expect(throws: TruncatedData(offset: 1, needed: -2, available: 3)) { try reader.skip(-2) }
        #expect(reader.offset == 1)
        #expect(throws: Never.self) { try reader.require(2) }
        #expect(throws: TruncatedData.self) { try reader.require(3) }
    }

    @Test func aCursorPastTheEndReadsNothing() {
        var reader = ByteReader([1, 2], offset: 5)
        #expect(reader.remaining == -3)
        #expect(throws: TruncatedData.self) { try reader.readBytes(0) }
        #expect(throws: TruncatedData.self) { try reader.readUInt8() }
    }
}
