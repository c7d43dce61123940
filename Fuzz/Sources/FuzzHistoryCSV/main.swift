// Fuzzes the history CSV reader (`History.parseCSV`), then writes what it read back out.

import FuzzSupport
import PerceptronNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHistoryCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    if let history = try? History.parseCSV(text, path: "fuzz.csv") {
        _ = history.csv()
        _ = history.json()
    }
    return 0
}

runLibFuzzer(fuzzHistoryCSV)
