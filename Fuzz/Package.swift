// swift-tools-version: 6.0
// libFuzzer targets for Perceptron's readers: IDX, PNG, PGM, model files, histories and ONNX.
// Built only by Scripts/fuzz.sh (release, `-sanitize=fuzzer,address`); the root package's
// `swift build` and `swift test` never see this package.
import Foundation
import PackageDescription

/// The root package's identity: SwiftPM names a path dependency after its folder, lowercased,
/// whatever the checkout is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .standardizedFileURL.lastPathComponent.lowercased()

/// One executable per fuzzer; each links libFuzzer, whose driver it starts from `main.swift`.
func fuzzer(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "Perceptron", package: root)],
        // SwiftPM links an executable with `--defsym main=<Target>_main`; the system linker
        // (gold) fails with an internal error on that together with libFuzzer, lld does not.
        linkerSettings: [.unsafeFlags(["-use-ld=lld"])])
}

let package = Package(
    name: "PerceptronFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        // The declaration of libFuzzer's `LLVMFuzzerRunDriver`, which the runtime provides.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        fuzzer("FuzzIDX"),
        fuzzer("FuzzPNG"),
        fuzzer("FuzzPGM"),
        fuzzer("FuzzModelFile"),
        fuzzer("FuzzHistoryCSV"),
        fuzzer("FuzzHistoryJSON"),
        fuzzer("FuzzONNX"),
    ],
    swiftLanguageModes: [.v6]
)
