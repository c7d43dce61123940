// What a training run is: its architecture, data, optimizer and schedule, as one value that
// serialises itself (the run folder's train.json), so a run can be resumed from its folder.

import Foundation
import PerceptronNN
import PerceptronTensor
import PerceptronVision

/// The settings of one training run. Fields left nil take the architecture's defaults: the
/// lesson's for the MLP (30 epochs, batch 1000, validation split 0.2) and Keras's "Simple
/// MNIST convnet" example's for the CNN (15 epochs, batch 128, split 0.1).
public struct RunSettings: Codable, Equatable, Sendable {
    /// The optimizers a run can use, with Keras's defaults apart from the learning rate.
    public enum OptimizerName: String, Codable, CaseIterable, Sendable { case adam, sgd, rmsprop }

    /// Random affine augmentation of training batches (`RandomAffine`): degrees, pixels, fraction.
    public struct AugmentationSettings: Codable, Equatable, Sendable {
        /// Largest rotation in degrees, either way.
        public var rotation: Double
        /// Largest shift in pixels, either way.
        public var shift: Double
        /// Largest relative change of scale, either way; below 1.
        public var zoom: Double

        /// Ranges as `RandomAffine(rotation:shift:zoom:)` takes them; 0 turns a part off.
        public init(rotation: Double = 0, shift: Double = 0, zoom: Double = 0) {
            self.rotation = rotation
            self.shift = shift
            self.zoom = zoom
        }

        /// Parses `rotation=15,shift=3[,zoom=0.1]`.
        /// - Throws: `RunSettingsError` naming the rule broken.
        public init(parsing spec: String) throws {
            var values: [String: Double] = [:]
            for part in spec.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, ["rotation", "shift", "zoom"].contains(pair[0]), let value = Double(pair[1]),
                      value.isFinite, value >= 0, values[pair[0]] == nil else {
                    throw RunSettingsError("--augment takes rotation=DEGREES,shift=PIXELS[,zoom=FRACTION] with non-negative numbers, got '\(spec)'")
                }
                values[pair[0]] = value
            }
            guard !values.isEmpty else {
                throw RunSettingsError("--augment needs at least one of rotation, shift, zoom, got '\(spec)'")
            }
            if let zoom = values["zoom"], zoom >= 1 {
                throw RunSettingsError(Self.zoomRule(zoom))
            }
            self.init(rotation: values["rotation"] ?? 0, shift: values["shift"] ?? 0, zoom: values["zoom"] ?? 0)
        }

        /// The message for a zoom out of range: scales are drawn from 1 - zoom to 1 + zoom, so
        /// zoom must stay below 1 for every scale to be positive.
        static func zoomRule(_ zoom: Double) -> String {
            "--augment zoom must be below 1 (scales are drawn from 1 - zoom to 1 + zoom; zoom=0.1 gives 0.9 to 1.1), got zoom=\(format(zoom))"
        }

        /// The spec form, `rotation=15,shift=2`, naming only what is set.
        public var spec: String {
            [("rotation", rotation), ("shift", shift), ("zoom", zoom)].filter { $0.1 != 0 }
                .map { "\($0.0)=\(Self.format($0.1))" }.joined(separator: ",")
        }

        static func format(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
        }

        /// The augmentation fit applies.
        public var randomAffine: RandomAffine { RandomAffine(rotation: rotation, shift: shift, zoom: zoom) }
    }

    /// The model built: the lesson's MLP or Keras's convnet.
    public var architecture: Architecture
    /// Hidden widths of the MLP (each a ReLU Dense layer).
    public var hidden: [Int]
    /// Epochs; nil for the architecture's default (`resolvedEpochs`).
    public var epochs: Int?
    /// Samples per step; nil for the architecture's default (`resolvedBatchSize`).
    public var batchSize: Int?
    /// The optimizer's learning rate, 0.001 by default as in the lesson; within `learningRateRange`.
    public var learningRate: Double
    /// Adam by default, as the lesson.
    public var optimizer: OptimizerName
    /// The fraction held out for validation, the last samples as Keras takes them.
    public var validationSplit: Double?
    /// Seeds the initial weights, the shuffles and the augmentation.
    public var seed: UInt64
    /// Feed pixels 0...255 unscaled, as the tutorial's code does.
    public var rawPixels: Bool
    /// Random affine augmentation of training batches; nil for none.
    public var augmentation: AugmentationSettings?
    /// Use only the first N training images.
    public var trainLimit: Int?
    /// Save a checkpoint every N epochs; 0: only when interrupted.
    public var checkpointEvery: Int
    /// A folder of MNIST-layout IDX files, absolute; nil for the bundled MNIST.
    public var dataDirectory: String?
    /// Write the pictures and report.html at the end.
    public var writesReport: Bool

    /// The lesson's settings by default; see each property.
    public init(architecture: Architecture = .mlp, hidden: [Int] = [512, 512], epochs: Int? = nil, batchSize: Int? = nil,
                learningRate: Double = 0.001, optimizer: OptimizerName = .adam, validationSplit: Double? = nil,
                seed: UInt64 = 42, rawPixels: Bool = false, augmentation: AugmentationSettings? = nil,
                trainLimit: Int? = nil, checkpointEvery: Int = 1, dataDirectory: String? = nil, writesReport: Bool = true) {
        self.architecture = architecture
        self.hidden = hidden
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.validationSplit = validationSplit
        self.seed = seed
        self.rawPixels = rawPixels
        self.augmentation = augmentation
        self.trainLimit = trainLimit
        self.checkpointEvery = checkpointEvery
        self.dataDirectory = dataDirectory
        self.writesReport = writesReport
    }

    /// Epochs, 30 for the MLP (the lesson) and 15 for the CNN (Keras's example) unless set.
    public var resolvedEpochs: Int { epochs ?? (architecture == .mlp ? 30 : 15) }
    /// Batch size, 1000 for the MLP and 128 for the CNN unless set.
    public var resolvedBatchSize: Int { batchSize ?? (architecture == .mlp ? 1000 : 128) }
    /// Validation split, 0.2 for the MLP and 0.1 for the CNN unless set.
    public var resolvedValidationSplit: Double { validationSplit ?? (architecture == .mlp ? 0.2 : 0.1) }
    /// Pixels are multiplied by this: 1/255, or 1 with raw pixels.
    public var pixelScale: Float { rawPixels ? 1 : 1 / 255 }

    /// How OpenBLAS's idle threads wait: the convnet's products follow each other closely
    /// (chunked convolutions), so spinning pays there; the library's default elsewhere.
    public var blasIdleWait: BLASBackend.IdleWait? { architecture == .cnn ? .spin : nil }

    /// Checks every setting, with the option names a user typed in the messages.
    /// - Throws: `RunSettingsError` for the first setting out of its range.
    public func validate() throws {
        if let trainLimit, trainLimit < 2 { throw RunSettingsError("--train-limit must be at least 2, got \(trainLimit)") }
        guard checkpointEvery >= 0 else { throw RunSettingsError("--checkpoint-every must be 0 or more, got \(checkpointEvery)") }
        guard resolvedEpochs >= 1 else { throw RunSettingsError("--epochs must be at least 1, got \(resolvedEpochs)") }
        guard resolvedBatchSize >= 1 else { throw RunSettingsError("--batch-size must be at least 1, got \(resolvedBatchSize)") }
        guard learningRate > 0, learningRateRange.contains(learningRate) else {
            throw RunSettingsError("--learning-rate must be above 0 and at most 1e6 (what a model file can hold), got \(learningRate)")
        }
        guard resolvedValidationSplit >= 0, resolvedValidationSplit < 1 else {
            throw RunSettingsError("--validation-split must be at least 0 and below 1, got \(resolvedValidationSplit)")
        }
        guard !hidden.isEmpty, hidden.allSatisfy({ (1...65536).contains($0) }) else {
            throw RunSettingsError("--hidden takes widths from 1 to 65536 separated by commas, e.g. 512,512; got '\(hidden.map(String.init).joined(separator: ","))'")
        }
        if let augmentation {
            guard [augmentation.rotation, augmentation.shift, augmentation.zoom].allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw RunSettingsError("--augment takes non-negative numbers; got '\(augmentation.spec)'")
            }
            guard augmentation.zoom < 1 else { throw RunSettingsError(AugmentationSettings.zoomRule(augmentation.zoom)) }
        }
    }

    /// The optimizer, with Keras's defaults apart from the learning rate.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .sgd: return SGD(learningRate: Float(learningRate))
        case .rmsprop: return RMSprop(learningRate: Float(learningRate))
        case .adam: return Adam(learningRate: Float(learningRate))
        }
    }

    /// The settings shown in the report, in order.
    public var summary: [[String]] {
        [["architecture", architecture == .mlp ? "mlp, hidden \(hidden.map(String.init).joined(separator: ","))" : "cnn"],
         ["epochs", "\(resolvedEpochs)"], ["batch size", "\(resolvedBatchSize)"], ["optimizer", optimizer.rawValue],
         ["learning rate", "\(learningRate)"], ["validation split", "\(resolvedValidationSplit)"],
         ["augmentation", augmentation?.spec ?? "none"], ["seed", "\(seed)"],
         ["pixels", rawPixels ? "raw 0...255" : "divided by 255"],
         ["training images", trainLimit.map { "first \($0)" } ?? "all"]]
    }

    /// Pretty-printed JSON with sorted keys, as saved in a run folder's `train.json`.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Settings from `train.json`.
    /// - Throws: `RunSettingsError` when the text is not settings JSON.
    public static func parse(_ text: String, path: String) throws -> RunSettings {
        do { return try JSONDecoder().decode(RunSettings.self, from: Data(text.utf8)) } catch {
            throw RunSettingsError("\(path): not the settings of a training run (\(error.localizedDescription))")
        }
    }
}

/// A training setting that cannot work, in one line naming the option and its rule.
public struct RunSettingsError: LocalizedError, Equatable, Sendable {
    /// The line to print.
    public let message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var errorDescription: String? { message }
}
