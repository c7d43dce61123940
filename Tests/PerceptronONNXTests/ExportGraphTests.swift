// The structure of exported graphs, read back with the generated protobuf types: envelope
// (opset, IR, producer, metadata), ops and their attributes, shapes with a dynamic batch,
// and initializers bit-equal to the model's weights.

import Foundation
import Testing
@testable import PerceptronNN
@testable import PerceptronONNX
import PerceptronIO
import PerceptronTensor

@Suite struct ExportGraphTests {
    @Test func lessonMLPIsGemmsAndActivations() throws {
        let model = lessonMLP()
        model.metadata["pixel_scale"] = "0.003921569"
        let proto = try decoded(model.onnxBytes(metadata: ["note": "exported in a test"]))

        #expect(proto.irVersion == 8)
        #expect(proto.opsetImport.map(\.domain) == [""] && proto.opsetImport.map(\.version) == [18])
        #expect(proto.producerName == "Perceptron" && proto.producerVersion == ONNXOpset.producerVersion)
        #expect(proto.metadataProps.map(\.key) == ["note", "pixel_scale"])
        #expect(proto.metadataProps.map(\.value) == ["exported in a test", "0.003921569"])

        let graph = proto.graph
        #expect(graph.name == "lesson_mlp")
        #expect(graph.node.map(\.opType) == ["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"])
        #expect(graph.input.map(\.name) == ["lesson_mlp_input"] && graph.input[0].dims == ["N", "784"])
        #expect(graph.output.map(\.name) == ["mlp_output"] && graph.output[0].dims == ["N", "10"])
        #expect(graph.node[0].input == ["lesson_mlp_input", "mlp_hidden/kernel", "mlp_hidden/bias"])
        #expect(graph.node[0].attribute.isEmpty, "Gemm's defaults: alpha 1, beta 1, no transposes (the kernel is [D, U])")
        #expect(graph.node("Softmax")?.int("axis") == -1)
        #expect(graph.initializer.map(\.name) == model.namedWeights.map(\.name))
        for (name, tensor) in model.namedWeights {
            let exported = try #require(graph.initializer(name))
            #expect(exported.dataType == 1 && exported.dims == tensor.shape.map(Int64.init))
            #expect(rawFloats(exported).map(\.bitPattern) == tensor.scalars.map(\.bitPattern), "\(name)")
        }
        #expect(graph.valueInfo.map(\.name) == ["mlp_hidden/preactivation", "mlp_hidden", "mlp_hidden_b/preactivation",
                                                 "mlp_hidden_b", "mlp_output/preactivation"])
    }

    @Test func convnetRunsChannelsFirstBetweenTwoTransposes() throws {
        let model = kerasConvnet()
        let graph = try decoded(model.onnxBytes()).graph
        #expect(graph.node.map(\.opType) == ["Transpose", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool",
                                              "Transpose", "Flatten", "Dropout", "Gemm", "Softmax"])
        #expect(graph.input[0].dims == ["N", "28", "28", "1"])
        #expect(graph.output[0].dims == ["N", "10"])
        #expect(graph.node("Transpose")?.ints("perm") == [0, 3, 1, 2])
        #expect(graph.node("Transpose", skip: 1)?.ints("perm") == [0, 2, 3, 1])
        #expect(graph.valueInfo.first { $0.name == "cnn_pool_b" }?.dims == ["N", "64", "5", "5"])
        #expect(graph.valueInfo.first { $0.name == "cnn_flatten/channels_last" }?.dims == ["N", "5", "5", "64"])
        let conv = try #require(graph.node("Conv"))
        #expect(conv.ints("kernel_shape") == [3, 3] && conv.ints("strides") == [1, 1] && conv.ints("pads") == [0, 0, 0, 0])
        #expect(conv.ints("dilations") == [1, 1] && conv.int("group") == 1)
        let pool = try #require(graph.node("MaxPool"))
        #expect(pool.ints("kernel_shape") == [2, 2] && pool.ints("strides") == [2, 2] && pool.ints("pads") == [0, 0, 0, 0])
        let dropout = try #require(graph.node("Dropout"))
        #expect(rawFloats(try #require(graph.initializer(dropout.input[1]))) == [0.5])
        #expect(graph.initializer(dropout.input[1])?.dims == [])

        // Kernels go from Keras's [KH, KW, C, F] to ONNX's [F, C, KH, KW], each value moved bit for bit.
        for layer in model.layers.compactMap({ $0 as? Conv2D }) {
            let kernel = layer.kernel.value, (kh, kw, c, f) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
            let exported = try #require(graph.initializer("\(layer.name)/kernel"))
            #expect(exported.dims == [Int64(f), Int64(c), Int64(kh), Int64(kw)])
            let values = rawFloats(exported), source = kernel.scalars
            var mismatches = 0
            for o in 0..<f { for i in 0..<c { for y in 0..<kh { for x in 0..<kw {
                let onnx = values[((o * c + i) * kh + y) * kw + x], keras = source[((y * kw + x) * c + i) * f + o]
                if onnx.bitPattern != keras.bitPattern { mismatches += 1 }
            } } } }
            #expect(mismatches == 0, "\(layer.name)")
            #expect(rawFloats(try #require(graph.initializer("\(layer.name)/bias"))) == layer.bias!.value.scalars)
        }
    }

    @Test func normalizedConvnetPadsLikeKerasAndNormalizesWithMovingStatistics() throws {
        let model = normalizedConvnet()
        let graph = try decoded(model.onnxBytes()).graph
        #expect(graph.node.map(\.opType) == [
            "Identity", "Identity", "Transpose", "Conv", "BatchNormalization", "Relu", "Conv", "Tanh", "AveragePool", "MaxPool",
            "Transpose", "Flatten", "Gemm", "Sigmoid", "BatchNormalization", "Dropout", "Gemm", "Softmax",
        ])
        // 28 -> 14 with a 3x3 window at stride 2: one padding row and column, at the bottom and right.
        let conv = try #require(graph.node("Conv"))
        #expect(conv.ints("strides") == [2, 2] && conv.ints("pads") == [0, 0, 1, 1])
        // 14x7 with 3x5 at strides (1, 2): 2 rows (1 + 1) and 3 columns (1 left, 2 right).
        let second = try #require(graph.node("Conv", skip: 1))
        #expect(second.ints("kernel_shape") == [3, 5] && second.ints("strides") == [1, 2] && second.ints("pads") == [1, 1, 1, 2])
        let average = try #require(graph.node("AveragePool"))
        #expect(average.int("count_include_pad") == 0 && average.ints("pads") == [0, 0, 0, 1])
        let max = try #require(graph.node("MaxPool"))
        #expect(max.ints("kernel_shape") == [3, 3] && max.ints("strides") == [2, 2] && max.ints("pads") == [1, 0, 1, 1])

        for layer in model.layers.compactMap({ $0 as? BatchNormalization }) {
            let node = try #require(graph.node.first { $0.name == "\(layer.name)/BatchNormalization" })
            #expect(Array(node.input.dropFirst()) == ["gamma", "beta", "moving_mean", "moving_variance"].map { "\(layer.name)/\($0)" })
            #expect(node.float("epsilon") == layer.epsilon && node.float("momentum") == layer.momentum)
            for parameter in layer.parameters {
                let exported = try #require(graph.initializer("\(layer.name)/\(parameter.name)"))
                #expect(rawFloats(exported).map(\.bitPattern) == parameter.value.scalars.map(\.bitPattern))
            }
        }
        // The image normalisation sees channels first; the feature one needs no transpose.
        #expect(graph.valueInfo.first { $0.name == "bn_norm" }?.dims == ["N", "8", "14", "14"])
        #expect(graph.valueInfo.first { $0.name == "bn_norm_b" }?.dims == ["N", "32"])
        #expect(graph.node.first?.docString.hasPrefix("RandomRotation(") == true)
    }

    @Test func reshapeAndDenseOnImagesStayChannelsLast() throws {
        let model = exportModel([784], [
            Reshape([28, -1], name: "rows"), Dense(16, activation: .tanh, name: "row_dense"),
            Reshape([28, 4, 4], name: "planes"), Conv2D(3, kernelSize: 2, name: "plane_conv"),
            Activation(.softmax, name: "plane_softmax"), Activation(.linear, name: "plane_linear"), Flatten(name: "plane_flatten"),
            Dense(5, useBias: false, name: "logits"),
        ], name: "reshaping")
        let graph = try decoded(model.onnxBytes()).graph
        #expect(graph.node.map(\.opType) == ["Reshape", "MatMul", "Add", "Tanh", "Reshape", "Transpose", "Conv", "Softmax",
                                              "Identity", "Transpose", "Flatten", "Gemm"])
        let reshape = try #require(graph.node("Reshape"))
        let target = try #require(graph.initializer(reshape.input[1]))
        #expect(target.dataType == 7 && target.dims == [3])
        let littleEndian = ([-1, 28, 28] as [Int64]).flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        #expect([UInt8](target.rawData) == littleEndian)
        #expect(graph.node("Softmax")?.int("axis") == 1, "softmax over the channels, which are axis 1 channels-first")
        #expect(graph.node("Gemm")?.input == ["plane_flatten", "logits/kernel"])
        #expect(graph.output.map(\.name) == ["logits"] && graph.output[0].dims == ["N", "5"])
    }

    @Test func aModelEndingOnImagesGivesThemChannelsLast() throws {
        let model = exportModel([6, 6, 2], [Conv2D(4, kernelSize: 3, padding: .same, name: "end_conv")], name: "ends_on_images")
        let graph = try decoded(model.onnxBytes()).graph
        #expect(graph.node.map(\.opType) == ["Transpose", "Conv", "Transpose"])
        #expect(graph.output.map(\.name) == ["end_conv/channels_last"] && graph.output[0].dims == ["N", "6", "6", "4"])
        #expect(graph.valueInfo.map(\.name) == ["end_conv/channels_first", "end_conv"])
    }

    @Test func compileSettingsAndCallerMetadataAreRecorded() throws {
        let model = lessonMLP()
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.001), metrics: [.accuracy])
        model.metadata = ["pixel_scale": "1", "owner": "model"]
        let properties = try decoded(model.onnxBytes(metadata: ["owner": "caller", "perceptron.training_settings": "{}"])).metadataProps
        #expect(properties.map(\.key) == ["owner", "perceptron.compile", "perceptron.training_settings", "pixel_scale"])
        #expect(properties[0].value == "caller", "the caller's entries replace the model's")
        #expect(properties[1].value == model.compileConfig?.serialized())
    }

    @Test func theSameModelGivesTheSameBytes() throws {
        let model = normalizedConvnet()
        model.metadata["pixel_scale"] = "0.5"
        let first = try model.onnxBytes(metadata: ["b": "2", "a": "1"])
        #expect(try model.onnxBytes(metadata: ["a": "1", "b": "2"]) == first)
        // A model saved and loaded again holds the same weights, so exports the same file.
        let reloaded = try Model.load(bytes: model.fileBytes())
        #expect(try reloaded.onnxBytes(metadata: ["a": "1", "b": "2"]) == first)
    }

    @Test func exportWritesTheFileAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = lessonMLP()
        let url = folder.appendingPathComponent("model.onnx")
        try Data("old".utf8).write(to: url)
        try model.exportONNX(to: url, metadata: ["k": "v"])
        #expect(try [UInt8](Data(contentsOf: url)) == model.onnxBytes(metadata: ["k": "v"]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.onnx"])
        #expect(throws: (any Error).self) { try model.exportONNX(to: folder.appendingPathComponent("missing/model.onnx")) }
    }
}

/// A layer Perceptron can run but ONNX export does not know.
private final class Doubling: Layer {
    let name = "doubling"
    let typeName = "Doubling"
    private(set) var inputShape: [Int]?
    func build(inputShape: [Int], generator: inout SeededGenerator) { self.inputShape = inputShape }
    func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    var parameters: [Parameter] { [] }
    func forward(_ x: Tensor, training: Bool) -> Tensor { Tensor(shape: x.shape, scalars: x.scalars.map { $0 * 2 }) }
    func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor { Tensor(shape: dy.shape, scalars: dy.scalars.map { $0 * 2 }) }
    var config: [String: JSONValue] { [:] }
}

@Suite struct ExportErrorTests {
    @Test func aLayerWithoutAnONNXFormIsNamed() throws {
        let model = exportModel([4], [Dense(3, name: "before_doubling"), Doubling()], name: "custom")
        let error = try #require(throws: ONNXExportError.self) { try model.onnxBytes() }
        #expect(error.layer == "doubling")
        #expect(error.errorDescription == "cannot export to ONNX: layer 'doubling': Doubling has no ONNX form; the layers exported are Dense, Activation, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization, Flatten, Reshape, Dropout, RandomRotation and RandomTranslation")
    }

    @Test func twoLayersOfOneNameAreRefused() throws {
        let model = exportModel([4], [Dense(3, name: "twin"), Dense(2, name: "twin")], name: "twins")
        let error = try #require(throws: ONNXExportError.self) { try model.onnxBytes() }
        #expect(error.layer == "twin")
        #expect(error.reason.contains("'twin/kernel' is used twice"))
    }
}
