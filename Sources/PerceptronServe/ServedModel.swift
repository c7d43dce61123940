// A model the playground serves: its name, kind and description, and the instances that
// answer requests, each used by one request at a time.

import Foundation
import PerceptronIO
import PerceptronNN
import PerceptronReport
import PerceptronTensor

/// What a served model is, from its layers.
public enum ModelKind: String, Sendable {
    /// Dense layers only (with Flatten, Dropout and the like): the lesson's multilayer perceptron.
    case mlp
    /// At least one Conv2D layer.
    case cnn
    /// Anything else.
    case other

    /// The kind of `model`: cnn with any Conv2D, mlp when every layer is Dense or shape-only.
    public init(of model: Model) {
        let types = model.layers.map(\.typeName)
        if types.contains("Conv2D") {
            self = .cnn
        } else if types.contains("Dense"), types.allSatisfy({ Self.mlpLayers.contains($0) }) {
            self = .mlp
        } else {
            self = .other
        }
    }

    static let mlpLayers: Set<String> = ["Dense", "Flatten", "Reshape", "Dropout", "Activation", "Rescaling", "InputLayer"]
}

/// One layer as the API describes it.
public struct LayerInfo: Sendable, Equatable {
    public let name: String
    public let type: String
    /// The per-sample output shape.
    public let outputShape: [Int]
}

/// A model loaded from a file, under a unique name.
///
/// Each request borrows an instance of its own (`withInstance`): layers reuse their buffers
/// between calls, so one instance never runs two forward passes at once. Instances are made
/// from the file's bytes on demand and kept for the next request.
public final class ServedModel: Sendable {
    public let name: String
    public let kind: ModelKind
    /// The file it was read from.
    public let file: URL
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// Pixels are multiplied by this before the model (the file's `pixel_scale`, 1/255 by default).
    public let pixelScale: Float
    public let layers: [LayerInfo]
    /// From the run's `run.json`, nil without one.
    public let testAccuracy: Double?
    private let instances: InstancePool

    /// Reads `file` and describes it under `name`.
    /// - Throws: the model file's errors.
    public init(name: String, file: URL) throws {
        let bytes = try FileIO.read(file)
        let model = try Model.load(bytes: bytes, path: file.path)
        self.name = name
        self.file = file
        kind = ModelKind(of: model)
        inputShape = model.inputShape
        outputShape = model.outputShape
        pixelScale = model.metadata["pixel_scale"].flatMap(Float.init) ?? 1 / 255
        var shape = model.inputShape
        layers = model.layers.map { layer in
            shape = layer.outputShape(for: shape)
            return LayerInfo(name: layer.name, type: layer.typeName, outputShape: shape)
        }
        let record = file.deletingLastPathComponent().appendingPathComponent("run.json")
        testAccuracy = (try? FileIO.read(record, limit: 1 << 20))
            .flatMap { try? JSONDecoder().decode(RunRecord.self, from: Data($0)) }?.testAccuracy
        instances = InstancePool(bytes: bytes, path: file.path, first: model)
    }

    /// Runs `body` with an instance no other request is using.
    public func withInstance<Value>(_ body: (Model) throws -> Value) throws -> Value {
        let model = try instances.take()
        defer { instances.give(model) }
        return try body(model)
    }
}

/// Idle model instances of one file.
///
/// `@unchecked Sendable`: `idle` is read and written only under `lock`, and a model taken out
/// belongs to the one caller that took it until it is given back, so no instance is ever
/// used by two threads at once.
private final class InstancePool: @unchecked Sendable {
    private let bytes: [UInt8]
    private let path: String
    private let lock = NSLock()
    private var idle: [Model]

    init(bytes: [UInt8], path: String, first: Model) {
        self.bytes = bytes
        self.path = path
        idle = [first]
    }

    func take() throws -> Model {
        if let model = lock.withLock({ idle.popLast() }) { return model }
        return try Model.load(bytes: bytes, path: path)
    }

    func give(_ model: Model) {
        lock.withLock { if idle.count < 4 { idle.append(model) } }
    }
}
