// Reading a PNG's chunk stream: the signature, chunk framing and CRCs, IHDR, PLTE, tRNS and the
// IDAT data, in the order the specification requires. Unfiltering and pixels are in PNGDecoder.swift.

import PerceptronIO

/// The validated IHDR of a non-interlaced, 8-bit PNG.
struct PNGHeader: Equatable, Sendable {
    let width: Int
    let height: Int
    /// 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.
    let colorType: Int

    /// Samples per pixel, which at bit depth 8 is also bytes per pixel.
    var channels: Int {
        switch colorType {
        case 2: 3
        case 4: 2
        case 6: 4
        default: 1
        }
    }

    /// Bytes in one unfiltered row.
    var rowBytes: Int { width * channels }

    /// Bytes the IDAT stream must inflate to: each row is a filter byte and its samples.
    var rawSize: Int { height * (1 + rowBytes) }
}

/// The chunks a decoder needs, gathered from the stream.
struct PNGChunks: Sendable {
    var header: PNGHeader
    /// RGB triples from PLTE; empty when there is none.
    var palette: [UInt8]
    /// The tRNS data: alpha per palette entry (type 3) or the transparent sample value(s),
    /// 2 bytes each (types 0 and 2); nil when absent.
    var transparency: [UInt8]?
    /// All IDAT data, concatenated.
    var imageData: [UInt8]
}

extension PNG {
    /// The 8 bytes every PNG starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Splits `bytes` into chunks, checking every length against the bytes present and every
    /// CRC (ancillary chunks' too), and validates IHDR, including its size against `maxPixels`,
    /// before any pixel memory is taken. Ancillary chunks other than tRNS are skipped; bytes
    /// after IEND are ignored.
    static func readChunks(_ bytes: [UInt8], maxPixels: Int) throws(PNGError.Kind) -> PNGChunks {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw .badSignature(found: Array(bytes.prefix(8)))
        }
        var reader = ByteReader(bytes, offset: 8)
        var header: PNGHeader?
        var palette: [UInt8] = []
        var transparency: [UInt8]?
        var imageData: [UInt8] = []
        var seenImageData = false
        var previous = ""

        while true {
            let start = reader.offset
            if reader.remaining == 0 { throw .missingChunk("IEND") }
            guard reader.remaining >= 8 else {
                throw .truncated(chunk: nil, offset: start, needed: 8, available: reader.remaining)
            }
            let length = Int(try readUInt32(&reader))
            let typeBytes = Array(try read(&reader, count: 4))
            guard typeBytes.allSatisfy(isLetter) else { throw .badChunkType(found: typeBytes, offset: start + 4) }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max) else {
                throw .badChunkLength(chunk: type, length: length, expected: "at most 2^31 - 1")
            }
            guard reader.remaining >= length + 4 else {
                throw .truncated(chunk: type, offset: start, needed: 12 + length, available: bytes.count - start)
            }
            let data = try read(&reader, count: length)
            let stored = try readUInt32(&reader)
            let computed = Zlib.crc32(data, continuing: Zlib.crc32(typeBytes))
            guard stored == computed else { throw .badCRC(chunk: type, stored: stored, computed: computed) }

            if type == "IHDR" {
                guard header == nil else { throw .misplacedChunk("IHDR", rule: "it must appear once, first") }
                header = try parseHeader(data, maxPixels: maxPixels)
                previous = type
                continue
            }
            guard let header else { throw .missingChunk("IHDR") }
            switch type {
            case "PLTE":
                guard !seenImageData else { throw .misplacedChunk("PLTE", rule: "it must come before IDAT") }
                guard palette.isEmpty else { throw .misplacedChunk("PLTE", rule: "it must appear at most once") }
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw .badChunkLength(chunk: "PLTE", length: length,
                                          expected: "a multiple of 3 from 3 to 768 (1 to 256 entries)")
                }
                palette = Array(data)
            case "tRNS":
                guard !seenImageData else { throw .misplacedChunk("tRNS", rule: "it must come before IDAT") }
                transparency = try parseTransparency(data, colorType: header.colorType, paletteBytes: palette.count)
            case "IDAT":
                if seenImageData && previous != "IDAT" {
                    throw .misplacedChunk("IDAT", rule: "IDAT chunks must be consecutive")
                }
                if header.colorType == 3 && palette.isEmpty { throw .missingChunk("PLTE") }
                seenImageData = true
                imageData.append(contentsOf: data)
            case "IEND":
                guard seenImageData else { throw .missingChunk("IDAT") }
                return PNGChunks(header: header, palette: palette, transparency: transparency, imageData: imageData)
            default:
                if isCritical(typeBytes) { throw .unknownCriticalChunk(type) }
            }
            previous = type
        }
    }

    /// Validates IHDR: size first (so a hostile size is refused before anything else), then
    /// colour type, bit depth, compression, filter and interlace methods.
    private static func parseHeader(_ data: ArraySlice<UInt8>, maxPixels: Int) throws(PNGError.Kind) -> PNGHeader {
        guard data.count == 13 else { throw .badChunkLength(chunk: "IHDR", length: data.count, expected: "13") }
        var reader = ByteReader(Array(data))
        let width = Int(try readUInt32(&reader))
        let height = Int(try readUInt32(&reader))
        let fields = Array(try read(&reader, count: 5)).map(Int.init)
        let (bitDepth, colorType, compression, filter, interlace) = (fields[0], fields[1], fields[2], fields[3], fields[4])

        // The largest buffer is the raw RGBA data, height * (1 + 4 * width): it must fit in an Int
        // even when a caller lifts maxPixels.
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        let (rawSize, rawOverflow) = height.multipliedReportingOverflow(by: 1 + 4 * width)
        guard width >= 1, height >= 1, width <= Int(Int32.max), height <= Int(Int32.max),
              !overflow, !rawOverflow, rawSize > 0, pixels <= maxPixels
        else { throw .badDimensions(width: width, height: height, limit: maxPixels) }

        let depths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let allowedDepths = depths[colorType] else {
            throw .invalidHeader(field: "colour type", value: colorType, allowed: "0, 2, 3, 4 or 6")
        }
        guard bitDepth == 8 else {
            if allowedDepths.contains(bitDepth) { throw .unsupportedBitDepth(bitDepth, colorType: colorType) }
            let list = allowedDepths.map(String.init).joined(separator: ", ")
            throw .invalidHeader(field: "bit depth", value: bitDepth, allowed: "\(list) for colour type \(colorType)")
        }
        guard compression == 0 else {
            throw .invalidHeader(field: "compression method", value: compression, allowed: "0 (deflate)")
        }
        guard filter == 0 else {
            throw .invalidHeader(field: "filter method", value: filter, allowed: "0 (adaptive filtering)")
        }
        guard interlace == 0 else {
            if interlace == 1 { throw .unsupportedInterlace }
            throw .invalidHeader(field: "interlace method", value: interlace, allowed: "0 (none) or 1 (Adam7)")
        }
        return PNGHeader(width: width, height: height, colorType: colorType)
    }

    /// Checks tRNS against the colour type: one alpha per palette entry at most (type 3), one
    /// 2-byte grey (type 0) or three 2-byte samples (type 2). Types 4 and 6 carry their own
    /// alpha, so a tRNS there is ignored, as libpng does.
    private static func parseTransparency(
        _ data: ArraySlice<UInt8>, colorType: Int, paletteBytes: Int
    ) throws(PNGError.Kind) -> [UInt8]? {
        switch colorType {
        case 3:
            guard paletteBytes > 0 else { throw .misplacedChunk("tRNS", rule: "with a palette it must follow PLTE") }
            guard data.count <= paletteBytes / 3 else {
                throw .badChunkLength(chunk: "tRNS", length: data.count,
                                      expected: "at most \(paletteBytes / 3), one alpha per palette entry")
            }
        case 0:
            guard data.count == 2 else {
                throw .badChunkLength(chunk: "tRNS", length: data.count, expected: "2 for colour type 0")
            }
        case 2:
            guard data.count == 6 else {
                throw .badChunkLength(chunk: "tRNS", length: data.count, expected: "6 for colour type 2")
            }
        default:
            return nil
        }
        return Array(data)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// Bit 5 of a chunk type's first byte clear (upper case) marks a critical chunk.
    private static func isCritical(_ type: [UInt8]) -> Bool { type[0] & 0x20 == 0 }

    private static func readUInt32(_ reader: inout ByteReader) throws(PNGError.Kind) -> UInt32 {
        do throws(TruncatedData) { return try reader.readUInt32BE() } catch {
            throw .truncated(chunk: nil, offset: error.offset, needed: error.needed, available: error.available - error.offset)
        }
    }

    private static func read(_ reader: inout ByteReader, count: Int) throws(PNGError.Kind) -> ArraySlice<UInt8> {
        do throws(TruncatedData) { return try reader.readBytes(count) } catch {
            throw .truncated(chunk: nil, offset: error.offset, needed: error.needed, available: error.available - error.offset)
        }
    }
}
