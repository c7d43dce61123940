// Fuzzes the PNG decoder: grey (both alpha modes) and colour output. A small pixel limit keeps
// each input fast; the size checks themselves are exercised all the same.
//
// Each input is decoded twice: as it is, and with every chunk's CRC recomputed. Almost every
// mutation breaks a CRC, so without the second pass the fuzzer would rarely get past the
// chunk framing to IHDR, PLTE, tRNS, the zlib stream and the filters.

import FuzzSupport
import PerceptronIO
import PerceptronVision

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    decode(bytes)
    let fixed = withCorrectCRCs(bytes)
    if fixed != bytes { decode(fixed) }
    return 0
}

private func decode(_ bytes: [UInt8]) {
    _ = try? PNG.decodeGrey(bytes, maxPixels: 1 << 22)
    _ = try? PNG.decodeGrey(bytes, alpha: .compositeOverWhite, maxPixels: 1 << 22)
    _ = try? PNG.decodeColor(bytes, maxPixels: 1 << 22)
}

/// `bytes` with the CRC of every complete chunk after the 8-byte signature set right.
private func withCorrectCRCs(_ bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    var offset = 8
    while offset + 12 <= out.count {
        let length = out[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length <= out.count - offset - 12 else { break }
        let crc = Zlib.crc32(out[offset + 4..<offset + 8 + length])
        for i in 0..<4 { out[offset + 8 + length + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
        offset += 12 + length
    }
    return out
}

runLibFuzzer(fuzzPNG)
