// `perceptron represent`: what each hidden layer of a saved model does to the data, as a table
// of separation measures (stdout), PCA scatter plots and represent.html. The maths is in PerceptronReport.

import ArgumentParser
import Foundation
import Perceptron

struct Represent: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure how each layer of a model separates the classes, and plot its PCA.",
        discussion: """
            For the raw pixels, each hidden layer (or convolution block) and the output: a linear probe's \
            test accuracy, the between/within-class variance ratio and nearest-centroid accuracy, printed as \
            a table; and each layer's first two principal components on a sample of test images, as SVG \
            scatter plots and in represent.html.
            """)

    @OptionGroup var modelFile: ModelFileOption

    @Option(help: "Test images projected and plotted (a seeded random sample).")
    var samples: Int = 2000

    @Option(name: .customLong("train-samples"), help: "Training images the probes and centroids are fitted on (a seeded random sample).")
    var trainSamples: Int = 10000

    @Option(help: ArgumentHelp("Folder for represent.html, represent.csv and the pca-*.svg plots.", valueName: "dir"))
    var output: String = "represent"

    @OptionGroup var data: DataOptions

    @Option(help: "Random seed for the samples and the probes.")
    var seed: UInt64 = 42

    @Option(name: .customLong("probe-epochs"), help: "Epochs each linear probe is trained for.")
    var probeEpochs: Int = LinearProbe().epochs

    func validate() throws {
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2, got \(samples)") }
        guard trainSamples >= 1 else { throw ValidationError("--train-samples must be at least 1, got \(trainSamples)") }
        guard probeEpochs >= 1 else { throw ValidationError("--probe-epochs must be at least 1, got \(probeEpochs)") }
    }

    func run() throws {
        try checkBackend()
        try checkWritableFolder(output, option: "--output")
        let start = Date()
        let model = try modelFile.load()
        let mnist = try data.load()
        let scale = model.pixelScale
        let train = try model.samples(from: mnist.trainImages, scale: scale)
        let test = try model.samples(from: mnist.testImages, scale: scale)
        let trainCount = min(trainSamples, train.sampleCount)
        let sampleCount = min(samples, test.sampleCount)
        if trainCount < trainSamples { printError("using all \(trainCount) training images") }
        if sampleCount < samples { printError("sampling all \(sampleCount) test images") }
        var generator = SeededGenerator(seed: seed)
        let trainIndices = Array(generator.permutation(train.sampleCount).prefix(trainCount)).sorted()
        let sample = Array(generator.permutation(test.sampleCount).prefix(sampleCount)).sorted()
        let trainLabels = trainIndices.map { Int(mnist.trainLabels.bytes[$0]) }
        let testLabels = mnist.testLabels.bytes.map(Int.init)

        let analysis = try RepresentationAnalysis(
            model: model, train: SampleSubset(train, indices: trainIndices), trainLabels: trainLabels,
            test: test, testLabels: testLabels, sample: sample,
            probe: LinearProbe(epochs: probeEpochs, seed: seed)) { printError($0) }
        let folder = URL(fileURLWithPath: output)
        try FileIO.prepareFolder(folder)
        let name = URL(fileURLWithPath: modelFile.model).deletingLastPathComponent().lastPathComponent
        try RepresentationReport.write(analysis, modelName: name.isEmpty ? modelFile.model : name, into: folder)
        print(RepresentationReport.table(analysis), terminator: "")
        printError("wrote \(folder.appendingPathComponent(RepresentationReport.pageName).path), \(RepresentationReport.csvName) and pca-*.svg")
        printError(String(format: "represent took %.1f s (%d training images for the probes, %d test images, %d plotted)",
                          Date().timeIntervalSince(start), trainCount, test.sampleCount, sampleCount))
    }
}
