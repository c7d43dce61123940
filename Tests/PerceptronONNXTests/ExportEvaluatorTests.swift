// Exported graphs run by the reference evaluator give what `Model.predict` gives, within
// 1e-5; and the evaluator itself against hand-worked values of the ops it runs.

import Foundation
import Testing
@testable import PerceptronNN
@testable import PerceptronONNX
import PerceptronTensor

@Suite struct ExportEvaluatorTests {
    /// Runs the exported graph of `model` on `x` in the evaluator (which also checks every
    /// declared shape) and returns the largest difference from `model.predict(x)`.
    func difference(_ model: Model, _ x: Tensor) throws -> Float {
        let evaluator = ONNXReferenceEvaluator(model: try decoded(model.onnxBytes()))
        let output = try evaluator.run(.init(shape: x.shape, floats: x.scalars))
        let expected = try model.predict(x)
        #expect(output.shape == expected.shape)
        return largestDifference(expected, output.floats)
    }

    @Test func lessonMLPAgrees() throws {
        #expect(try difference(lessonMLP(), mnistSamples(8, shape: [784])) <= 1e-5)
    }

    @Test func kerasConvnetAgrees() throws {
        #expect(try difference(kerasConvnet(), mnistSamples(6, shape: [28, 28, 1])) <= 1e-5)
    }

    @Test func normalizedConvnetAgrees() throws {
        #expect(try difference(normalizedConvnet(), mnistSamples(6, shape: [28, 28, 1])) <= 1e-5)
    }

    /// Logits, not probabilities: differences are not squeezed by a softmax. The flattening
    /// order is checked here too, as the Dense after Flatten reads every position.
    @Test func reshapingModelAgreesOnItsLogits() throws {
        let model = exportModel([784], [
            Reshape([28, -1], name: "rows"), Dense(16, activation: .tanh, name: "row_dense"),
            Reshape([28, 4, 4], name: "planes"), Conv2D(3, kernelSize: 2, name: "plane_conv"),
            Activation(.softmax, name: "plane_softmax"), BatchNormalization(name: "plane_norm"), Flatten(name: "plane_flatten"),
            Dense(5, useBias: false, name: "logits"),
        ], name: "reshaping")
        #expect(try difference(model, mnistSamples(4, shape: [784])) <= 1e-5)
    }

    @Test func aModelEndingOnImagesAgrees() throws {
        let model = exportModel([9, 7, 2], [
            Conv2D(4, kernelSize: (2, 3), strides: (2, 1), padding: .same, activation: .sigmoid, name: "odd_conv"),
            AveragePooling2D((3, 2), strides: (1, 2), padding: .same, name: "odd_average"),
        ], name: "ends_on_images")
        var generator = SeededGenerator(seed: 3)
        let x = Tensor(shape: [3, 9, 7, 2], scalars: (0..<(3 * 9 * 7 * 2)).map { _ in generator.nextFloat(in: -1..<1) })
        #expect(try difference(model, x) <= 1e-6)
    }

    /// Normalisation straight on channels-last images needs the transpose first; softmax then
    /// runs over the channels, axis 1.
    @Test func normalizationOnInputImagesAgrees() throws {
        let model = exportModel([5, 4, 3], [BatchNormalization(name: "input_norm"), Activation(.softmax, name: "channel_softmax"),
                                            Flatten(name: "norm_flatten"), Dense(4, activation: .tanh, name: "norm_dense")],
                                name: "normalized_input", spread: 0.5)
        let graph = try decoded(model.onnxBytes()).graph
        #expect(graph.node.map(\.opType) == ["Transpose", "BatchNormalization", "Softmax", "Transpose", "Flatten", "Gemm", "Tanh"])
        var generator = SeededGenerator(seed: 5)
        let x = Tensor(shape: [4, 5, 4, 3], scalars: (0..<(4 * 60)).map { _ in generator.nextFloat(in: -2..<2) })
        #expect(try difference(model, x) <= 1e-6)
    }

    @Test func aModelOfItsInputAloneIsAnIdentity() throws {
        let model = exportModel([3], [], name: "bare")
        let graph = try decoded(model.onnxBytes()).graph
        #expect(graph.node.map(\.opType) == ["Identity"] && graph.output.map(\.name) == ["bare_input/identity"])
        #expect(try difference(model, Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])) == 0)
    }

    /// The same graph with the Transpose before Flatten left out runs, but answers otherwise:
    /// the agreement above depends on flattening channels-last.
    @Test func flatteningChannelsFirstWouldDisagree() throws {
        let model = kerasConvnet()
        var proto = try decoded(model.onnxBytes())
        let transpose = try #require(proto.graph.node.lastIndex { $0.opType == "Transpose" })
        let flatten = try #require(proto.graph.node.firstIndex { $0.opType == "Flatten" })
        proto.graph.node[flatten].input = proto.graph.node[transpose].input
        proto.graph.node.remove(at: transpose)
        var evaluator = ONNXReferenceEvaluator(model: proto)
        evaluator.checksDeclaredShapes = false
        let x = try mnistSamples(2, shape: [28, 28, 1])
        let output = try evaluator.run(.init(shape: x.shape, floats: x.scalars))
        #expect(largestDifference(try model.predict(x), output.floats) > 1e-3)
    }
}

/// One-node graphs with values worked by hand from ONNX's operator documentation.
@Suite struct ReferenceEvaluatorTests {
    typealias Value = ONNXReferenceEvaluator.Value

    /// Runs one node of `operation` on `inputs` (the first is the graph input, the rest initializers).
    func run(_ operation: String, _ inputs: [Value], attributes: [Onnx_AttributeProto] = []) throws -> Value {
        var graph = Onnx_GraphProto()
        graph.input = [ExportProto.valueInfo("x", batchShape: Array(inputs[0].shape.dropFirst()))]
        for (index, value) in inputs.enumerated().dropFirst() {
            graph.initializer.append(value.integers.isEmpty
                ? ExportProto.floatTensor("i\(index)", shape: value.shape, scalars: value.floats)
                : ExportProto.int64Tensor("i\(index)", value.integers))
        }
        var node = Onnx_NodeProto()
        node.name = "n"
        node.opType = operation
        node.input = ["x"] + inputs.indices.dropFirst().map { "i\($0)" }
        node.output = ["y"]
        node.attribute = attributes
        graph.node = [node]
        var output = Onnx_ValueInfoProto()
        output.name = "y"
        graph.output = [output]
        var model = Onnx_ModelProto()
        model.graph = graph
        return try ONNXReferenceEvaluator(model: model).run(inputs[0])
    }

    @Test func gemmTransposesAndBroadcastsItsBias() throws {
        // [[1, 2], [3, 4]] times B^T with B = [[1, 0], [1, 1], [0, 2]], plus [10, 20, 30].
        let y = try run("Gemm", [Value(shape: [2, 2], floats: [1, 2, 3, 4]), Value(shape: [3, 2], floats: [1, 0, 1, 1, 0, 2]),
                                 Value(shape: [3], floats: [10, 20, 30])],
                        attributes: [ExportProto.attribute("transB", 1)])
        #expect(y == Value(shape: [2, 3], floats: [11, 23, 34, 13, 27, 38]))
    }

    @Test func convPadsAsked() throws {
        // A 3x3 image 1...9, a 2x2 kernel of ones, pads [0, 0, 1, 1]: each output sums its window.
        let y = try run("Conv", [Value(shape: [1, 1, 3, 3], floats: (1...9).map(Float.init)), Value(shape: [1, 1, 2, 2], floats: [1, 1, 1, 1]),
                                 Value(shape: [1], floats: [0.5])],
                        attributes: [ExportProto.attribute("pads", [0, 0, 1, 1]), ExportProto.attribute("strides", [2, 2])])
        #expect(y == Value(shape: [1, 1, 2, 2], floats: [12.5, 9.5, 15.5, 9.5]))
    }

    @Test func averagePoolCountsPaddingOnlyWhenAsked() throws {
        let x = Value(shape: [1, 1, 2, 3], floats: [1, 2, 3, 4, 5, 6])
        let pads = [ExportProto.attribute("kernel_shape", [2, 2]), ExportProto.attribute("strides", [2, 2]),
                    ExportProto.attribute("pads", [0, 0, 0, 1])]
        #expect(try run("AveragePool", [x], attributes: pads) == Value(shape: [1, 1, 1, 2], floats: [3, 4.5]))
        #expect(try run("AveragePool", [x], attributes: pads + [ExportProto.attribute("count_include_pad", 1)])
                == Value(shape: [1, 1, 1, 2], floats: [3, 2.25]))
        #expect(try run("MaxPool", [Value(shape: [1, 1, 2, 3], floats: [-1, -2, -3, -4, -5, -6])], attributes: pads)
                == Value(shape: [1, 1, 1, 2], floats: [-1, -3]), "padding never wins a max")
    }

    @Test func batchNormalizationUsesItsStatistics() throws {
        // (x - 1) / sqrt(3 + 1) * 2 + 5 on channel 0; (x - 0) / sqrt(0 + 1) * 1 + 0 on channel 1.
        let y = try run("BatchNormalization", [Value(shape: [1, 2, 1, 2], floats: [3, 5, 7, -7]), Value(shape: [2], floats: [2, 1]),
                                               Value(shape: [2], floats: [5, 0]), Value(shape: [2], floats: [1, 0]),
                                               Value(shape: [2], floats: [3, 0])],
                        attributes: [ExportProto.attribute("epsilon", Float(1))])
        #expect(y == Value(shape: [1, 2, 1, 2], floats: [7, 9, 7, -7]))
    }

    @Test func transposeFlattenReshapeMoveValues() throws {
        let x = Value(shape: [1, 2, 3], floats: [1, 2, 3, 4, 5, 6])
        #expect(try run("Transpose", [x], attributes: [ExportProto.attribute("perm", [0, 2, 1])])
                == Value(shape: [1, 3, 2], floats: [1, 4, 2, 5, 3, 6]))
        #expect(try run("Flatten", [x]) == Value(shape: [1, 6], floats: x.floats))
        #expect(try run("Reshape", [x, Value(shape: [2], integers: [0, -1])]) == Value(shape: [1, 6], floats: x.floats))
    }

    @Test func softmaxRunsAlongItsAxis() throws {
        let y = try run("Softmax", [Value(shape: [1, 2, 2], floats: [0, 0, 0, Float(log(3.0))])], attributes: [ExportProto.attribute("axis", 1)])
        #expect(zip(y.floats, [0.5, 0.25, 0.5, 0.75] as [Float]).allSatisfy { abs($0 - $1) < 1e-7 })
    }

    @Test func unknownOpsAndValuesAreNamed() throws {
        #expect(throws: ONNXReferenceEvaluator.Failure("node 'n': op Erf is not evaluated")) {
            try run("Erf", [Value(shape: [1], floats: [0])])
        }
        #expect(throws: ONNXReferenceEvaluator.Failure("node 'n' (Relu): attribute 'alpha' is not evaluated")) {
            try run("Relu", [Value(shape: [1], floats: [0])], attributes: [ExportProto.attribute("alpha", Float(1))])
        }
    }
}
