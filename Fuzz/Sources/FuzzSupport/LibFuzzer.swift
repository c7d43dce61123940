// Starting libFuzzer from a Swift executable's `main`, and turning its input into bytes.
// Each fuzzer's main.swift defines its `LLVMFuzzerTestOneInput` and calls `runLibFuzzer`.

import CLibFuzzer
#if canImport(Glibc)
import Glibc
#endif

/// The signature libFuzzer calls for every input: data and size; returns 0.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the process's command-line flags (`-max_total_time`, corpus folders,
/// ...) and exits with its status.
///
/// SwiftPM renames an executable's entry point and links `main` to it, so libFuzzer's own
/// `main` is never used; `LLVMFuzzerRunDriver` is the documented way to start it instead.
public func runLibFuzzer(_ callback: FuzzCallback) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The fuzzer's input as an array (empty for a null pointer).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
