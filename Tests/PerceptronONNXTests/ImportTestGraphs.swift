// Small ONNX graphs built in Swift with the generated schema types, for the import tests:
// a builder, tensors and attributes, plain reference loops, and the fixtures' loader.

import Foundation
import PerceptronData
import PerceptronNN
@testable import PerceptronONNX
import PerceptronTensor

/// An ONNX model under construction: one input, nodes, initializers, one output.
struct TestGraph {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    /// The input's dimensions; nil for the symbolic batch.
    var inputShape: [Int?]
    var inputName = "input"
    var outputName = "output"
    var opset: Int64 = 18

    init(input: [Int?]) { inputShape = input }

    /// Adds a node; its name is `op_<index>`.
    mutating func node(_ op: String, _ inputs: [String], _ output: String, _ attributes: [Onnx_AttributeProto] = [], name: String? = nil) {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = name ?? "\(op.lowercased())_\(nodes.count)"
        node.input = inputs
        node.output = [output]
        node.attribute = attributes
        nodes.append(node)
    }

    /// Adds a float32 initializer stored as raw_data.
    mutating func weight(_ name: String, _ shape: [Int], _ values: [Float]) {
        initializers.append(floatTensor(name, shape, values))
    }

    /// Adds an int64 initializer.
    mutating func integers(_ name: String, _ values: [Int64]) {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.dims = [Int64(values.count)]
        tensor.int64Data = values
        initializers.append(tensor)
    }

    var model: Onnx_ModelProto {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "tests"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = self.opset
        model.opsetImport = [opset]
        var graph = Onnx_GraphProto()
        graph.name = "test_graph"
        graph.node = nodes
        graph.initializer = initializers
        graph.input = [valueInfo(inputName, inputShape)]
        graph.output = [valueInfo(outputName, [nil])]
        model.graph = graph
        return model
    }

    var data: Data { try! model.serializedBytes() }
}

func floatTensor(_ name: String, _ shape: [Int], _ values: [Float]) -> Onnx_TensorProto {
    var tensor = Onnx_TensorProto()
    tensor.name = name
    tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
    tensor.dims = shape.map { Int64($0) }
    tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
    return tensor
}

func valueInfo(_ name: String, _ shape: [Int?]) -> Onnx_ValueInfoProto {
    var info = Onnx_ValueInfoProto()
    info.name = name
    var tensorType = Onnx_TypeProto.Tensor()
    tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
    var tensorShape = Onnx_TensorShapeProto()
    tensorShape.dim = shape.map { size in
        var dim = Onnx_TensorShapeProto.Dimension()
        if let size { dim.dimValue = Int64(size) } else { dim.dimParam = "batch" }
        return dim
    }
    tensorType.shape = tensorShape
    var type = Onnx_TypeProto()
    type.tensorType = tensorType
    info.type = type
    return info
}

func attribute(_ name: String, int value: Int) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(value); return a
}
func attribute(_ name: String, ints values: [Int]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = values.map { Int64($0) }; return a
}
func attribute(_ name: String, float value: Float) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = value; return a
}
func attribute(_ name: String, string value: String) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .string; a.s = Data(value.utf8); return a
}

/// Deterministic values in [-scale, scale): a small linear congruential sequence.
func testValues(_ count: Int, seed: UInt64, scale: Float = 0.5) -> [Float] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
}

/// The import error's message for `data`, or nil when it imports.
func importError(_ data: Data) -> String? {
    do {
        _ = try ONNXImport.model(from: data, path: "test.onnx")
        return nil
    } catch {
        return error.localizedDescription
    }
}

/// A fixture of Tests/PerceptronONNXTests/Fixtures.
func fixture(_ name: String) throws -> Data {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw DatasetError("fixture \(name) is missing from the test bundle")
    }
    return try Data(contentsOf: url)
}

/// The framework's outputs recorded in a fixture's JSON, `[100, 10]` as rows.
func fixtureOutputs(_ name: String) throws -> [[Float]] {
    struct Outputs: Decodable { let outputs: [[Float]] }
    return try JSONDecoder().decode(Outputs.self, from: fixture(name)).outputs
}

/// The first `count` test images of the bundled MNIST, pixels x/255, `[count, 28, 28]`.
func firstTestImages(_ count: Int) throws -> Tensor {
    let images = try MNIST.load().testImages.rows(0..<count)
    return Tensor(shape: images.shape, scalars: images.bytes.map { Float($0) / 255 })
}

/// Plain NHWC convolution with an ONNX weight `[F, C, KH, KW]`, stride 1, zero padding
/// `pad` on each side (a test's own loops, not the importer's kernel reordering).
func referenceConvolution(_ x: [Float], height: Int, width: Int, channels: Int, weight: [Float], bias: [Float],
                          filters: Int, window: Int, pad: Int) -> (values: [Float], height: Int, width: Int) {
    let oh = height + 2 * pad - window + 1, ow = width + 2 * pad - window + 1
    var y = [Float](repeating: 0, count: oh * ow * filters)
    for i in 0..<oh { for j in 0..<ow { for f in 0..<filters {
        var sum = bias[f]
        for c in 0..<channels { for u in 0..<window { for v in 0..<window {
            let (r, s) = (i + u - pad, j + v - pad)
            guard r >= 0, r < height, s >= 0, s < width else { continue }
            sum += x[(r * width + s) * channels + c] * weight[((f * channels + c) * window + u) * window + v]
        } } }
        y[(i * ow + j) * filters + f] = sum
    } } }
    return (y, oh, ow)
}
