// The representation analysis end to end on a small model and synthetic data: which layers
// become rows (MLP, CNN, Activation after Dense), the measures, the table, CSV, SVGs and page.

import Foundation
import PerceptronNN
import PerceptronTensor
import Testing
@testable import PerceptronReport

/// A Functional model from explicitly named layers, each built with a local generator, so
/// that neither the global generator nor the automatic names are touched.
private func namedModel(_ inputShape: [Int], _ layers: [any Layer], name: String) -> Model {
    let input = Input(shape: inputShape, name: "\(name)_input")
    var generator = SeededGenerator(seed: 3)
    var node = input
    for layer in layers {
        if layer.inputShape == nil { layer.build(inputShape: node.shape, generator: &generator) }
        node = layer(node)
    }
    return Model(inputs: input, outputs: node, name: name)
}

/// Three classes on a circle in 2-D, with the class also shifting 4 more (noise) features.
private func circleData(perClass: Int, seed: UInt64) -> (Tensor, [Int]) {
    var generator = SeededGenerator(seed: seed)
    var rows: [[Float]] = []
    var labels: [Int] = []
    for _ in 0..<perClass {
        for label in 0..<3 {
            let angle = Double(label) * 2 * Double.pi / 3
            var row = [Float(3 * cos(angle) + generator.nextNormal()), Float(3 * sin(angle) + generator.nextNormal())]
            row += (0..<4).map { _ in Float(generator.nextNormal()) }
            rows.append(row)
            labels.append(label)
        }
    }
    return (Tensor(rows: rows), labels)
}

@Suite("Representation analysis and report")
struct RepresentationReportTests {
    @Test func mlpRowsAreTheInputEachHiddenLayerAndTheOutput() {
        let model = namedModel([6], [Dense(8, activation: .relu, name: "rep_mlp_h1"), Dense(5, activation: .relu, name: "rep_mlp_h2"),
                                     Dense(3, activation: .softmax, name: "rep_mlp_out")], name: "rep_mlp")
        let rows = RepresentationAnalysis.layers(of: model)
        #expect(rows.map(\.name) == ["rep_mlp_input", "rep_mlp_h1", "rep_mlp_h2", "rep_mlp_out"])
        #expect(rows.map(\.label) == ["raw pixels", "hidden 1", "hidden 2", "output"])
        #expect(rows.map(\.width) == [6, 8, 5, 3])
        #expect(rows.map(\.note) == ["", "", "", "softmax probabilities"])
        #expect(RepresentationReport.title(rows[3]) == "output (softmax probabilities)")
    }

    @Test func cnnBlocksAreReadAfterPoolingAndShapeOnlyLayersAreSkipped() {
        let model = namedModel([6, 6, 1], [
            Conv2D(2, kernelSize: 3, activation: .relu, name: "rep_cnn_c1"), MaxPooling2D(2, name: "rep_cnn_p1"),
            Conv2D(3, kernelSize: 1, activation: .relu, name: "rep_cnn_c2"), Flatten(name: "rep_cnn_flat"),
            Dropout(0.5, name: "rep_cnn_drop"), Dense(4, name: "rep_cnn_z"), Activation(.relu, name: "rep_cnn_act"),
            Dense(3, name: "rep_cnn_out"),
        ], name: "rep_cnn")
        let rows = RepresentationAnalysis.layers(of: model)
        #expect(rows.map(\.name) == ["rep_cnn_input", "rep_cnn_p1", "rep_cnn_c2", "rep_cnn_act", "rep_cnn_out"])
        #expect(rows.map(\.block) == [[], ["rep_cnn_c1", "rep_cnn_p1"], ["rep_cnn_c2"], ["rep_cnn_z", "rep_cnn_act"], ["rep_cnn_out"]])
        #expect(rows.map(\.shape) == [[6, 6, 1], [2, 2, 2], [2, 2, 3], [4], [3]])
        #expect(rows.last?.note == "logits", "a linear last layer gives logits")
        #expect(RepresentationReport.layerText(rows[1]) == "rep_cnn_c1 + rep_cnn_p1")
    }

    @Test func analysisMeasuresEveryRowAndWritesTheFiles() throws {
        let model = namedModel([6], [Dense(8, activation: .relu, name: "rep_run_h"), Dense(3, activation: .softmax, name: "rep_run_out")],
                               name: "rep_run")
        model.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(learningRate: 0.02))
        let (train, trainLabels) = circleData(perClass: 60, seed: 1)
        let (test, testLabels) = circleData(perClass: 30, seed: 2)
        try model.fit(train, Tensor(trainLabels.map(Float.init)), batchSize: 30, epochs: 30, verbose: 0, seed: 1)
        var lines: [String] = []
        let sample = Array(stride(from: 0, to: 90, by: 2))
        let analysis = try RepresentationAnalysis(model: model, train: train, trainLabels: trainLabels, test: test, testLabels: testLabels,
                                                  sample: sample, probe: LinearProbe(epochs: 30, batchSize: 30, learningRate: 0.01)) {
            lines.append($0)
        }
        #expect(analysis.rows.count == 3 && lines.count == 3)
        #expect(analysis.trainCount == 180 && analysis.testCount == 90)
        #expect(analysis.sampleLabels == sample.map { testLabels[$0] })
        for row in analysis.rows {
            #expect(row.projection.count == 2 && row.projection.allSatisfy { $0.count == sample.count })
            #expect((0...1).contains(row.probeAccuracy) && (0...1).contains(row.centroidAccuracy) && row.varianceRatio > 0)
            #expect(row.explainedVariance[0] >= row.explainedVariance[1])
        }
        // The raw features hold the classes in two of six coordinates: separable, but the
        // four noise features dilute the variance ratio that the trained layers concentrate.
        #expect(analysis.rows[0].probeAccuracy > 0.8)
        #expect(analysis.rows[2].varianceRatio > analysis.rows[0].varianceRatio)
        // The measures are those of the parts, computed directly.
        #expect(analysis.rows[0].varianceRatio == SeparationMeasures.varianceRatio(test, labels: testLabels))
        let hidden = try model.activations(of: "rep_run_h", for: test)
        #expect(analysis.rows[1].varianceRatio == SeparationMeasures.varianceRatio(hidden, labels: testLabels))
        let pca = PCA(fitting: hidden.gathered(rows: sample))
        #expect(analysis.rows[1].projection == pca.transform(hidden.gathered(rows: sample)))

        let table = RepresentationReport.table(analysis).split(separator: "\n")
        #expect(table.count == 5)
        #expect(table[2].hasPrefix("| raw pixels | rep_run_input | 6 | "))
        #expect(table[4].hasPrefix("| output (softmax probabilities) | rep_run_out | 3 | "))
        let csv = RepresentationReport.csv(analysis).split(separator: "\n")
        #expect(csv.count == 4 && csv[1].hasPrefix("rep_run_input,raw pixels,,6,"))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-represent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try RepresentationReport.write(analysis, modelName: "tiny", into: folder)
        #expect(written.map(\.lastPathComponent) == ["represent.html", "represent.csv", "pca-0-rep_run_input.svg",
                                                     "pca-1-rep_run_h.svg", "pca-2-rep_run_out.svg"])
        let page = try String(contentsOf: written[0], encoding: .utf8)
        #expect(page.components(separatedBy: "<svg").count - 1 == 3)
        #expect(!page.contains("<?xml") && !page.contains("http:") && !page.contains("<script"))
        #expect(page.contains("What the hidden layers learn: tiny") && page.contains("Householder"))
        let svg = try String(contentsOf: written[3], encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.components(separatedBy: "class=\"points\"").count - 1 == 3, "one path per class")
        #expect(svg.contains("PC 1 (") && svg.contains("hidden 1: rep_run_h, 8 values"))
    }

    @Test func badInputsThrow() {
        let model = namedModel([2], [Dense(2, activation: .softmax, name: "rep_bad_out")], name: "rep_bad")
        let x = Tensor(rows: [[0, 1], [1, 0], [1, 1]])
        #expect(throws: TrainingError.self) {
            try RepresentationAnalysis(model: model, train: x, trainLabels: [0, 1], test: x, testLabels: [0, 1, 0], sample: [0, 1])
        }
        #expect(throws: TrainingError.self) {
            try RepresentationAnalysis(model: model, train: x, trainLabels: [0, 1, 0], test: x, testLabels: [0, 1, 0], sample: [0, 3])
        }
        #expect(throws: TrainingError.self) {
            try RepresentationAnalysis(model: model, train: Tensor.zeros([3, 5]), trainLabels: [0, 1, 0], test: x,
                                       testLabels: [0, 1, 0], sample: [0, 1])
        }
    }

    @Test func subsetPicksSamplesInOrder() {
        let base = Tensor(rows: [[0, 0], [1, 1], [2, 2], [3, 3]])
        let subset = SampleSubset(base, indices: [3, 1])
        #expect(subset.sampleCount == 2 && subset.sampleShape == [2])
        #expect(subset.materialized() == Tensor(rows: [[3, 3], [1, 1]]))
        #expect(subset.firstNonFiniteSample() == nil)
        var withNaN = base
        withNaN[2, 0] = .nan
        #expect(SampleSubset(withNaN, indices: [0, 2]).firstNonFiniteSample() == 1)
    }
}
