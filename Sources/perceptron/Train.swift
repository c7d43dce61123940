// `perceptron train`: the lesson's MLP with its defaults, trained on MNIST (or any IDX folder),
// then evaluated on the test set; the model and history are saved in a run folder.

import ArgumentParser
import Foundation
import Perceptron

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the lesson's MLP (784-512-512-10, Adam 0.001, batch 1000, 30 epochs) and evaluate it.")

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("mlp (the lesson's 784-512-512-10) or cnn (Keras's MNIST convnet example).", valueName: "arch"))
    var arch: Architecture = .mlp

    @Option(help: ArgumentHelp("Hidden layer widths of the MLP, comma-separated (each a ReLU Dense layer).", valueName: "widths"))
    var hidden: String = "512,512"

    @Option(help: "Number of epochs (default 30 for mlp, 15 for cnn).")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Samples per gradient step (default 1000 for mlp, 128 for cnn).")
    var batchSize: Int?

    @Option(name: .customLong("learning-rate"), help: "The optimizer's learning rate.")
    var learningRate: Double = 0.001

    @Option(help: ArgumentHelp("adam, sgd or rmsprop (Keras defaults otherwise).", valueName: "name"))
    var optimizer: String = "adam"

    @Option(name: .customLong("validation-split"), help: "Fraction of the training set held out, the last samples as Keras (default 0.2 for mlp, 0.1 for cnn).")
    var validationSplit: Double?

    @Option(help: "Random seed for initial weights and shuffling (same seed and backend: identical run).")
    var seed: UInt64 = 42

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 unscaled, exactly as the tutorial's code does.")
    var rawPixels = false

    @Option(help: ArgumentHelp("Folder for model.safetensors and history.csv. Default: runs/<timestamp>.", valueName: "dir"))
    var output: String?

    @Option(help: "0 silent, 1 progress bar, 2 one line per epoch.")
    var verbose: Int = 1

    @Option(help: ArgumentHelp("Random affine augmentation of training batches, e.g. rotation=15,shift=3[,zoom=0.1] (degrees, pixels, fraction).", valueName: "spec"))
    var augment: String?

    @Option(name: .customLong("train-limit"), help: "Use only the first N training images (quick experiments; the split still takes the last fraction of them).")
    var trainLimit: Int?

    @Option(name: .customLong("checkpoint-every"), help: "Save a checkpoint (model, optimizer state, history, random state) every N epochs; 0: only on Ctrl-C.")
    var checkpointEvery: Int = 1

    @Option(help: ArgumentHelp("Continue the interrupted run in this folder, with its own settings.", valueName: "run-dir"))
    var resume: String?

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

    /// The lesson's settings for the MLP; Keras's "Simple MNIST convnet" example's for the CNN.
    var resolvedEpochs: Int { epochs ?? (arch == .mlp ? 30 : 15) }
    var resolvedBatchSize: Int { batchSize ?? (arch == .mlp ? 1000 : 128) }
    var resolvedValidationSplit: Double { validationSplit ?? (arch == .mlp ? 0.2 : 0.1) }

    func validate() throws {
        if let trainLimit, trainLimit < 2 { throw ValidationError("--train-limit must be at least 2, got \(trainLimit)") }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be 0 or more, got \(checkpointEvery)") }
        guard resolvedEpochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(resolvedEpochs)") }
        guard resolvedBatchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(resolvedBatchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
        guard resolvedValidationSplit >= 0, resolvedValidationSplit < 1 else {
            throw ValidationError("--validation-split must be at least 0 and below 1, got \(resolvedValidationSplit)")
        }
        guard (0...2).contains(verbose) else { throw ValidationError("--verbose must be 0, 1 or 2, got \(verbose)") }
        guard ["adam", "sgd", "rmsprop"].contains(optimizer) else {
            throw ValidationError("--optimizer must be adam, sgd or rmsprop, got '\(optimizer)'")
        }
        _ = try hiddenWidths()
        _ = try augmentation()
    }

    /// The `--augment` spec as a RandomAffine, nil without the option.
    func augmentation() throws -> RandomAffine? {
        guard let augment else { return nil }
        var values: [String: Double] = [:]
        for part in augment.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, ["rotation", "shift", "zoom"].contains(pair[0]), let value = Double(pair[1]),
                  value.isFinite, value >= 0, values[pair[0]] == nil else {
                throw ValidationError("--augment takes rotation=DEGREES,shift=PIXELS[,zoom=FRACTION] with non-negative numbers, got '\(augment)'")
            }
            values[pair[0]] = value
        }
        guard !values.isEmpty, (values["zoom"] ?? 0) < 1 else {
            throw ValidationError("--augment needs at least one of rotation, shift, zoom (zoom below 1), got '\(augment)'")
        }
        return RandomAffine(rotation: values["rotation"] ?? 0, shift: values["shift"] ?? 0, zoom: values["zoom"] ?? 0)
    }

    func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case "sgd": return SGD(learningRate: Float(learningRate))
        case "rmsprop": return RMSprop(learningRate: Float(learningRate))
        default: return Adam(learningRate: Float(learningRate))
        }
    }

    func run() throws {
        TrainingInterrupt.installSignalHandler()
        if let resume {
            let folder = URL(fileURLWithPath: resume)
            let given = Array(CommandLine.arguments.dropFirst(2))
            let allowed: Set<String> = ["--resume", resume, "--verbose", "\(verbose)", "--no-report"]
            guard given.allSatisfy({ allowed.contains($0) || $0.hasPrefix("--resume=") || $0.hasPrefix("--verbose=") }) else {
                throw CLIError("--resume continues a run with its own settings; give only --resume DIR (and --verbose, --no-report)")
            }
            let savedURL = folder.appendingPathComponent("train.json")
            guard let saved = (try? JSONValue.parse(String(decoding: FileIO.read(savedURL, limit: 1 << 20), as: UTF8.self)))?
                .arrayValue?.compactMap(\.stringValue) else {
                throw CLIError("\(savedURL.path): missing or unreadable; --resume needs a folder written by perceptron train")
            }
            var original = try Train.parse(saved)
            if original.arch == .cnn { BLASBackend.idleWait = .spin }
            try checkBackend()
            original.verbose = verbose
            original.noReport = original.noReport || noReport
            let checkpoint = try Model.loadCheckpoint(from: folder.appendingPathComponent("checkpoint.safetensors"))
            printError("resuming \(folder.path) at epoch \(checkpoint.state.epoch + 1), step \(checkpoint.state.step)")
            try original.execute(outputFolder: folder, resuming: checkpoint)
        } else {
            // The convnet's products follow each other closely (chunked convolutions): spinning
            // pays there (see BLASBackend.IdleWait).
            if arch == .cnn { BLASBackend.idleWait = .spin }
            try checkBackend()
            let folder = URL(fileURLWithPath: output ?? "runs/" + Train.timestamp())
            try FileIO.prepareFolder(folder, expectedBytes: 64 << 20)
            // The arguments, with the output folder made explicit, so `--resume` can rebuild this run.
            var arguments = Array(CommandLine.arguments.dropFirst(2))
            if output == nil { arguments += ["--output", folder.path] }
            try FileIO.writeAtomically(JSONValue.array(arguments.map { .string($0) }).serialized() + "\n",
                                       to: folder.appendingPathComponent("train.json"))
            try execute(outputFolder: folder, resuming: nil)
        }
    }

    /// The run itself, fresh or resumed from a checkpoint.
    func execute(outputFolder: URL, resuming: (model: Model, state: TrainingState)?) throws {
        let mnist = try data.load()
        let width = mnist.trainImages.rowWidth
        let classes = mnist.classCount

        let model: Model
        if let resuming {
            model = resuming.model
        } else {
            setRandomSeed(seed)
            model = try arch == .mlp
                ? Architecture.mlp(inputWidth: width, hidden: hiddenWidths(), classes: classes)
                : Architecture.cnn(height: mnist.trainImages.shape[1], width: mnist.trainImages.shape[2], classes: classes)
            model.compile(loss: .categoricalCrossentropy, optimizer: makeOptimizer(), metrics: [.categoricalAccuracy])
        }
        model.summary()

        let scale: Float = rawPixels ? 1 : 1 / 255
        model.metadata["pixel_scale"] = "\(scale)"
        model.metadata["dataset"] = data.dataDirectory ?? "bundled MNIST"
        let count = min(trainLimit ?? mnist.trainImages.shape[0], mnist.trainImages.shape[0])
        let x = try model.samples(from: mnist.trainImages.rows(0..<count), scale: scale)
        let y = oneHot(mnist.trainLabels.rows(0..<count), classes: classes)
        let guardian = NonFiniteLossGuard()
        let checkpointURL = outputFolder.appendingPathComponent("checkpoint.safetensors")
        adviseOnCoreType()
        let history = try model.fit(x, y, batchSize: resolvedBatchSize, epochs: resolvedEpochs,
                                    verbose: Verbosity(integerLiteral: verbose),
                                    validationSplit: resolvedValidationSplit, callbacks: [guardian], seed: seed,
                                    augmentation: try augmentation(),
                                    checkpoint: Checkpointing(url: checkpointURL, everyEpochs: checkpointEvery),
                                    resuming: resuming?.state)
        let modelURL = outputFolder.appendingPathComponent("model.safetensors")
        try FileIO.writeAtomically(history.csv(), to: outputFolder.appendingPathComponent("history.csv"))

        if let failure = guardian.failure {
            model.setWeights(guardian.lastGoodWeights)
            try model.save(to: modelURL)
            let kept = guardian.lastGoodEpoch.map { "the weights after epoch \($0 + 1)" } ?? "the initial weights"
            let hint = rawPixels ? "the pixels are fed raw (0...255, --raw-pixels): scale them, or lower --learning-rate"
                : "lower --learning-rate (now \(learningRate))"
            throw CLIError("the loss became \(failure.value.isNaN ? "NaN" : "infinite") at epoch \(failure.epoch + 1), step \(failure.step + 1); training stopped and \(modelURL.path) holds \(kept). Likely cause: the steps are too large; \(hint)")
        }
        if TrainingInterrupt.isRequested {
            try model.save(to: modelURL)
            printError("interrupted: the checkpoint \(checkpointURL.path) holds the run so far.")
            printError("resume with: perceptron train --resume \(outputFolder.path)")
            throw ExitCode(130)
        }

        let xTest = try model.samples(from: mnist.testImages, scale: scale)
        let yTest = oneHot(mnist.testLabels, classes: classes)
        let result = try model.evaluate(xTest, yTest, batchSize: 1000, verbose: 0)
        try model.save(to: modelURL)
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
        // The run is complete: its checkpoint is now redundant with the model file.
        try? FileManager.default.removeItem(at: checkpointURL)
        printError("saved \(modelURL.path), history.csv and run.json")
        let seconds = history.epochSeconds.filter(\.isFinite)
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
        [["architecture", arch == .mlp ? "mlp, hidden \(hidden)" : "cnn"], ["epochs", "\(resolvedEpochs)"],
         ["batch size", "\(resolvedBatchSize)"], ["optimizer", optimizer], ["learning rate", "\(learningRate)"],
         ["validation split", "\(resolvedValidationSplit)"], ["augmentation", augment ?? "none"],
         ["seed", "\(seed)"], ["pixels", rawPixels ? "raw 0...255" : "divided by 255"],
         ["training images", trainLimit.map { "first \($0)" } ?? "all"]]
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH-mm-ss"
        return formatter.string(from: Date())
    }
}
