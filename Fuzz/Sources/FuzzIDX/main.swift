// Fuzzes the IDX reader (`IDX.decode`, gzip or raw) and, on success, the conversion to floats.

import FuzzSupport
import PerceptronData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if let array = try? IDX.decode(fuzzBytes(data, size), path: "fuzz.idx") {
        _ = array.floats
        _ = array.bytes
    }
    return 0
}

runLibFuzzer(fuzzIDX)
