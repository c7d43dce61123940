// Representation learning made measurable: which layers of a model are read, and for each the
// separation measures and a 2-D PCA projection. Tables, charts and the page: RepresentationReport.swift.

import Foundation
import PerceptronNN
import PerceptronTensor

/// One representation a model computes, a row of the table: the raw input or the output of a
/// block of layers.
public struct RepresentationLayer: Sendable, Hashable {
    /// The layer whose output is read (the input layer's name for the raw pixels).
    public let name: String
    /// `"raw pixels"`, `"hidden 1"`, `"hidden 2"`, ..., `"output"`.
    public let label: String
    /// The layers of the block, first to last (`["conv2d", "max_pooling2d"]`); empty for the input.
    public let block: [String]
    /// What the output row holds, e.g. `"softmax probabilities"`; empty for other rows.
    public let note: String
    /// The per-sample output shape; the measures flatten it.
    public let shape: [Int]

    /// A row reading the output of `name`; see the properties.
    public init(name: String, label: String, block: [String], note: String = "", shape: [Int]) {
        self.name = name
        self.label = label
        self.block = block
        self.note = note
        self.shape = shape
    }

    /// The flattened width, the product of `shape`.
    public var width: Int { shape.reduce(1, *) }
}

/// The measures of one representation.
public struct LayerSeparation: Sendable {
    /// The representation measured.
    public let layer: RepresentationLayer
    /// Test accuracy of a `LinearProbe` trained on the training rows.
    public let probeAccuracy: Double
    /// `SeparationMeasures.varianceRatio` over the test rows.
    public let varianceRatio: Double
    /// `SeparationMeasures.nearestCentroidAccuracy`: centroids from the training rows, scored on the test rows.
    public let centroidAccuracy: Double
    /// The sampled test rows on the first two principal components: `projection[0]` (x), `[1]` (y).
    public let projection: [[Double]]
    /// The share of the sample's variance on each of the two components.
    public let explainedVariance: [Double]
    /// How the components were computed.
    public let pcaMethod: PCA.Method
    /// Seconds spent on this row (PCA, probe and measures; the forward passes are shared).
    public let seconds: Double
    /// Seconds of that spent on the PCA.
    public let pcaSeconds: Double
}

/// The representation analysis of a trained model: for the raw input and each hidden block's
/// output, how separable the classes are and what the first two principal components show.
///
/// - The rows are those of `layers(of:)`.
/// - The linear probe and the nearest-class centroids are fitted on the training rows and
///   scored on all test rows; the variance ratio is computed on all test rows.
/// - The PCA is fitted on the `sample` of test rows (2,000 by default on the command line)
///   and projects those same rows, which the scatter plots show.
public struct RepresentationAnalysis: Sendable {
    /// One entry per representation, in model order.
    public let rows: [LayerSeparation]
    /// The classes of the sampled test rows, in the order of the projections.
    public let sampleLabels: [Int]
    /// Rows the probes and centroids were fitted on.
    public let trainCount: Int
    /// Rows they were scored on.
    public let testCount: Int
    /// The probe settings used.
    public let probe: LinearProbe

    /// The representations worth reading in `model`, in order:
    /// - the input, labelled "raw pixels";
    /// - one per block, a block starting at each layer with a kernel (Dense, Conv2D) and
    ///   running through the layers after it up to the next such layer: activations,
    ///   pooling, batch normalisation, flattening and dropout. A block is read at its last
    ///   layer that changes values (Flatten, Reshape and Dropout, an identity outside
    ///   training, do not), so a Conv2D is read after its pooling layer: the CNN's rows are
    ///   "conv2d + max_pooling2d" and so on, never the four-times-wider map before pooling.
    /// - The last block is "output"; its note says whether it holds softmax or sigmoid
    ///   probabilities or the values of a linear layer (logits).
    public static func layers(of model: Model) -> [RepresentationLayer] {
        var rows = [RepresentationLayer(name: model.inputLayer.name, label: "raw pixels", block: [], shape: model.inputShape)]
        var shapes = [model.inputShape]
        for layer in model.layers { shapes.append(layer.outputShape(for: shapes.last!)) }
        let starts = model.layers.indices.filter { model.layers[$0] is Dense || model.layers[$0] is Conv2D }
        for (position, start) in starts.enumerated() {
            let end = position + 1 < starts.count ? starts[position + 1] : model.layers.count
            var read = start
            for index in start..<end where !(model.layers[index] is Flatten || model.layers[index] is Reshape || model.layers[index] is Dropout) {
                read = index
            }
            let isOutput = position == starts.count - 1
            let block = model.layers[start...read].map(\.name)
            var note = ""
            if isOutput {
                let activation = model.layers[start...read].compactMap { ($0 as? any LogitsOutputLayer)?.activation }.last
                switch activation {
                case .softmax?: note = "softmax probabilities"
                case .sigmoid?: note = "sigmoid probabilities"
                case .linear?: note = "logits"
                default: note = activation.map { "\($0.rawValue) outputs" } ?? ""
                }
            }
            rows.append(RepresentationLayer(name: model.layers[read].name, label: isOutput ? "output" : "hidden \(position + 1)",
                                            block: block, note: note, shape: shapes[read + 1]))
        }
        return rows
    }

    /// Runs the whole analysis.
    ///
    /// - Parameters:
    ///   - model: the trained model whose layers are measured.
    ///   - train: samples in the model's input shape for the probes and centroids, e.g.
    ///     10,000 training images scaled as in training.
    ///   - trainLabels: the class of each training sample.
    ///   - test: samples for scoring; `sample` indexes the ones projected and plotted.
    ///   - testLabels: the class of each test sample.
    ///   - sample: positions in `test` of the samples fitted by the PCA and plotted; at least 2.
    ///   - probe: the linear probe's settings; `LinearProbe()`'s defaults when omitted.
    ///   - layers: the rows; `layers(of: model)` when nil.
    ///   - progress: told one line per finished row.
    /// - Throws: `TrainingError` for samples that do not fit the model or a probe that cannot
    ///   train; `UnknownLayerError` for a row naming a layer the model lacks.
    public init(model: Model, train: some SampleSource, trainLabels: [Int], test: some SampleSource, testLabels: [Int],
                sample: [Int], probe: LinearProbe = LinearProbe(), layers: [RepresentationLayer]? = nil,
                progress: ((String) -> Void)? = nil) throws {
        guard trainLabels.count == train.sampleCount, testLabels.count == test.sampleCount else {
            throw TrainingError("\(train.sampleCount) training and \(test.sampleCount) test samples need as many labels, got \(trainLabels.count) and \(testLabels.count)")
        }
        guard train.sampleCount >= 1, sample.count >= 2, sample.allSatisfy({ (0..<test.sampleCount).contains($0) }) else {
            throw TrainingError("the analysis needs training samples and at least 2 sampled test samples within 0..<\(test.sampleCount)")
        }
        guard (trainLabels + testLabels).allSatisfy({ $0 >= 0 }) else { throw TrainingError("labels must be 0 or more") }
        let rows = layers ?? RepresentationAnalysis.layers(of: model)
        let names = rows.map(\.name)
        let classes = max((trainLabels + testLabels).max() ?? 0, model.outputShape.reduce(1, *) - 1) + 1
        let trainActivations = try model.activations(of: names, for: train, batchSize: 250)
        let testActivations = try model.activations(of: names, for: test, batchSize: 250)
        var results: [LayerSeparation] = []
        for (index, row) in rows.enumerated() {
            let start = Date()
            let trainRows = trainActivations[index].flattenedBatch()
            let testRows = testActivations[index].flattenedBatch()
            let sampled = testRows.gathered(rows: sample)
            let pca = PCA(fitting: sampled, components: min(2, row.width))
            let pcaSeconds = Date().timeIntervalSince(start)
            var projection = pca.transform(sampled)
            if projection.count < 2 { projection.append([Double](repeating: 0, count: sample.count)) }
            var explained = pca.explainedVarianceRatio
            if explained.count < 2 { explained.append(0) }
            let probeAccuracy = try probe.accuracy(train: trainRows, trainLabels: trainLabels, test: testRows,
                                                   testLabels: testLabels, classes: classes)
            let result = LayerSeparation(
                layer: row, probeAccuracy: probeAccuracy,
                varianceRatio: SeparationMeasures.varianceRatio(testRows, labels: testLabels),
                centroidAccuracy: SeparationMeasures.nearestCentroidAccuracy(train: trainRows, trainLabels: trainLabels,
                                                                              test: testRows, testLabels: testLabels),
                projection: projection, explainedVariance: explained, pcaMethod: pca.method,
                seconds: Date().timeIntervalSince(start), pcaSeconds: pcaSeconds)
            results.append(result)
            progress?(String(format: "%@ (%@, %d values): probe %.2f%%, between/within %.3f, centroid %.2f%%, PCA %.1f%% + %.1f%% of variance, %.2f s (PCA %.2f s)",
                             row.label, row.name, row.width, result.probeAccuracy * 100, result.varianceRatio,
                             result.centroidAccuracy * 100, explained[0] * 100, explained[1] * 100, result.seconds, pcaSeconds))
        }
        self.rows = results
        sampleLabels = sample.map { testLabels[$0] }
        trainCount = train.sampleCount
        testCount = test.sampleCount
        self.probe = probe
    }
}

/// The samples of `base` at `indices`, in that order: a subset without copying the data.
public struct SampleSubset<Base: SampleSource>: SampleSource {
    /// The samples chosen from.
    public let base: Base
    /// The positions in `base` of this subset's samples, in order.
    public let indices: [Int]

    /// The samples of `base` at `indices`.
    ///
    /// - Precondition: every index lies in `0..<base.sampleCount`.
    public init(_ base: Base, indices: [Int]) {
        precondition(indices.allSatisfy { (0..<base.sampleCount).contains($0) },
                     "SampleSubset indices must lie in 0..<\(base.sampleCount)")
        self.base = base
        self.indices = indices
    }

    /// The number of chosen samples, `indices.count`.
    public var sampleCount: Int { indices.count }
    /// The base's per-sample shape.
    public var sampleShape: [Int] { base.sampleShape }

    /// Copies the chosen samples at `positions` (positions in `indices`, not in the base)
    /// into `destination`, one after another.
    public func copySamples(at positions: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
        positions.map { indices[$0] }.withUnsafeBufferPointer { base.copySamples(at: $0, into: destination) }
    }

    /// The position (in `indices`) of the first chosen sample holding NaN or infinity, if
    /// any; the base is asked first, so a clean base costs one pass.
    public func firstNonFiniteSample() -> Int? {
        guard base.firstNonFiniteSample() != nil else { return nil }
        return indices.indices.first { !base.gather([indices[$0]]).isFinite }
    }
}
