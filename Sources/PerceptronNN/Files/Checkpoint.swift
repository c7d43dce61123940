// Checkpoint files: a model file plus the optimizer's per-parameter state and the training
// state in the metadata, written atomically; and loading one back to resume a fit.

import Foundation
import PerceptronIO
import PerceptronTensor

extension Model {
    /// Writes a checkpoint of this model and `state` to `url`, atomically.
    ///
    /// Tensors: the weights as in a model file, plus `optimizer/<layer>/<parameter>/<slot>`
    /// for the optimizer's moments. Metadata: `training_state` (JSON of `TrainingState`) and
    /// `random_states` (each random layer's generator).
    ///
    /// - Throws: `TrainingError` when the model is not compiled (no optimizer state to save);
    ///   `FileError` when the file cannot be written, an existing file then unchanged.
    public func saveCheckpoint(_ state: TrainingState, to url: URL) throws {
        guard let optimizer else { throw TrainingError("a checkpoint needs a compiled model") }
        var extra: [(name: String, tensor: Tensor)] = []
        for layer in layers {
            for parameter in layer.parameters where parameter.isTrainable {
                let tensors = optimizer.slots.tensors(for: parameter)
                for (slot, tensor) in zip(optimizer.slotNames, tensors) {
                    extra.append(("optimizer/\(layer.name)/\(parameter.name)/\(slot)", tensor))
                }
            }
        }
        var randomStates: [String: JSONValue] = [:]
        for case let layer as any RandomStateLayer in layers {
            randomStates[layer.name] = .array(layer.randomState.map { .string(String($0)) })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let stateText = String(decoding: try encoder.encode(state), as: UTF8.self)
        let bytes = fileBytes(extraMetadata: ["training_state": stateText,
                                              "random_states": JSONValue.object(randomStates).serialized()],
                              extraTensors: extra)
        try FileIO.writeAtomically(bytes, to: url)
    }

    /// Loads a checkpoint written by `saveCheckpoint`: the model (compiled as it was), its
    /// optimizer state and random layer states restored, and the training state to pass to
    /// `fit(..., resuming:)`.
    ///
    /// - Throws: `FileError`, `ModelFileError` for a damaged file, `TrainingError` for a model
    ///   file that is not a checkpoint or inconsistent state.
    public static func loadCheckpoint(from url: URL) throws -> (model: Model, state: TrainingState) {
        let bytes = try FileIO.read(url)
        let decoded = try Safetensors.decode(bytes, path: url.path)
        guard let stateText = decoded.metadata["training_state"] else {
            throw TrainingError("\(url.path) is a model file, not a checkpoint: it has no training state")
        }
        let state: TrainingState
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { state = try decoder.decode(TrainingState.self, from: Data(stateText.utf8)) } catch {
            throw ModelFileError(path: url.path, "training_state is not valid: \(error.localizedDescription)")
        }
        let model = try Model.load(decoded: decoded, path: url.path, allowExtraTensors: true)
        guard let optimizer = model.optimizer else {
            throw ModelFileError(path: url.path, "a checkpoint must hold compile settings")
        }
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in decoded.tensors { tensors[name] = tensor }
        var expected = Set(tensors.keys.filter { $0.hasPrefix("optimizer/") })
        for layer in model.layers {
            for parameter in layer.parameters where parameter.isTrainable && !optimizer.slotNames.isEmpty {
                let slots = try optimizer.slotNames.map { slot -> Tensor in
                    let key = "optimizer/\(layer.name)/\(parameter.name)/\(slot)"
                    guard let tensor = tensors[key], tensor.shape == parameter.value.shape else {
                        throw ModelFileError(path: url.path, "optimizer state '\(key)' is missing or misshapen")
                    }
                    expected.remove(key)
                    return tensor
                }
                optimizer.slots.set(slots, for: parameter)
            }
        }
        if let extra = expected.sorted().first {
            throw ModelFileError(path: url.path, "unexpected optimizer tensor '\(extra.prefix(64))'")
        }
        optimizer.iterations = state.optimizerIterations
        if let text = decoded.metadata["random_states"] {
            guard let entries = (try? JSONValue.parse(text))?.objectValue else {
                throw ModelFileError(path: url.path, "random_states is not a JSON object")
            }
            for (name, value) in entries {
                guard let layer = model.layer(named: name) as? any RandomStateLayer,
                      let words = value.arrayValue?.compactMap({ $0.stringValue.flatMap(UInt64.init) }), words.count == 4,
                      SeededGenerator(state: words) != nil else {
                    throw ModelFileError(path: url.path, "random state of '\(name.prefix(32))' is not valid")
                }
                layer.randomState = words
            }
        }
        return (model, state)
    }
}
