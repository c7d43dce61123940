// `perceptron train`: the lesson's MLP with its defaults, trained on MNIST (or any IDX folder),
// then evaluated on the test set; the model and history are saved in a run folder.

import ArgumentParser
import Foundation
import Perceptron

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the lesson's MLP (784-512-512-10, Adam 0.001, batch 1000, 30 epochs) and evaluate it.")

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Hidden layer widths, comma-separated (each a ReLU Dense layer).", valueName: "widths"))
    var hidden: String = "512,512"

    @Option(help: "Number of epochs.")
    var epochs: Int = 30

    @Option(name: .customLong("batch-size"), help: "Samples per gradient step.")
    var batchSize: Int = 1000

    @Option(name: .customLong("learning-rate"), help: "The optimizer's learning rate.")
    var learningRate: Double = 0.001

    @Option(help: ArgumentHelp("adam, sgd or rmsprop (Keras defaults otherwise).", valueName: "name"))
    var optimizer: String = "adam"

    @Option(name: .customLong("validation-split"), help: "Fraction of the training set held out (the last samples, as Keras).")
    var validationSplit: Double = 0.2

    @Option(help: "Random seed for initial weights and shuffling (same seed and backend: identical run).")
    var seed: UInt64 = 42

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 unscaled, exactly as the tutorial's code does.")
    var rawPixels = false

    @Option(help: ArgumentHelp("Folder for model.safetensors and history.csv. Default: runs/<timestamp>.", valueName: "dir"))
    var output: String?

    @Option(help: "0 silent, 1 progress bar, 2 one line per epoch.")
    var verbose: Int = 1

    @Flag(name: .customLong("no-report"), help: "Skip the pictures and report.html (the model and history are still written).")
    var noReport = false

    func hiddenWidths() throws -> [Int] {
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let widths = parts.compactMap { Int($0) }
        guard !hidden.isEmpty, widths.count == parts.count, widths.allSatisfy({ (1...65536).contains($0) }) else {
            throw ValidationError("--hidden takes positive widths separated by commas, e.g. 512,512; got '\(hidden)'")
        }
        return widths
    }

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw ValidationError("--validation-split must be at least 0 and below 1, got \(validationSplit)")
        }
        guard (0...2).contains(verbose) else { throw ValidationError("--verbose must be 0, 1 or 2, got \(verbose)") }
        guard ["adam", "sgd", "rmsprop"].contains(optimizer) else {
            throw ValidationError("--optimizer must be adam, sgd or rmsprop, got '\(optimizer)'")
        }
        _ = try hiddenWidths()
    }

    func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case "sgd": return SGD(learningRate: Float(learningRate))
        case "rmsprop": return RMSprop(learningRate: Float(learningRate))
        default: return Adam(learningRate: Float(learningRate))
        }
    }

    func run() throws {
        try checkBackend()
        let outputFolder = URL(fileURLWithPath: output ?? "runs/" + Train.timestamp())
        try FileIO.prepareFolder(outputFolder)
        let mnist = try data.load()
        let width = mnist.trainImages.rowWidth
        let classes = mnist.classCount

        setRandomSeed(seed)
        let input = Input(shape: [width])
        var h = input
        for units in try hiddenWidths() { h = Dense(units, activation: .relu)(h) }
        let output = Dense(classes, activation: .softmax)(h)
        let model = Model(inputs: input, outputs: output)
        model.summary()
        model.compile(loss: .categoricalCrossentropy, optimizer: makeOptimizer(), metrics: [.categoricalAccuracy])

        let scale: Float = rawPixels ? 1 : 1 / 255
        let x = mnist.trainImages.flattenedSamples(scale: scale)
        let y = oneHot(mnist.trainLabels, classes: classes)
        let history = try model.fit(x, y, batchSize: batchSize, epochs: epochs, verbose: Verbosity(integerLiteral: verbose),
                                    validationSplit: validationSplit, seed: seed)

        let xTest = mnist.testImages.flattenedSamples(scale: scale)
        let yTest = oneHot(mnist.testLabels, classes: classes)
        let result = try model.evaluate(xTest, yTest, batchSize: batchSize, verbose: 0)

        let modelURL = outputFolder.appendingPathComponent("model.safetensors")
        try model.save(to: modelURL)
        try FileIO.writeAtomically(history.csv(), to: outputFolder.appendingPathComponent("history.csv"))
        let accuracy = result.metrics["categorical_accuracy"] ?? .nan
        let record = RunRecord(settings: settings(), dataFolder: data.dataDirectory, pixelScale: scale,
                               testLoss: result.loss, testAccuracy: accuracy)
        try FileIO.writeAtomically(try record.json(), to: outputFolder.appendingPathComponent("run.json"))
        if !noReport {
            let start = Date()
            try RunReport.write(into: outputFolder, model: model, history: history, record: record, dataset: mnist)
            printError(String(format: "wrote the report and pictures in %.2f s: ", Date().timeIntervalSince(start))
                       + outputFolder.appendingPathComponent("report.html").path)
        }
        printError("saved \(modelURL.path), history.csv and run.json")
        let seconds = history.epochSeconds
        if !seconds.isEmpty {
            let sorted = seconds.dropFirst().sorted()
            let median = sorted.isEmpty ? seconds[0] : sorted[sorted.count / 2]
            printError(String(format: "seconds per epoch: median %.3f (first %.3f), ", median, seconds[0]) + "GEMM backend " + GEMM.current.name)
        }
        if verbose > 0 {
            print(RunCharts.terminalLossChart(history, color: standardOutputIsTerminal))
        }
        print(String(format: "Test loss: %.4f", result.loss))
        print(String(format: "Test accuracy: %.4f", accuracy))
    }

    /// The settings shown in the report, in order.
    func settings() -> [[String]] {
        [["hidden layers", hidden], ["epochs", "\(epochs)"], ["batch size", "\(batchSize)"],
         ["optimizer", optimizer], ["learning rate", "\(learningRate)"], ["validation split", "\(validationSplit)"],
         ["seed", "\(seed)"], ["pixels", rawPixels ? "raw 0...255" : "divided by 255"]]
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH-mm-ss"
        return formatter.string(from: Date())
    }
}
