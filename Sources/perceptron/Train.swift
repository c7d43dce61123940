// `perceptron train`: the lesson's MLP with its defaults, trained on MNIST (or any IDX folder),
// then evaluated on the test set. The run itself is the library's TrainingRun.

import ArgumentParser
import Foundation
import Perceptron

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the lesson's MLP (784-512-512-10, Adam 0.001, batch 1000, 30 epochs) and evaluate it.")

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("mlp (the lesson's 784-512-512-10) or cnn (Keras's MNIST convnet example).", valueName: "arch"))
    var arch: Architecture?

    @Option(help: ArgumentHelp("Hidden layer widths of the MLP, comma-separated (each a ReLU Dense layer). Default 512,512.", valueName: "widths"))
    var hidden: String?

    @Option(help: "Number of epochs (default 30 for mlp, 15 for cnn).")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Samples per gradient step (default 1000 for mlp, 128 for cnn).")
    var batchSize: Int?

    @Option(name: .customLong("learning-rate"), help: "The optimizer's learning rate (default 0.001).")
    var learningRate: Double?

    @Option(help: ArgumentHelp("adam, sgd or rmsprop (Keras defaults otherwise). Default adam.", valueName: "name"))
    var optimizer: String?

    @Option(name: .customLong("validation-split"), help: "Fraction of the training set held out, the last samples as Keras (default 0.2 for mlp, 0.1 for cnn).")
    var validationSplit: Double?

    @Option(help: "Random seed for initial weights and shuffling (same seed and backend: identical run). Default 42.")
    var seed: UInt64?

    @Flag(name: .customLong("raw-pixels"), help: "Feed pixels 0...255 unscaled, exactly as the tutorial's code does.")
    var rawPixels = false

    @Option(help: ArgumentHelp("Folder for model.safetensors and history.csv. Default: runs/<timestamp>.", valueName: "dir"))
    var output: String?

    @Option(help: "0 only the test results, 1 progress bar, 2 one line per epoch.")
    var verbose: Int = 1

    @Option(help: ArgumentHelp("Random affine augmentation of training batches, e.g. rotation=15,shift=3[,zoom=0.1] (degrees, pixels, fraction).", valueName: "spec"))
    var augment: String?

    @Option(name: .customLong("train-limit"), help: "Use only the first N training images (quick experiments; the split still takes the last fraction of them).")
    var trainLimit: Int?

    @Option(name: .customLong("checkpoint-every"), help: "Save a checkpoint (model, optimizer state, history, random state) every N epochs; 0: only on Ctrl-C. Default 1.")
    var checkpointEvery: Int?

    @Option(help: ArgumentHelp("Continue the interrupted run in this folder, with its own settings.", valueName: "run-dir"))
    var resume: String?

    @Flag(help: "Replace the run in --output if it holds one (its files only; other files stay).")
    var overwrite = false

    @Flag(name: .customLong("no-report"), help: "Skip the pictures and report.html (the model and history are still written).")
    var noReport = false

    /// Whether any option that defines a run was given (a resumed run keeps its own).
    var givesSettings: Bool {
        data.dataDirectory != nil || arch != nil || hidden != nil || epochs != nil || batchSize != nil
            || learningRate != nil || optimizer != nil || validationSplit != nil || seed != nil || rawPixels
            || output != nil || augment != nil || trainLimit != nil || checkpointEvery != nil || overwrite
    }

    /// The run's settings from the options given, the defaults otherwise.
    func settings() throws -> RunSettings {
        var settings = RunSettings(architecture: arch ?? .mlp, epochs: epochs, batchSize: batchSize,
                                   validationSplit: validationSplit, rawPixels: rawPixels, trainLimit: trainLimit,
                                   writesReport: !noReport)
        if let hidden {
            let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let widths = parts.compactMap { Int($0) }
            guard !hidden.isEmpty, widths.count == parts.count else {
                throw ValidationError("--hidden takes positive widths separated by commas, e.g. 512,512; got '\(hidden)'")
            }
            settings.hidden = widths
        }
        if let learningRate { settings.learningRate = learningRate }
        if let optimizer {
            guard let name = RunSettings.OptimizerName(rawValue: optimizer) else {
                throw ValidationError("--optimizer must be adam, sgd or rmsprop, got '\(optimizer)'")
            }
            settings.optimizer = name
        }
        if let seed { settings.seed = seed }
        if let augment { settings.augmentation = try RunSettings.AugmentationSettings(parsing: augment) }
        if let checkpointEvery { settings.checkpointEvery = checkpointEvery }
        // Absolute, so that a resume works from any folder.
        settings.dataDirectory = data.dataDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        try settings.validate()
        return settings
    }

    func validate() throws {
        guard (0...2).contains(verbose) else { throw ValidationError("--verbose must be 0, 1 or 2, got \(verbose)") }
        if resume != nil {
            guard !givesSettings else {
                throw ValidationError("--resume continues a run with its own settings; give only --resume DIR (and --verbose, --no-report)")
            }
        } else {
            do { _ = try settings() } catch let error as RunSettingsError { throw ValidationError(error.message) }
        }
    }

    func run() throws {
        TrainingRun.handleInterruptSignal()
        let run = try resume.map { try TrainingRun.resuming(URL(fileURLWithPath: $0), writesReport: noReport ? false : nil) }
            ?? TrainingRun(settings: settings(), folder: output.map { URL(fileURLWithPath: $0) }, overwrites: overwrite)
        run.verbose = verbose
        // Verbose 0 is Keras's silence: only the results, and the notes and the resumed
        // position a user should not miss.
        let quiet = verbose == 0
        run.observer = TrainingRun.Observer(
            message: { if !quiet || $0.hasPrefix("note: ") || $0.hasPrefix("resuming ") { printError($0) } },
            modelReady: { if !quiet { $0.summary() } })
        let result: TrainingRun.Result
        do {
            result = try run.start()
        } catch let error as RunSettingsError where resume == nil {
            // A setting checked against the data (--train-limit beyond its images) is a bad option.
            throw ValidationError(error.message)
        }
        switch result.outcome {
        case .stoppedBeforeTraining:
            printError("interrupted before training began; nothing was written")
            throw ExitCode(130)
        case .interrupted(let checkpoint):
            printError("interrupted: the checkpoint \(checkpoint.path) holds the run so far.")
            printError("resume with: perceptron train --resume \(run.folder.url.path)")
            throw ExitCode(130)
        case .completed(let testLoss, let testAccuracy):
            if verbose > 0 {
                print(RunCharts.terminalLossChart(result.history, color: standardOutputUsesColor))
            }
            print("Test loss: " + formatMetric(testLoss))
            print("Test accuracy: " + formatMetric(testAccuracy))
        }
    }
}

extension Architecture: ExpressibleByArgument {}
