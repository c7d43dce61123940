// Fuzzes the PGM decoder (P5 and P2), with the default pixel limit and a small one.

import FuzzSupport
import PerceptronVision

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPGM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? PGM.decode(bytes)
    _ = try? PGM.decode(bytes, maxPixels: 64)
    return 0
}

runLibFuzzer(fuzzPGM)
