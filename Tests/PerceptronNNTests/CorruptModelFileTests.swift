// Corrupt model files: each kind of flaw in the safetensors container, the architecture or
// the compile settings gives ModelFileError naming the file and the flaw, never a crash.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO
import PerceptronTensor

/// The header length a file declares in its first 8 bytes (little-endian).
private func headerLength(_ bytes: [UInt8]) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) } }

/// Splits a file into its header (PerceptronIO's parser) and data.
private func split(_ bytes: [UInt8]) throws -> (header: [String: JSONValue], data: [UInt8]) {
    let length = headerLength(bytes)
    return (try #require(try JSONValue.parse(bytes[8..<8 + length]).objectValue), Array(bytes[(8 + length)...]))
}

/// A file from a header text and data bytes.
private func assemble(_ headerText: String, _ data: [UInt8]) -> [UInt8] {
    let header = Array(headerText.utf8)
    return (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + data
}

private func assemble(_ header: [String: JSONValue], _ data: [UInt8]) -> [UInt8] {
    assemble(JSONValue.object(header).serialized(), data)
}

/// `bytes` with one field of tensor `name`'s header entry replaced.
private func editing(_ bytes: [UInt8], tensor name: String, _ field: String, _ value: JSONValue, appending extra: [UInt8] = []) throws -> [UInt8] {
    var (header, data) = try split(bytes)
    var entry = try #require(header[name]?.objectValue)
    entry[field] = value
    header[name] = .object(entry)
    return assemble(header, data + extra)
}

/// The model's file with its metadata edited (the weights re-encoded unchanged).
private func editingMetadata(_ model: Model, _ edit: (inout [String: String]) throws -> Void) throws -> [UInt8] {
    var metadata = try Safetensors.decode(model.fileBytes(), path: "edit").metadata
    try edit(&metadata)
    return Safetensors.encode(tensors: model.namedWeights, metadata: metadata)
}

/// The model's file with layer `index` of its architecture edited.
private func editingLayer(_ model: Model, _ index: Int, _ edit: @escaping (inout [String: JSONValue]) -> Void) throws -> [UInt8] {
    try editingMetadata(model) { metadata in
        var root = try #require(try JSONValue.parse(metadata["architecture"]!).objectValue)
        var layers = try #require(root["layers"]?.arrayValue)
        var layer = try #require(layers[index].objectValue)
        edit(&layer)
        layers[index] = .object(layer)
        root["layers"] = .array(layers)
        metadata["architecture"] = JSONValue.object(root).serialized()
    }
}

/// `edit` applied to a layer's config.
private func config(_ edit: @escaping (inout [String: JSONValue]) -> Void) -> (inout [String: JSONValue]) -> Void {
    { layer in
        var values = layer["config"]?.objectValue ?? [:]
        edit(&values)
        layer["config"] = .object(values)
    }
}

/// The model's file with its compile settings edited.
private func editingCompile(_ model: Model, _ edit: @escaping (inout [String: JSONValue]) -> Void) throws -> [UInt8] {
    try editingMetadata(model) { metadata in
        var settings = try #require(try JSONValue.parse(metadata["compile"]!).objectValue)
        edit(&settings)
        metadata["compile"] = JSONValue.object(settings).serialized()
    }
}

@Suite struct CorruptModelFileTests {
    enum Corruption: String, CaseIterable, Sendable {
        case emptyFile, fiveBytes, truncatedData, truncatedHeader, hugeHeaderLength, invalidJSON, headerNotObject,
             duplicateTensorNames, dtypeF16, overlappingOffsets, offsetsOutOfRange, negativeOffset, gapBetweenTensors,
             trailingBytes, shapeDisagreesWithOffsets, shapeMismatch, missingWeight, extraTensor, unknownLayerType,
             absurdDenseUnits, badActivation, badOptimizer, badLearningRate, unknownLoss, unknownMetric, notPerceptron,
             formatVersion2, architectureNotJSON, noLayers, firstLayerNotInput, secondInputLayer, duplicateLayerName,
             missingConfig, hugeInputShape, overflowingReshape, reshapeMismatch, metadataNotStrings

        /// A fragment of the error's message.
        var expected: String {
            switch self {
            case .emptyFile, .fiveBytes: return "too short"
            case .truncatedHeader, .hugeHeaderLength: return "exceeds the file"
            case .truncatedData, .offsetsOutOfRange, .negativeOffset: return "outside"
            case .invalidJSON: return "header is not valid JSON"
            case .headerNotObject: return "must be a JSON object"
            case .duplicateTensorNames: return "duplicate key"
            case .dtypeF16: return "dtype F16"
            case .overlappingOffsets: return "overlaps the previous tensor"
            case .gapBetweenTensors: return "leaves a gap"
            case .trailingBytes: return "cover 212 data bytes but the file holds 216"
            case .shapeDisagreesWithOffsets: return "needs 96 bytes"
            case .shapeMismatch: return "weight 'hidden/kernel' has shape [5, 6], the architecture needs [6, 5]"
            case .missingWeight: return "missing weight 'hidden/bias'"
            case .extraTensor: return "unexpected tensor 'stray/extra'"
            case .unknownLayerType: return "unknown layer type 'Conv3D'"
            case .absurdDenseUnits: return "'units' must be an integer in 1...1048576"
            case .badActivation: return "'activation' has an unknown value"
            case .badOptimizer: return "unknown optimizer 'adamw'"
            case .badLearningRate: return "'learning_rate' must be a number"
            case .unknownLoss: return "unknown loss"
            case .unknownMetric: return "unknown metric"
            case .notPerceptron: return "not a Perceptron model"
            case .formatVersion2: return "format version 2 is not supported"
            case .architectureNotJSON: return "architecture metadata is not valid JSON"
            case .noLayers: return "no list of layers"
            case .firstLayerNotInput: return "the first layer must be an InputLayer"
            case .secondInputLayer: return "an InputLayer may only come first"
            case .duplicateLayerName: return "duplicate layer name 'hidden'"
            case .missingConfig: return "needs class_name, name and config"
            case .hugeInputShape, .overflowingReshape: return "holds more than"
            case .reshapeMismatch: return "cannot reshape"
            case .metadataNotStrings: return "is not a string"
            }
        }

        func bytes(_ model: Model) throws -> [UInt8] {
            let good = model.fileBytes()
            // Data order: hidden/kernel [0, 120), hidden/bias [120, 140), scores/kernel [140, 200), scores/bias [200, 212).
            switch self {
            case .emptyFile: return []
            case .fiveBytes: return Array(good.prefix(5))
            case .truncatedData: return Array(good.dropLast(4))
            case .truncatedHeader: return Array(good.prefix(8 + headerLength(good) / 2))
            case .hugeHeaderLength: return [UInt8](repeating: 0xFF, count: 8) + good.dropFirst(8)
            case .invalidJSON: return assemble("{\"hidden/kernel\": [1, 2", try split(good).data)
            case .headerNotObject: return assemble("[1, 2, 3]", [])
            case .duplicateTensorNames:
                let text = String(decoding: good[8..<8 + headerLength(good)], as: UTF8.self)
                let duplicated = text.replacingOccurrences(of: "\"hidden/bias\":", with: "\"hidden/kernel\":")
                return assemble(duplicated, try split(good).data)
            case .dtypeF16: return try editing(good, tensor: "hidden/kernel", "dtype", .string("F16"))
            case .overlappingOffsets: return try editing(good, tensor: "scores/kernel", "data_offsets", .ints([136, 196]))
            case .offsetsOutOfRange: return try editing(good, tensor: "scores/bias", "data_offsets", .ints([204, 216]))
            case .negativeOffset: return try editing(good, tensor: "hidden/bias", "data_offsets", .ints([-20, 0]))
            case .gapBetweenTensors: return try editing(good, tensor: "scores/bias", "data_offsets", .ints([204, 216]), appending: [0, 0, 0, 0])
            case .trailingBytes: return try editing(good, tensor: "scores/bias", "dtype", .string("F32"), appending: [0, 0, 0, 0])
            case .shapeDisagreesWithOffsets: return try editing(good, tensor: "hidden/kernel", "shape", .ints([6, 4]))
            case .shapeMismatch: return try editing(good, tensor: "hidden/kernel", "shape", .ints([5, 6]))
            case .missingWeight:
                return Safetensors.encode(tensors: model.namedWeights.filter { $0.name != "hidden/bias" },
                                          metadata: try Safetensors.decode(good, path: "m").metadata)
            case .extraTensor: return model.fileBytes(extraTensors: [("stray/extra", Tensor.ones([2]))])
            case .unknownLayerType: return try editingLayer(model, 2) { $0["class_name"] = .string("Conv3D") }
            case .absurdDenseUnits: return try editingLayer(model, 2, config { $0["units"] = .int(1_000_000_000) })
            case .badActivation: return try editingLayer(model, 2, config { $0["activation"] = .string("swish") })
            case .badOptimizer: return try editingCompile(model) { settings in
                    settings["optimizer"] = .object(["class_name": .string("adamw"), "config": .object(["learning_rate": .double(0.001)])])
                }
            case .badLearningRate: return try editingCompile(model) { settings in
                    settings["optimizer"] = .object(["class_name": .string("adam"), "config": .object(["learning_rate": .double(-1)])])
                }
            case .unknownLoss: return try editingCompile(model) { $0["loss"] = .string("hinge") }
            case .unknownMetric: return try editingCompile(model) { $0["metrics"] = .array([.string("auc")]) }
            case .notPerceptron: return Safetensors.encode(tensors: [("weight", Tensor.ones([2, 2]))], metadata: [:])
            case .formatVersion2: return try editingMetadata(model) { $0["format_version"] = "2" }
            case .architectureNotJSON: return try editingMetadata(model) { $0["architecture"] = "{\"layers\": [" }
            case .noLayers: return try editingMetadata(model) { $0["architecture"] = "{\"class_name\": \"Functional\", \"layers\": []}" }
            case .firstLayerNotInput: return try editingLayer(model, 0) { $0["class_name"] = .string("Flatten") }
            case .secondInputLayer: return try editingLayer(model, 1) { $0["class_name"] = .string("InputLayer") }
            case .duplicateLayerName: return try editingLayer(model, 5) { $0["name"] = .string("hidden") }
            case .missingConfig: return try editingLayer(model, 2) { $0["config"] = nil }
            case .hugeInputShape: return try editingLayer(model, 0, config { $0["shape"] = .ints(Array(repeating: 1 << 24, count: 8)) })
            case .overflowingReshape: return try editingLayer(model, 3, config { $0["target_shape"] = .ints(Array(repeating: 1 << 24, count: 8)) })
            case .reshapeMismatch: return try editingLayer(model, 3, config { $0["target_shape"] = .ints([4, 1]) })
            case .metadataNotStrings:
                var (header, data) = try split(good)
                var metadata = try #require(header["__metadata__"]?.objectValue)
                metadata["format_version"] = .int(1)
                header["__metadata__"] = .object(metadata)
                return assemble(header, data)
            }
        }
    }

    @Test("A corrupt file gives ModelFileError naming the file and the flaw", arguments: Corruption.allCases)
    func corrupt(_ corruption: Corruption) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let url = folder.file("corrupt.safetensors")
        try FileIO.writeAtomically(corruption.bytes(fileTestModel()), to: url)
        do {
            _ = try Model.load(from: url)
            Issue.record("\(corruption) loaded without error")
        } catch let error as ModelFileError {
            #expect(error.path == url.path)
            #expect(error.errorDescription?.hasPrefix(url.path + ": ") == true)
            #expect(error.detail.contains(corruption.expected), "\(error.detail)")
        } catch {
            Issue.record("\(corruption): expected ModelFileError, got \(error)")
        }
    }

    @Test("The unedited file loads (the corruptions above are what fails)")
    func control() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try FileIO.writeAtomically(fileTestModel().fileBytes(), to: folder.file("good.safetensors"))
        #expect(try Model.load(from: folder.file("good.safetensors")).layers.count == 6)
    }

    @Test("A missing file or a folder gives FileError")
    func missingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        #expect(throws: FileError.self) { try Model.load(from: folder.file("absent.safetensors")) }
        #expect(throws: FileError.self) { try Model.load(from: folder.url) }
    }

    /// Before a layer's weights were checked right after it was built, an architecture could
    /// declare a thousand 1024x1024 Dense layers in a few bytes: loading built (and randomly
    /// initialised) all 4 GB of them before noticing the weights were missing.
    @Test("A file declaring far more weights than it holds fails at the first such layer")
    func declaredWeightsBeyondTheFile() throws {
        var layers: [JSONValue] = [.object(["class_name": .string("InputLayer"), "name": .string("wide_input"),
                                            "config": .object(["shape": .ints([1024])])])]
        for index in 0..<1000 {
            layers.append(.object(["class_name": .string("Dense"), "name": .string("wide_\(index)"),
                                   "config": .object(["units": .int(1024)])]))
        }
        let architecture = JSONValue.object(["class_name": .string("Functional"), "name": .string("wide"), "layers": .array(layers)])
        let bytes = Safetensors.encode(tensors: [("wide_0/kernel", Tensor.zeros([2, 2]))],
                                       metadata: ["format": "perceptron", "format_version": "1", "architecture": architecture.serialized()])
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try FileIO.writeAtomically(bytes, to: folder.file("wide.safetensors"))
        let error = #expect(throws: ModelFileError.self) { try Model.load(from: folder.file("wide.safetensors")) }
        // Refused before it is built: the file holds 4 of the kernel's million weights.
        #expect(error?.detail == "layer 1 'wide_0' (Dense): its kernel: 1048576 weights needed, but the file holds 4 for this layer")
    }
}
