// Model files: one safetensors file holding the architecture and compile settings (JSON in
// __metadata__) and the weights (`dense/kernel`, `dense/bias`, ...). Writes are atomic.

import Foundation
import PerceptronIO
import PerceptronTensor

extension Model {
    /// The architecture as JSON: model class and name, then each layer's type, name and config.
    public var architecture: JSONValue {
        let all: [any Layer] = [inputLayer] + layers
        return .object([
            "class_name": .string(self is Sequential ? "Sequential" : "Functional"),
            "name": .string(name),
            "layers": .array(all.map { layer in
                .object(["class_name": .string(layer.typeName), "name": .string(layer.name), "config": .object(layer.config)])
            }),
        ])
    }

    /// The compile settings as JSON, or nil before `compile`.
    public var compileConfig: JSONValue? {
        guard let loss, let optimizer else { return nil }
        return .object([
            "loss": .string(loss.rawValue),
            "optimizer": .object(["class_name": .string(optimizer.name), "config": .object(optimizer.config)]),
            "metrics": .array(metrics.map { .string($0.name) }),
        ])
    }

    /// The weights with their file names, `layer/parameter`, in layer order.
    public var namedWeights: [(name: String, tensor: Tensor)] {
        layers.flatMap { layer in layer.parameters.map { ("\(layer.name)/\($0.name)", $0.value) } }
    }

    /// The bytes of the model file; see `save(to:)`. `extraMetadata` and `extraTensors` are
    /// written beside the model's own (a checkpoint's training state and optimizer moments);
    /// the keys `format`, `format_version`, `architecture`, `compile` and `user_metadata` are
    /// the model's.
    public func fileBytes(extraMetadata: [String: String] = [:], extraTensors: [(name: String, tensor: Tensor)] = []) -> [UInt8] {
        var metadata = extraMetadata
        metadata["format"] = "perceptron"
        metadata["format_version"] = "1"
        metadata["architecture"] = architecture.serialized()
        if let compileConfig { metadata["compile"] = compileConfig.serialized() }
        if !self.metadata.isEmpty { metadata["user_metadata"] = JSONValue.object(self.metadata.mapValues { .string($0) }).serialized() }
        return Safetensors.encode(tensors: namedWeights + extraTensors, metadata: metadata)
    }

    /// Saves architecture, weights and compile settings to one safetensors file, atomically
    /// (a temporary file in the same folder renamed over `url`), so Python's `safetensors`
    /// or numpy can read the weights.
    ///
    /// - Throws: `FileError` when the file cannot be written; an existing file is then unchanged.
    public func save(to url: URL) throws {
        try FileIO.writeAtomically(fileBytes(), to: url)
    }

    /// Loads a model saved by `save(to:)`, validating the file completely first.
    ///
    /// - Throws: `FileError` for an unreadable file, `ModelFileError` for any flaw: not
    ///   safetensors, bad JSON, unknown layer types or settings, wrong dtypes, missing,
    ///   extra or misshapen weights.
    public static func load(from url: URL) throws -> Model {
        try load(bytes: FileIO.read(url), path: url.path)
    }

    convenience init(decoded: (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]), path: String,
                     allowExtraTensors: Bool = false) throws {
        let metadata = decoded.metadata
        guard metadata["format"] == "perceptron", let architectureText = metadata["architecture"] else {
            throw ModelFileError(path: path, "a safetensors file, but not a Perceptron model: no architecture in its metadata")
        }
        guard metadata["format_version"] == "1" else {
            throw ModelFileError(path: path, "model format version \(metadata["format_version"]?.prefix(8) ?? "missing") is not supported (expected 1)")
        }
        let architecture: JSONValue
        do { architecture = try JSONValue.parse(architectureText) } catch {
            throw ModelFileError(path: path, "architecture metadata is not valid JSON: \(error)")
        }
        guard let root = architecture.objectValue, let layerEntries = root["layers"]?.arrayValue, !layerEntries.isEmpty,
              layerEntries.count <= 10_000 else {
            throw ModelFileError(path: path, "architecture has no list of layers")
        }
        var seenNames = Set<String>()
        var built: [any Layer] = []
        var inputLayer: InputLayer?
        var shape: [Int] = []
        var throwaway = SeededGenerator(seed: 0)
        var tensors: [String: Tensor] = [:]
        // Scalars per layer (tensor names are `layer/parameter`), the most each layer may
        // allocate when it is built; see `ConfigReader.requireWeights`.
        var scalarsPerLayer: [String: Int] = [:]
        for (name, tensor) in decoded.tensors {
            tensors[name] = tensor
            if let slash = name.lastIndex(of: "/") { scalarsPerLayer[String(name[..<slash]), default: 0] += tensor.count }
        }
        var used = Set<String>()
        for (index, entry) in layerEntries.enumerated() {
            guard let fields = entry.objectValue, let typeName = fields["class_name"]?.stringValue,
                  let name = fields["name"]?.stringValue, !name.isEmpty, name.count <= 256,
                  let config = fields["config"]?.objectValue else {
                throw ModelFileError(path: path, "layer \(index): needs class_name, name and config")
            }
            guard seenNames.insert(name).inserted else {
                throw ModelFileError(path: path, "layer \(index): duplicate layer name '\(name)'")
            }
            var reader = ConfigReader(config, context: "layer \(index) '\(name)' (\(typeName.prefix(32)))", path: path)
            reader.availableWeights = scalarsPerLayer[name, default: 0]
            if index == 0 {
                guard typeName == "InputLayer" else { throw reader.fail("the first layer must be an InputLayer") }
                shape = try reader.shape("shape")
                guard shape.reduce(1, *) <= LayerRegistry.maximumSampleSize else { throw reader.fail("input shape \(shape) is too large") }
                inputLayer = InputLayer(shape: shape, name: name)
                continue
            }
            guard typeName != "InputLayer" else { throw reader.fail("an InputLayer may only come first") }
            guard let factory = LayerRegistry.factory(for: typeName) else {
                throw reader.fail("unknown layer type '\(typeName.prefix(32))'")
            }
            let layer = try factory(name, reader, shape)
            layer.build(inputShape: shape, generator: &throwaway)
            // Each layer's weights are checked as soon as it is built, not after the whole
            // chain: a few bytes of JSON could otherwise declare thousands of large layers and
            // make loading allocate far more memory than the file could ever fill.
            for parameter in layer.parameters {
                let key = "\(layer.name)/\(parameter.name)"
                guard let tensor = tensors[key] else { throw ModelFileError(path: path, "missing weight '\(key)'") }
                guard tensor.shape == parameter.value.shape else {
                    throw ModelFileError(path: path, "weight '\(key)' has shape \(tensor.shape), the architecture needs \(parameter.value.shape)")
                }
                parameter.value = tensor
                used.insert(key)
            }
            shape = layer.outputShape(for: shape)
            guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) <= LayerRegistry.maximumSampleSize else {
                throw reader.fail("output shape \(shape) is empty or too large")
            }
            built.append(layer)
        }
        let className = root["class_name"]?.stringValue ?? "Functional"
        let modelName = root["name"]?.stringValue ?? (className == "Sequential" ? "sequential" : "functional")
        self.init(name: modelName, inputLayer: inputLayer!, layers: built)

        // A checkpoint also holds the optimizer's state: a model load takes the model and leaves it.
        let isCheckpoint = metadata["training_state"] != nil
        if !allowExtraTensors,
           let extra = tensors.keys.sorted().first(where: { !used.contains($0) && !(isCheckpoint && $0.hasPrefix("optimizer/")) }) {
            throw ModelFileError(path: path, "unexpected tensor '\(extra.prefix(64))' not used by the architecture")
        }
        if let compileText = metadata["compile"] {
            try restoreCompile(compileText, path: path)
        }
        if let userText = metadata["user_metadata"] {
            guard let entries = (try? JSONValue.parse(userText))?.objectValue, entries.count <= 1000 else {
                throw ModelFileError(path: path, "user_metadata is not a JSON object of strings")
            }
            for (key, value) in entries {
                guard let text = value.stringValue else { throw ModelFileError(path: path, "user_metadata '\(key.prefix(32))' is not a string") }
                self.metadata[key] = text
            }
        }
    }

    private func restoreCompile(_ text: String, path: String) throws {
        guard let settings = (try? JSONValue.parse(text))?.objectValue else {
            throw ModelFileError(path: path, "compile metadata is not a JSON object")
        }
        guard let lossName = settings["loss"]?.stringValue, let loss = Loss.named(lossName) else {
            throw ModelFileError(path: path, "compile metadata names an unknown loss")
        }
        guard let optimizerEntry = settings["optimizer"]?.objectValue, let className = optimizerEntry["class_name"]?.stringValue,
              let optimizerConfig = optimizerEntry["config"]?.objectValue else {
            throw ModelFileError(path: path, "compile metadata has no valid optimizer")
        }
        let optimizer = try makeOptimizer(className, ConfigReader(optimizerConfig, context: "optimizer", path: path))
        var metrics: [Metric] = []
        for entry in settings["metrics"]?.arrayValue ?? [] {
            guard let name = entry.stringValue, let metric = Metric(rawValue: name) else {
                throw ModelFileError(path: path, "compile metadata names an unknown metric")
            }
            metrics.append(metric)
        }
        compile(loss: loss, optimizer: optimizer, metrics: metrics)
    }
}
