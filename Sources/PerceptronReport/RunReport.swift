// Writing a run folder's pictures and report: history.json, loss.svg, accuracy.svg,
// confusion.svg, samples.png, misclassified.png and one self-contained report.html.

import Foundation
import PerceptronData
import PerceptronIO
import PerceptronNN
import PerceptronPlot
import PerceptronTensor
import PerceptronVision

/// Test-set predictions of a model: the class and probability of each image.
public struct TestPredictions: Sendable {
    /// `predicted[i]`: the class with the highest probability for image `i` (the first on a tie).
    public let predicted: [Int]
    /// `confidence[i]`: the probability the model gave to `predicted[i]`.
    public let confidence: [Float]
    /// `labels[i]`: the true class of image `i`.
    public let labels: [Int]
    /// The number of classes: the model's output width, or more if a label is larger.
    public let classes: Int

    /// Runs `model` over `images` `[N, H, W]` scaled by `scale`, in batches of 1000.
    ///
    /// - Throws: `RunFolderError` when the model's input does not hold `H * W` values;
    ///   `TrainingError` when `scale` is NaN or infinite.
    public init(model: Model, images: ByteTensor, labels: ByteTensor, scale: Float) throws {
        guard model.inputShape.reduce(1, *) == images.rowWidth else {
            throw RunFolderError("the model takes \(model.inputShape) inputs but the images have \(images.rowWidth) pixels")
        }
        let probabilities = try model.predict(images.scaled(by: scale).reshaped(sampleShape: model.inputShape), batchSize: 1000)
        let classes = probabilities.rowWidth
        let best = probabilities.argmax(axis: 1)
        var confidence = [Float](repeating: 0, count: best.count)
        probabilities.withUnsafeBufferPointer { p in
            for (row, k) in best.enumerated() { confidence[row] = p[row * classes + k] }
        }
        self.predicted = best
        self.confidence = confidence
        self.labels = labels.bytes.map(Int.init)
        self.classes = max(classes, (self.labels.max() ?? 0) + 1)
    }

    /// The confusion matrix of `labels` (rows) against `predicted` (columns).
    public var confusion: ConfusionMatrix {
        ConfusionMatrix(trueLabels: labels, predicted: predicted, classes: classes)
    }
}

/// The files of a run folder beyond the model and `history.csv`.
public enum RunReport {
    /// The names written by `write`, in order.
    public static let fileNames = ["history.json", "loss.svg", "accuracy.svg", "confusion.svg",
                                   "samples.png", "misclassified.png", "report.html"]

    /// Writes every picture and the report into `folder`, each file atomically.
    ///
    /// - Parameters:
    ///   - folder: the run folder; it must exist.
    ///   - model: the trained model, whose test predictions the report shows.
    ///   - history: the per-epoch losses and metrics, for the charts and the epoch table.
    ///   - record: the run's settings and results; its `pixelScale` scales the test images.
    ///   - dataset: the images the model was trained and tested on (samples come from its
    ///     training split, predictions from its test split).
    /// - Returns: the files written.
    /// - Throws: `RunFolderError` when the model does not take the dataset's images;
    ///   `FileError` when a file cannot be written (a missing folder, no permission, a full disk).
    @discardableResult
    public static func write(into folder: URL, model: Model, history: History, record: RunRecord,
                             dataset: MNIST) throws -> [URL] {
        let predictions = try TestPredictions(model: model, images: dataset.testImages, labels: dataset.testLabels,
                                              scale: record.pixelScale)
        let confusion = predictions.confusion
        let lossSVG = RunCharts.metricChart(history, metric: "loss", title: "Loss per epoch")
        let accuracyKey = RunCharts.accuracyKey(in: history) ?? "accuracy"
        let accuracySVG = RunCharts.metricChart(history, metric: accuracyKey, title: "Accuracy per epoch")
        let confusionSVG = RunCharts.confusionChart(confusion)
        let samplesPNG = PNG.encode(samplesGrid(dataset))
        let misclassifiedPNG = PNG.encode(misclassifiedGrid(dataset.testImages, predictions))
        let page = ReportPage.html(model: model, history: history, record: record, confusion: confusion,
                                   lossSVG: lossSVG, accuracySVG: accuracySVG, confusionSVG: confusionSVG,
                                   samplesPNG: samplesPNG, misclassifiedPNG: misclassifiedPNG,
                                   misclassifiedCount: zip(predictions.predicted, predictions.labels).filter { $0 != $1 }.count)
        let contents: [(String, [UInt8])] = [
            ("history.json", Array(history.json().utf8)), ("loss.svg", Array(lossSVG.utf8)),
            ("accuracy.svg", Array(accuracySVG.utf8)), ("confusion.svg", Array(confusionSVG.utf8)),
            ("samples.png", samplesPNG), ("misclassified.png", misclassifiedPNG), ("report.html", Array(page.utf8)),
        ]
        var written: [URL] = []
        for (name, bytes) in contents {
            let url = folder.appendingPathComponent(name)
            try FileIO.writeAtomically(bytes, to: url)
            written.append(url)
        }
        return written
    }

    /// The first 25 training digits, 5 per row, each captioned with its label.
    public static func samplesGrid(_ dataset: MNIST, count: Int = 25) -> ColorImage {
        let n = min(count, dataset.trainImages.shape[0])
        let tiles = (0..<n).map { index in
            ImageGrid.Tile(GreyImage(batch: dataset.trainImages, index: index), caption: "\(dataset.trainLabels.bytes[index])")
        }
        return ImageGrid(columns: 5, scale: 3, captionScale: 2, padding: 6, colormap: .greys).render(tiles)
    }

    /// Up to 36 misclassified test digits, 6 per row, captioned `true 7 → pred 2 (0.93)` in red.
    /// The captions are wider than the digits; 20 pixels between cells keep neighbouring
    /// captions apart, and six columns stay within the report's 960-pixel column.
    public static func misclassifiedGrid(_ images: ByteTensor, _ predictions: TestPredictions, limit: Int = 36) -> ColorImage {
        var tiles: [ImageGrid.Tile] = []
        for index in predictions.labels.indices where predictions.labels[index] != predictions.predicted[index] {
            let caption = "true \(predictions.labels[index]) → pred \(predictions.predicted[index]) (\(String(format: "%.2f", predictions.confidence[index])))"
            tiles.append(ImageGrid.Tile(GreyImage(batch: images, index: index), caption: caption, captionColor: .tabRed))
            if tiles.count == limit { break }
        }
        return ImageGrid(columns: 6, scale: 4, captionScale: 1, padding: 20, colormap: .greys).render(tiles)
    }
}
