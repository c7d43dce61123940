// Fuzzes the model-file loader: safetensors framing, the JSON header and architecture, layer
// configs, weights and compile settings (`Model.load(bytes:path:)`), then a summary and a
// re-save of whatever loads.
//
// Each input is loaded twice: as it is, and with the 8-byte header length set to the length
// of the JSON object that follows. A mutation that inserts or deletes a byte in the header
// would otherwise nearly always fail the length check and never reach the JSON.

import FuzzSupport
import PerceptronNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    load(bytes)
    if let fixed = withHeaderLengthFixed(bytes), fixed != bytes { load(fixed) }
    return 0
}

private func load(_ bytes: [UInt8]) {
    if let model = try? Model.load(bytes: bytes, path: "fuzz.safetensors") {
        _ = model.summaryText()
        _ = model.fileBytes()
    }
}

/// `bytes` with its first 8 bytes (little-endian) giving the length of the JSON object from
/// byte 8 to its closing brace (strings and escapes skipped); nil when there is none.
private func withHeaderLengthFixed(_ bytes: [UInt8]) -> [UInt8]? {
    guard bytes.count > 8, bytes[8] == UInt8(ascii: "{") else { return nil }
    var depth = 0, inString = false, escaped = false
    for i in 8..<bytes.count {
        let byte = bytes[i]
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
            if depth == 0 {
                var out = bytes
                let length = UInt64(i - 7)
                for k in 0..<8 { out[k] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(k))) }
                return out
            }
        default: break
        }
    }
    return nil
}

runLibFuzzer(fuzzModelFile)
