// Test support: a small synthetic dataset in the MNIST layout (four classes of 28x28 squares,
// written as IDX files), a one-layer model trained on it, and an SVG parser. No assertions.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PerceptronData
import PerceptronNN
import PerceptronReport
import PerceptronTensor

/// Four classes: a 10 x 10 white square in one quadrant of a 28 x 28 image (class 0 top left,
/// 1 top right, 2 bottom left, 3 bottom right), moved by up to 3 pixels, on faint noise.
/// Every tenth test image shows the square of the next class, so a model that learnt the
/// quadrants gets those wrong and the report has misclassified digits to show.
enum SyntheticDigits {
    static let classes = 4
    static let trainCount = 100
    static let testCount = 40

    /// The pixels of one image of class `k`, varied by `index`.
    static func image(class k: Int, index: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: UInt64(index) * 7919 + UInt64(k))
        var pixels = (0..<784).map { _ in UInt8(generator.next() % 40) }
        let top = (k / 2) * 14 + 2 + index % 3, left = (k % 2) * 14 + 2 + (index / 3) % 3
        for y in top..<top + 10 {
            for x in left..<left + 10 { pixels[y * 28 + x] = 255 }
        }
        return pixels
    }

    /// Whether test image `index` shows another class than its label.
    static func isMislabelled(testIndex index: Int) -> Bool { index % 10 == 9 }

    /// Writes the four IDX files into `folder` and loads them as `MNIST`.
    static func write(into folder: URL) throws -> MNIST {
        let trainLabels = (0..<trainCount).map { $0 % classes }
        let testLabels = (0..<testCount).map { $0 % classes }
        let trainPixels = trainLabels.enumerated().flatMap { image(class: $1, index: $0) }
        let testPixels = testLabels.enumerated().flatMap { index, label in
            image(class: isMislabelled(testIndex: index) ? (label + 1) % classes : label, index: index + 1000)
        }
        let files: [(String, IDXArray)] = [
            ("train-images-idx3-ubyte", IDXArray(type: .uint8, shape: [trainCount, 28, 28], payload: trainPixels)),
            ("train-labels-idx1-ubyte", IDXArray(type: .uint8, shape: [trainCount], payload: trainLabels.map(UInt8.init))),
            ("t10k-images-idx3-ubyte", IDXArray(type: .uint8, shape: [testCount, 28, 28], payload: testPixels)),
            ("t10k-labels-idx1-ubyte", IDXArray(type: .uint8, shape: [testCount], payload: testLabels.map(UInt8.init))),
        ]
        for (name, array) in files {
            try Data(IDX.encode(array)).write(to: folder.appendingPathComponent(name))
        }
        return try MNIST.load(from: folder)
    }
}

/// A run as `perceptron train` makes it, on `SyntheticDigits`: a 784-4 softmax model trained
/// for three epochs, evaluated on the test set, and its report written into a fresh folder.
struct SyntheticRun {
    let folder: URL
    let dataset: MNIST
    let model: Model
    let history: History
    let record: RunRecord
    let written: [URL]

    /// The classes `model.predict` gives the test images, found without `TestPredictions`.
    var predicted: [Int] {
        get throws {
            try model.predict(dataset.testImages.scaled(by: record.pixelScale).reshaped(sampleShape: [784])).argmax(axis: 1)
        }
    }

    var testLabels: [Int] { dataset.testLabels.bytes.map(Int.init) }

    static func make() throws -> SyntheticRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let dataFolder = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dataFolder, withIntermediateDirectories: true)
        let dataset = try SyntheticDigits.write(into: dataFolder)

        // Built with a local generator, so tests running in parallel never share random state.
        let input = Input(shape: [784], name: "pixels")
        let output = Dense(SyntheticDigits.classes, activation: .softmax, name: "quadrant")
        var generator = SeededGenerator(seed: 3)
        output.build(inputShape: [784], generator: &generator)
        let model = Model(inputs: input, outputs: output(input), name: "quadrants")
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.01), metrics: [.categoricalAccuracy])

        let scale: Float = 1 / 255
        let x = dataset.trainImages.scaled(by: scale).reshaped(sampleShape: [784])
        let history = try model.fit(x, oneHot(dataset.trainLabels, classes: SyntheticDigits.classes), batchSize: 20,
                                    epochs: 3, verbose: 0, validationSplit: 0.2, seed: 5)
        let result = try model.evaluate(dataset.testImages.scaled(by: scale).reshaped(sampleShape: [784]),
                                        oneHot(dataset.testLabels, classes: SyntheticDigits.classes), verbose: 0)
        let record = RunRecord(settings: [["epochs", "3"], ["batch size", "20"]], dataFolder: dataFolder.path,
                               pixelScale: scale, testLoss: result.loss,
                               testAccuracy: result.metrics["categorical_accuracy"] ?? .nan,
                               machine: "test machine, 2 cores", backend: "portable (1 thread)",
                               date: "2024-05-01T12:00:00Z")
        let written = try RunReport.write(into: folder, model: model, history: history, record: record, dataset: dataset)
        return SyntheticRun(folder: folder, dataset: dataset, model: model, history: history, record: record, written: written)
    }

    func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// An SVG document parsed with Foundation's XML parser; parsing fails on malformed XML.
struct ParsedSVG {
    let root: XMLElement

    init(_ svg: String) throws {
        let document = try XMLDocument(data: Data(svg.utf8), options: [])
        guard let root = document.rootElement() else { throw ParseFailure.noRoot }
        self.root = root
    }

    enum ParseFailure: Error { case noRoot }

    /// Every element named `name` (ignoring the SVG namespace) in `scope`, in document order.
    func elements(_ name: String, in scope: XMLElement? = nil) -> [XMLElement] {
        var found: [XMLElement] = []
        func walk(_ element: XMLElement) {
            if (element.localName ?? element.name) == name { found.append(element) }
            for child in element.children ?? [] {
                if let child = child as? XMLElement { walk(child) }
            }
        }
        walk(scope ?? root)
        return found
    }

    /// The `<g>` elements whose class is `className`.
    func groups(_ className: String) -> [XMLElement] {
        elements("g").filter { $0.value("class") == className }
    }

    /// The texts of the `<text>` elements in `scope` (the whole document by default).
    func texts(in scope: XMLElement? = nil) -> [String] {
        elements("text", in: scope).map { $0.stringValue ?? "" }
    }

    /// The texts of the `<text>` elements inside the first group of class `className`.
    func texts(inGroup className: String) -> [String] {
        guard let group = groups(className).first else { return [] }
        return texts(in: group)
    }
}

extension XMLElement {
    /// The value of attribute `name`, or nil (searched by hand: on Linux
    /// `attribute(forName:)` finds nothing on an element in a default namespace).
    func value(_ name: String) -> String? {
        attributes?.first { ($0.localName ?? $0.name) == name }?.stringValue
    }
}
