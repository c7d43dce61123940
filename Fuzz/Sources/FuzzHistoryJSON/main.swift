// Fuzzes the history JSON reader (`History.parseJSON`), then writes what it read back out.

import FuzzSupport
import PerceptronNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHistoryJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    if let history = try? History.parseJSON(text, path: "fuzz.json") {
        _ = history.csv()
        _ = history.json()
    }
    return 0
}

runLibFuzzer(fuzzHistoryJSON)
