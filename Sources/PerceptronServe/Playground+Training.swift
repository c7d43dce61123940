// The training routes: a run's settings read from JSON with `perceptron train`'s defaults,
// then start, stop and resume through the coordinator.

import Foundation
import PerceptronIO
import PerceptronTraining

extension Playground {
    static let trainFields = ["arch", "hidden", "epochs", "batchSize", "learningRate", "optimizer", "augmentation",
                              "rawPixels", "trainLimit", "validationSplit", "seed", "report"]

    /// The run settings in a train request; absent fields take `perceptron train`'s defaults.
    func runSettings(_ body: [UInt8]) throws -> RunSettings {
        let input = try JSONInput(body: body, allowed: Self.trainFields)
        var settings = RunSettings(dataDirectory: training.dataFolder?.path)
        if let arch = try input.choice("arch", ["mlp", "cnn"]) { settings.architecture = arch == "mlp" ? .mlp : .cnn }
        if let value = input.value("hidden") {
            guard let items = value.arrayValue, (1...8).contains(items.count),
                  let widths = Optional(items.compactMap(\.intValue)), widths.count == items.count,
                  widths.allSatisfy({ (1...4096).contains($0) }) else {
                throw APIError.badRequest("'hidden' is \(value.serialized()); it must be 1 to 8 layer widths, each a whole number from 1 to 4096")
            }
            settings.hidden = widths
        }
        settings.epochs = try input.int("epochs", in: 1...1000)
        settings.batchSize = try input.int("batchSize", in: 1...60000)
        settings.learningRate = try input.double("learningRate", in: 1e-8...10, default: settings.learningRate)!
        if let name = try input.choice("optimizer", RunSettings.OptimizerName.allCases.map(\.rawValue)) {
            settings.optimizer = RunSettings.OptimizerName(rawValue: name)!
        }
        if let value = input.value("augmentation") {
            guard value.objectValue != nil else {
                throw APIError.badRequest("'augmentation' must be an object {\"rotation\", \"shift\", \"zoom\"} or null")
            }
            let augmentation = try JSONInput(body: Array(value.serialized().utf8), allowed: ["rotation", "shift", "zoom"])
            settings.augmentation = RunSettings.AugmentationSettings(
                rotation: try augmentation.double("rotation", in: 0...180, default: 0)!,
                shift: try augmentation.double("shift", in: 0...14, default: 0)!,
                zoom: try augmentation.double("zoom", in: 0...0.9, default: 0)!)
        }
        settings.rawPixels = try input.bool("rawPixels", default: false)
        let images = dataset.trainImages.shape[0]
        settings.trainLimit = try input.int("trainLimit", in: 2...max(2, images))
        settings.validationSplit = try input.double("validationSplit", in: 0...0.9)
        if let seed = try input.int("seed", in: 0...Int(Int32.max)) { settings.seed = UInt64(seed) }
        settings.writesReport = try input.bool("report", default: true)
        let count = min(settings.trainLimit ?? images, images)
        let trainCount = Int((Double(count) * (1 - settings.resolvedValidationSplit)).rounded(.down))
        guard trainCount >= 1, settings.resolvedValidationSplit == 0 || trainCount < count else {
            throw APIError.badRequest("a validation split of \(settings.resolvedValidationSplit) of \(count) images leaves none for training or none for validation")
        }
        return settings
    }

    public func startTraining(_ body: [UInt8]) async throws -> JSONValue {
        let settings = try runSettings(body)
        return .object(["run": .string(try await training.start(settings))])
    }

    public func stopTraining(_ body: [UInt8]) async throws -> JSONValue {
        _ = try JSONInput(body: body, allowed: [])
        return .object(["run": .string(try await training.stop()), "stopping": .bool(true)])
    }

    public func resumeTraining(_ body: [UInt8]) async throws -> JSONValue {
        let input = try JSONInput(body: body, allowed: ["run"])
        guard let value = input.value("run"), let name = value.stringValue else {
            throw APIError.badRequest("'run' is required: the name of a stopped run's folder")
        }
        return .object(["run": .string(try await training.resume(try JSONInput.safeName(name, field: "run")))])
    }
}
