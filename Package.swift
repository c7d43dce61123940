// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Perceptron",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Perceptron", targets: ["Perceptron"]),
        .executable(name: "perceptron", targets: ["perceptron"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only for `swift package generate-documentation` (Scripts/docs.sh); nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The playground's HTTP server: no dependencies of its own, streaming responses.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        // ONNX files: the runtime only; the schema's Swift code is generated once and committed
        // (Scripts/onnx-proto.sh), so no build-time plugin runs.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // zlib from the system (Linux: zlib1g; macOS: the SDK's libz), for gzip and PNG.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "PerceptronIO", dependencies: ["CZlib"]),
        // Floating-point control (flush subnormals to zero) for each thread that computes, and
        // kernels for AVX2 and AVX-512 (chosen at run time, no compiler flags).
        .target(name: "CPerceptronCPU"),
        .target(name: "PerceptronTensor", dependencies: ["CPerceptronCPU"]),
        .target(name: "PerceptronNN", dependencies: ["CPerceptronCPU", "PerceptronTensor", "PerceptronIO", "PerceptronVision"]),
        .target(name: "PerceptronMNIST", dependencies: ["PerceptronIO"], resources: [.copy("mnist")]),
        .target(name: "PerceptronData", dependencies: [
            "PerceptronTensor", "PerceptronIO", "PerceptronMNIST", "PerceptronVision",
        ]),
        .target(name: "PerceptronPlot", dependencies: ["PerceptronIO"]),
        .target(name: "PerceptronVision", dependencies: ["PerceptronTensor", "PerceptronIO"]),
        .target(name: "PerceptronReport", dependencies: [
            "PerceptronIO", "PerceptronTensor", "PerceptronNN", "PerceptronData", "PerceptronVision", "PerceptronPlot",
        ]),
        // A training run, start to end: its folder, resume, Ctrl-C, guards and report, for every front end.
        .target(name: "PerceptronTraining", dependencies: [
            "PerceptronIO", "PerceptronTensor", "PerceptronNN", "PerceptronData", "PerceptronReport",
        ]),
        // `perceptron serve`: the playground's HTTP API, its model registry, and the page.
        .target(name: "PerceptronServe", dependencies: [
            "PerceptronIO", "PerceptronTensor", "PerceptronNN", "PerceptronData", "PerceptronVision", "PerceptronReport",
            "PerceptronTraining", .product(name: "FlyingFox", package: "FlyingFox"),
        ], resources: [.copy("Resources/web")]),
        // ONNX export and import: Perceptron's models in and out of the field's exchange format.
        .target(name: "PerceptronONNX", dependencies: [
            "PerceptronIO", "PerceptronTensor", "PerceptronNN",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .target(name: "Perceptron", dependencies: [
            "PerceptronIO", "PerceptronTensor", "PerceptronNN", "PerceptronData", "PerceptronVision", "PerceptronPlot",
            "PerceptronReport", "PerceptronTraining", "PerceptronONNX",
        ]),
        .executableTarget(name: "perceptron", dependencies: [
            "Perceptron", "PerceptronServe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "PerceptronIOTests", dependencies: ["PerceptronIO"]),
        .testTarget(name: "PerceptronTensorTests", dependencies: ["PerceptronTensor"]),
        .testTarget(name: "PerceptronNNTests", dependencies: ["PerceptronNN", "PerceptronData"]),
        .testTarget(name: "PerceptronDataTests", dependencies: ["PerceptronData", "PerceptronIO"]),
        .testTarget(name: "PerceptronVisionTests", dependencies: ["PerceptronVision"], exclude: ["Images/Fixtures"]),
        .testTarget(name: "PerceptronPlotTests", dependencies: ["PerceptronPlot"]),
        .testTarget(name: "PerceptronReportTests", dependencies: ["PerceptronReport"]),
        .testTarget(name: "PerceptronTrainingTests", dependencies: ["PerceptronTraining"]),
        .testTarget(name: "PerceptronServeTests", dependencies: ["PerceptronServe", "PerceptronTraining"]),
        .testTarget(name: "PerceptronONNXTests", dependencies: ["PerceptronONNX", "PerceptronNN", "PerceptronData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PerceptronCLITests", dependencies: ["perceptron"]),
    ],
    swiftLanguageModes: [.v6]
)
