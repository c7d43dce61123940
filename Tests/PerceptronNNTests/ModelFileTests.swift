// Model files: the save/load round trip, the safetensors layout read independently with
// Foundation's JSON parser, and atomic saves. Corrupt files are in CorruptModelFileTests.swift.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO
import PerceptronTensor

/// A compiled model with every layer type: [2, 3] -> Flatten -> Dense(5, tanh) -> Reshape(5, 1)
/// -> Flatten -> Dense(3) -> Activation(softmax).
func fileTestModel(seed: UInt64 = 21, name: String = "file_model") -> Model {
    let model = functionalModel([2, 3], [
        Flatten(name: "flat"), Dense(5, activation: .tanh, name: "hidden"), Reshape([5, 1], name: "column"),
        Flatten(name: "flat_again"), Dense(3, name: "scores"), Activation(.softmax, name: "probabilities"),
    ], seed: seed, name: name)
    model.parameters[1].value = tensor(randomValues(5, seed: seed + 1), [5])
    model.parameters[3].value = tensor(randomValues(3, seed: seed + 2), [3])
    model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-6),
                  metrics: [.categoricalAccuracy, .accuracy])
    return model
}

private let sampleInputs = tensor(randomValues(24, seed: 31), [4, 2, 3])

/// The header length, header JSON (parsed by Foundation, not by PerceptronIO) and data of a safetensors file.
private func parseSafetensors(_ bytes: [UInt8]) throws -> (headerLength: Int, header: [String: Any], data: [UInt8]) {
    let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + length])) as? [String: Any])
    return (length, header, Array(bytes[(8 + length)...]))
}

@Suite struct ModelFileRoundTripTests {
    @Test("save then load: architecture, names, weights, compile settings and predictions are identical")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let model = fileTestModel()
        let url = folder.file("model.safetensors")
        try model.save(to: url)
        let loaded = try Model.load(from: url)
        #expect(!(loaded is Sequential))
        #expect(loaded.name == "file_model" && loaded.inputLayer.name == "file_model_input" && loaded.inputShape == [2, 3])
        #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
        #expect(loaded.layers.map(\.typeName) == ["Flatten", "Dense", "Reshape", "Flatten", "Dense", "Activation"])
        #expect(loaded.architecture == model.architecture)
        #expect(loaded.weights() == model.weights(), "weights are not bit-identical")
        #expect(loaded.compileConfig == model.compileConfig)
        #expect(loaded.loss == .categoricalCrossentropy && loaded.metrics == [.categoricalAccuracy, .accuracy])
        let adam = try #require(loaded.optimizer as? Adam)
        #expect(adam.learningRate == 0.003 && adam.beta1 == 0.8 && adam.beta2 == 0.99 && adam.epsilon == 1e-6)
        #expect(try loaded.predict(sampleInputs) == model.predict(sampleInputs))
        #expect(loaded.fileBytes() == model.fileBytes())
        #expect(try FileIO.read(url) == model.fileBytes())
    }

    @Test("A loaded model trains exactly like the original")
    func trainsLikeTheOriginal() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let model = fileTestModel()
        try model.save(to: folder.file("m.safetensors"))
        let loaded = try Model.load(from: folder.file("m.safetensors"))
        let y = oneHotRows([0, 2, 1, 1], classes: 3)
        let a = try model.fit(sampleInputs, y, batchSize: 2, epochs: 2, verbose: 0, seed: 3)
        let b = try loaded.fit(sampleInputs, y, batchSize: 2, epochs: 2, verbose: 0, seed: 3)
        #expect(a.history == b.history && loaded.weights() == model.weights())
    }

    @Test("Every optimizer's settings and an uncompiled model survive the round trip", arguments: ["sgd", "rmsprop", "none"])
    func otherSettings(_ kind: String) throws {
        let model = functionalModel([3], [Dense(2, activation: .sigmoid, name: "unit")], name: "settings_model")
        switch kind {
        case "sgd": model.compile(loss: .binaryCrossentropy, optimizer: SGD(learningRate: 0.05, momentum: 0.5, nesterov: true))
        case "rmsprop": model.compile(loss: .meanSquaredError, optimizer: RMSprop(learningRate: 0.02, rho: 0.8, momentum: 0.1, epsilon: 1e-5, centered: true), metrics: [.binaryAccuracy])
        default: break
        }
        let loaded = try Model(decoded: Safetensors.decode(model.fileBytes(), path: "memory"), path: "memory")
        #expect(loaded.compileConfig == model.compileConfig)
        #expect(loaded.loss == model.loss && loaded.metrics == model.metrics)
        #expect(loaded.fileBytes() == model.fileBytes())
        if kind == "none" { #expect(loaded.optimizer == nil && model.fileBytes().count > 8) }
    }
}

@Suite struct SafetensorsLayoutTests {
    @Test("The file is valid safetensors: LE header length, JSON header, F32 tensors packed back to back")
    func layout() throws {
        let model = fileTestModel()
        let bytes = model.fileBytes()
        let (length, header, data) = try parseSafetensors(bytes)
        #expect((8 + length) % 8 == 0, "the data should start 8-byte aligned")
        let metadata = try #require(header["__metadata__"] as? [String: String])
        #expect(metadata["format"] == "perceptron" && metadata["format_version"] == "1")
        let architecture = try #require(try JSONSerialization.jsonObject(with: Data(metadata["architecture"]!.utf8)) as? [String: Any])
        #expect(architecture["class_name"] as? String == "Functional" && architecture["name"] as? String == "file_model")
        let layers = try #require(architecture["layers"] as? [[String: Any]])
        #expect(layers.map { $0["class_name"] as? String } == ["InputLayer", "Flatten", "Dense", "Reshape", "Flatten", "Dense", "Activation"])
        let hiddenConfig = try #require(layers[2]["config"] as? [String: Any])
        #expect(hiddenConfig["units"] as? Int == 5 && hiddenConfig["activation"] as? String == "tanh")
        let compile = try #require(try JSONSerialization.jsonObject(with: Data(metadata["compile"]!.utf8)) as? [String: Any])
        #expect(compile["loss"] as? String == "categorical_crossentropy")

        var ranges: [(begin: Int, end: Int)] = []
        for (name, tensor) in model.namedWeights {
            let entry = try #require(header[name] as? [String: Any], "no entry for \(name)")
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["shape"] as? [Int] == tensor.shape)
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets[1] - offsets[0] == 4 * tensor.count)
            ranges.append((offsets[0], offsets[1]))
            let stored = stride(from: offsets[0], to: offsets[1], by: 4).map { i in
                Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
            }
            #expect(stored == tensor.scalars, "\(name) data")
        }
        // Kernels are [in, out] as Keras stores them.
        #expect((header["hidden/kernel"] as? [String: Any])?["shape"] as? [Int] == [6, 5])
        #expect(Set(header.keys) == Set(model.namedWeights.map(\.name) + ["__metadata__"]))
        ranges.sort { $0.begin < $1.begin }
        #expect(ranges.first?.begin == 0 && ranges.last?.end == data.count)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.end == b.begin, "offsets not contiguous") }
    }
}

@Suite struct AtomicSaveTests {
    @Test("Saving over an existing file replaces it whole and leaves no temporary file")
    func overwrite() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let url = folder.file("model.safetensors")
        let first = fileTestModel(seed: 21)
        let second = fileTestModel(seed: 77)
        try first.save(to: url)
        try second.save(to: url)
        #expect(try FileIO.read(url) == second.fileBytes())
        #expect(try Model.load(from: url).weights() == second.weights())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["model.safetensors"])
    }

    @Test("Saving into a missing folder throws FileError and creates nothing")
    func missingFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let url = folder.url.appendingPathComponent("absent/model.safetensors")
        #expect(throws: FileError.self) { try fileTestModel().save(to: url) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }
}

extension NameCounterTests {
    /// Sequential creates an automatically named input layer, so this lives in the serialized suite.
    @Suite struct SequentialFileTests {
        @Test("A saved Sequential loads back as a Sequential with the same summary and file")
        func sequentialRoundTrip() throws {
            let model = Sequential(inputShape: [3], layers: [
                built(Dense(4, activation: .relu, name: "stack_hidden"), on: [3]),
                built(Dense(2, activation: .softmax, name: "stack_out"), on: [4], seed: 2),
            ], name: "stack")
            model.compile(loss: .sparseCategoricalCrossentropy, optimizer: SGD(learningRate: 0.1), metrics: [.accuracy])
            let loaded = try Model(decoded: Safetensors.decode(model.fileBytes(), path: "memory"), path: "memory")
            #expect(loaded.layers.map(\.name) == ["stack_hidden", "stack_out"])
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            try model.save(to: folder.file("stack.safetensors"))
            let reloaded = try Model.load(from: folder.file("stack.safetensors"))
            #expect(reloaded is Sequential)
            #expect(reloaded.summaryText() == model.summaryText())
            #expect(reloaded.inputLayer.name == model.inputLayer.name)
            #expect(reloaded.architecture == model.architecture)
            #expect(reloaded.compileConfig == model.compileConfig)
            #expect(reloaded.fileBytes() == model.fileBytes())
        }
    }
}
