// Loading a model from the bytes of a model file already in memory, so a caller that read,
// downloaded or generated them need not write a file first. `load(from:)` reads and calls this.

import PerceptronIO
import PerceptronTensor

extension Model {
    /// Loads a model from the bytes of a file written by `save(to:)` or `fileBytes()`,
    /// validating them completely first. Nothing from the file is executed or evaluated: its
    /// JSON only selects built-in layer types (or ones registered with `LayerRegistry`) and
    /// checked settings.
    ///
    /// - Parameters:
    ///   - bytes: the whole file: a safetensors container whose metadata holds the architecture.
    ///   - path: names the source in errors (`"<memory>"` by default).
    /// - Returns: a `Sequential` when the file saved one, a plain `Model` otherwise.
    /// - Throws: `ModelFileError` for any flaw: not safetensors, bad JSON, unknown layer types
    ///   or settings, wrong dtypes, overlapping or out-of-range offsets, duplicate names,
    ///   missing, extra or misshapen weights.
    public static func load(bytes: [UInt8], path: String = "<memory>") throws -> Model {
        try load(decoded: Safetensors.decode(bytes, path: path), path: path)
    }

    /// A model from a decoded file; `allowExtraTensors` accepts tensors the architecture does
    /// not use (a checkpoint's optimizer state).
    static func load(decoded: (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]), path: String,
                     allowExtraTensors: Bool = false) throws -> Model {
        let model = try Model(decoded: decoded, path: path, allowExtraTensors: allowExtraTensors)
        // `Model(decoded:)` makes a plain Model; a saved Sequential must come back as one, or
        // its summary gains an input row and a re-save records it as Functional.
        let architecture = try? JSONValue.parse(decoded.metadata["architecture"] ?? "")
        guard architecture?.objectValue?["class_name"]?.stringValue == "Sequential" else { return model }
        let sequential = Sequential(name: model.name, inputLayer: model.inputLayer, builtLayers: model.layers)
        (sequential.loss, sequential.optimizer, sequential.metrics) = (model.loss, model.optimizer, model.metrics)
        sequential.metadata = model.metadata
        return sequential
    }
}
