// A plain evaluator of ONNX graphs of the ops Perceptron's models use, written from the
// ONNX operator documentation with loops only: the reference that exported graphs (and
// imported ones) are checked against, without Python. The ops themselves are in
// ExportReferenceEvaluator+Ops.swift. Not fast, not for hostile files: it trusts sizes.

import Foundation

/// Runs an ONNX graph node by node, in the order the file lists them, on float32 values.
///
/// Ops: Gemm, MatMul, Add, Conv, MaxPool, AveragePool, BatchNormalization (inference),
/// Transpose, Flatten, Reshape, Relu, Sigmoid, Tanh, Softmax, Dropout (inference), Identity
/// and Constant, with the attributes opset 13 and later give them. Sums accumulate in
/// Double, so the results are at least as accurate as any runtime's.
struct ONNXReferenceEvaluator {
    /// A tensor: float32 values, or int64 ones (shapes for Reshape), row-major.
    struct Value: Equatable {
        var shape: [Int]
        var floats: [Float] = []
        var integers: [Int64] = []

        /// A float tensor; `floats.count` must be the product of `shape`.
        init(shape: [Int], floats: [Float]) {
            self.shape = shape
            self.floats = floats
        }

        /// An int64 tensor.
        init(shape: [Int], integers: [Int64]) {
            self.shape = shape
            self.integers = integers
        }

        var count: Int { shape.reduce(1, *) }
    }

    /// A graph the evaluator cannot run, naming the node and what it found.
    struct Failure: Error, CustomStringConvertible, Equatable {
        let description: String
        init(_ description: String) { self.description = description }
    }

    let graph: Onnx_GraphProto
    /// Whether each value the graph declares (`value_info`, outputs) is checked against the
    /// shape it gets: fixed dimensions must match, symbolic ones (`N`) match any size.
    var checksDeclaredShapes = true

    /// An evaluator of `model`'s graph.
    init(model: Onnx_ModelProto) { graph = model.graph }

    /// Runs the graph on `inputs` (by input name; every graph input that is not an
    /// initializer), returning the graph's outputs by name.
    /// - Throws: `Failure` for an op or attribute it does not know, a missing input, a
    ///   value used before it is made, or shapes that do not fit.
    func run(_ inputs: [String: Value]) throws -> [String: Value] {
        var values: [String: Value] = [:]
        for tensor in graph.initializer { values[tensor.name] = try Self.value(of: tensor) }
        for input in graph.input where values[input.name] == nil {
            guard let value = inputs[input.name] else { throw Failure("graph input '\(input.name)' not given") }
            try checkDeclared(input.name, value)
            values[input.name] = value
        }
        for node in graph.node {
            let arguments = try node.input.map { name -> Value? in
                if name.isEmpty { return nil }
                guard let value = values[name] else {
                    throw Failure("node '\(node.name)' (\(node.opType)) uses '\(name)', which nothing before it makes")
                }
                return value
            }
            let results = try evaluate(node, arguments)
            for (name, value) in zip(node.output, results) where !name.isEmpty {
                try checkDeclared(name, value)
                values[name] = value
            }
        }
        var outputs: [String: Value] = [:]
        for output in graph.output {
            guard let value = values[output.name] else { throw Failure("graph output '\(output.name)' is never made") }
            outputs[output.name] = value
        }
        return outputs
    }

    /// Runs a graph of one input and one output on `input`.
    func run(_ input: Value) throws -> Value {
        let names = graph.input.map(\.name).filter { name in !graph.initializer.contains { $0.name == name } }
        guard names.count == 1, graph.output.count == 1 else {
            throw Failure("the graph has \(names.count) inputs and \(graph.output.count) outputs, not one of each")
        }
        return try run([names[0]: input])[graph.output[0].name]!
    }

    private func checkDeclared(_ name: String, _ value: Value) throws {
        guard checksDeclaredShapes,
              let info = (graph.valueInfo + graph.input + graph.output).first(where: { $0.name == name }),
              case .tensorType(let type)? = info.type.value, type.hasShape else { return }
        let dims = type.shape.dim
        let fits = dims.count == value.shape.count && zip(dims, value.shape).allSatisfy { dimension, size in
            if case .dimValue(let fixed)? = dimension.value { return fixed == Int64(size) }
            return true
        }
        guard fits else {
            let declared = dims.map { dimension -> String in
                if case .dimValue(let fixed)? = dimension.value { return String(fixed) }
                return dimension.dimParam.isEmpty ? "?" : dimension.dimParam
            }
            throw Failure("'\(name)' is declared [\(declared.joined(separator: ", "))] but has shape \(value.shape)")
        }
    }

    /// The value of an initializer or Constant tensor: float32 or int64, in `raw_data`
    /// (little-endian) or the typed fields.
    static func value(of tensor: Onnx_TensorProto) throws -> Value {
        let shape = tensor.dims.map { Int($0) }
        let count = shape.reduce(1, *)
        switch Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) {
        case .float?:
            let floats: [Float]
            if tensor.hasRawData {
                guard tensor.rawData.count == count * 4 else { throw Failure("tensor '\(tensor.name)' has \(tensor.rawData.count) bytes for \(count) floats") }
                floats = (0..<count).map { i in
                    Float(bitPattern: tensor.rawData.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) })
                }
            } else {
                floats = tensor.floatData
            }
            guard floats.count == count else { throw Failure("tensor '\(tensor.name)' has \(floats.count) values for shape \(shape)") }
            return Value(shape: shape, floats: floats)
        case .int64?:
            let integers: [Int64]
            if tensor.hasRawData {
                guard tensor.rawData.count == count * 8 else { throw Failure("tensor '\(tensor.name)' has \(tensor.rawData.count) bytes for \(count) int64s") }
                integers = (0..<count).map { i in
                    tensor.rawData.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
                }
            } else {
                integers = tensor.int64Data
            }
            guard integers.count == count else { throw Failure("tensor '\(tensor.name)' has \(integers.count) values for shape \(shape)") }
            return Value(shape: shape, integers: integers)
        default:
            throw Failure("tensor '\(tensor.name)' has data type \(tensor.dataType); only float32 (1) and int64 (7) are evaluated")
        }
    }
}

/// A node's attributes by name, with ONNX's defaults.
struct ReferenceAttributes {
    let node: Onnx_NodeProto
    private let byName: [String: Onnx_AttributeProto]

    init(_ node: Onnx_NodeProto) {
        self.node = node
        byName = Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Fails on any attribute outside `known`, so nothing is silently ignored.
    func allow(_ known: Set<String>) throws {
        if let unknown = node.attribute.first(where: { !known.contains($0.name) }) {
            throw ONNXReferenceEvaluator.Failure("node '\(node.name)' (\(node.opType)): attribute '\(unknown.name)' is not evaluated")
        }
    }

    func int(_ name: String, default value: Int) -> Int { byName[name].map { Int($0.i) } ?? value }
    func ints(_ name: String) -> [Int]? { byName[name].map { $0.ints.map { Int($0) } } }
    func float(_ name: String, default value: Float) -> Float { byName[name]?.f ?? value }
    func string(_ name: String, default value: String) -> String {
        byName[name].map { String(decoding: $0.s, as: UTF8.self) } ?? value
    }
    func attribute(_ name: String) -> Onnx_AttributeProto? { byName[name] }
}
