// The validated graph reader: decodes an ONNX ModelProto and checks it as a whole (one input,
// one output, every name produced once, no cycle, no external data, sizes in bounds) before
// any weight is read. Translating ops into layers is Import.swift's; tensors are ONNXGraph+Tensor.

import Foundation
import SwiftProtobuf

/// An ONNX model's main graph, checked and in an order where each node follows its inputs.
struct ONNXGraph {
    /// One node, with its position in the file kept for messages.
    struct Node {
        /// The index in the file's node list.
        let index: Int
        let name: String
        let op: String
        /// Input names; "" for an optional input left out.
        let inputs: [String]
        let outputs: [String]
        let attributes: [String: Onnx_AttributeProto]

        /// `node 3 '/fc1/Gemm' (Gemm)`, how every message names it.
        var label: String {
            name.isEmpty ? "node \(index) (\(op.prefix(32)))" : "node \(index) \(quoted(name)) (\(op.prefix(32)))"
        }
    }

    /// The default domain's opset version.
    let opset: Int
    /// The nodes, sorted so that each comes after the producers of its inputs.
    let nodes: [Node]
    /// Weights and other constants stored in the graph, by name.
    let initializers: [String: Onnx_TensorProto]
    /// The one graph input that is not an initializer: its name and dimensions (nil where the
    /// file gives a symbolic size, as the batch axis usually is).
    let input: (name: String, dimensions: [Int?])
    /// The one graph output's name.
    let output: String
    /// `metadata_props` and the producer, for the imported model's metadata.
    let metadata: [String: String]
    /// The graph's name, as the file gives it.
    let name: String

    /// Nodes, initializers and attributes past these counts are refused: the lesson's models
    /// have a few dozen of each, and the limits keep a hostile file's bookkeeping small.
    static let maximumNodes = 100_000
    static let maximumRank = 8

    /// Decodes and checks `bytes`.
    /// - Throws: `ImportFlaw` naming the first flaw found.
    init(bytes: Data) throws(ImportFlaw) {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch let error as BinaryDecodingError {
            throw ImportFlaw("not a valid ONNX file (\(ONNXGraph.describe(error)))")
        } catch {
            throw ImportFlaw("not a valid ONNX file (\(error))")
        }
        try ONNXGraph.checkFieldTypes(model)
        guard model.hasGraph else { throw ImportFlaw("not an ONNX model: it holds no graph") }
        let defaultOpsets = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opset = defaultOpsets.first?.version else {
            throw ImportFlaw("the model imports no version of the default ONNX opset (opset_import has no domain \"\")")
        }
        guard opset >= 7, opset <= 1000 else {
            throw ImportFlaw("opset \(opset) is not supported (expected 7 or later; exporters write 13 to 23)")
        }
        self.opset = Int(opset)
        let graph = model.graph
        self.name = graph.name

        guard graph.node.count <= ONNXGraph.maximumNodes, graph.initializer.count <= ONNXGraph.maximumNodes else {
            throw ImportFlaw("the graph has \(graph.node.count) nodes and \(graph.initializer.count) initializers; at most \(ONNXGraph.maximumNodes) of each are read")
        }
        guard graph.sparseInitializer.isEmpty else {
            throw ImportFlaw("sparse initializers are not supported (the graph has \(graph.sparseInitializer.count)); store weights as dense tensors")
        }

        // Everything a node may read: initializers, graph inputs, node outputs. Each once.
        var produced = Set<String>()
        var initializers: [String: Onnx_TensorProto] = [:]
        for (index, tensor) in graph.initializer.enumerated() {
            guard !tensor.name.isEmpty else { throw ImportFlaw("initializer \(index) has no name") }
            guard produced.insert(tensor.name).inserted else {
                throw ImportFlaw("initializer \(quoted(tensor.name)) is defined twice")
            }
            try ONNXGraph.checkStorage(tensor, what: "initializer \(quoted(tensor.name))")
            initializers[tensor.name] = tensor
        }
        self.initializers = initializers

        // Older exporters list initializers among the inputs too; the model's input is the rest.
        let realInputs = graph.input.filter { initializers[$0.name] == nil }
        guard realInputs.count == 1 else {
            throw ImportFlaw("the graph has \(realInputs.count) inputs (\(realInputs.prefix(4).map { quoted($0.name) }.joined(separator: ", "))); Perceptron models take exactly one")
        }
        self.input = (realInputs[0].name, try ONNXGraph.inputDimensions(realInputs[0]))
        produced.insert(input.name)

        guard graph.output.count == 1 else {
            throw ImportFlaw("the graph has \(graph.output.count) outputs; Perceptron models give exactly one")
        }
        self.output = graph.output[0].name

        var nodes: [Node] = []
        nodes.reserveCapacity(graph.node.count)
        for (index, proto) in graph.node.enumerated() {
            var attributes: [String: Onnx_AttributeProto] = [:]
            let label = Node(index: index, name: proto.name, op: proto.opType, inputs: [], outputs: [], attributes: [:]).label
            guard proto.domain.isEmpty || proto.domain == "ai.onnx" else {
                throw ImportFlaw("\(label): the op's domain \(quoted(proto.domain)) is not supported; only the default ONNX domain is")
            }
            for attribute in proto.attribute {
                guard attributes.updateValue(attribute, forKey: attribute.name) == nil else {
                    throw ImportFlaw("\(label): attribute \(quoted(attribute.name)) is given twice")
                }
                if attribute.hasT { try ONNXGraph.checkStorage(attribute.t, what: "\(label): attribute \(quoted(attribute.name))") }
            }
            for output in proto.output where !output.isEmpty {
                guard produced.insert(output).inserted else {
                    throw ImportFlaw("\(label): its output \(quoted(output)) is already produced elsewhere in the graph")
                }
            }
            nodes.append(Node(index: index, name: proto.name, op: proto.opType, inputs: proto.input,
                              outputs: proto.output, attributes: attributes))
        }
        for node in nodes {
            for input in node.inputs where !input.isEmpty && !produced.contains(input) {
                throw ImportFlaw("\(node.label) uses \(quoted(input)), which no node, initializer or graph input produces")
            }
        }
        guard produced.contains(output) else {
            throw ImportFlaw("the graph output \(quoted(output)) is produced by no node")
        }
        self.nodes = try ONNXGraph.sorted(nodes, available: Set(initializers.keys).union([input.name]))

        var metadata: [String: String] = [:]
        // Model files keep at most 1,000 entries; one is left for the producer.
        for entry in model.metadataProps.prefix(999) where entry.key.count <= 256 && entry.value.count <= 65_536 {
            metadata[entry.key] = entry.value
        }
        if !model.producerName.isEmpty {
            metadata["onnx_producer"] = String((model.producerName + " " + model.producerVersion)
                .trimmingCharacters(in: .whitespaces).prefix(256))
        }
        self.metadata = metadata
    }

    /// The nodes in an order where each follows the producers of its inputs (Kahn's algorithm,
    /// keeping the file's order among nodes that are ready together).
    /// - Throws: `ImportFlaw` naming a node on a cycle.
    static func sorted(_ nodes: [Node], available: Set<String>) throws(ImportFlaw) -> [Node] {
        var producer: [String: Int] = [:]
        for (position, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty { producer[output] = position }
        }
        var waiting = [Int](repeating: 0, count: nodes.count)
        var users = [[Int]](repeating: [], count: nodes.count)
        for (position, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty && !available.contains(input) {
                guard let source = producer[input] else { continue }
                waiting[position] += 1
                users[source].append(position)
            }
        }
        // A min-heap would keep the file's order strictly; the ready list in file order is
        // enough for exporters' graphs, which are already sorted.
        var ready = nodes.indices.filter { waiting[$0] == 0 }.reversed() as [Int]
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        while let next = ready.popLast() {
            order.append(nodes[next])
            for user in users[next].reversed() {
                waiting[user] -= 1
                if waiting[user] == 0 { ready.append(user) }
            }
        }
        if order.count < nodes.count, let stuck = nodes.indices.first(where: { waiting[$0] > 0 }) {
            throw ImportFlaw("the graph has a cycle: \(nodes[stuck].label) depends, through its inputs, on its own output")
        }
        return order
    }

    /// The input's dimensions: nil for a symbolic (or missing) size, else the size.
    static func inputDimensions(_ value: Onnx_ValueInfoProto) throws(ImportFlaw) -> [Int?] {
        let what = "graph input \(quoted(value.name))"
        guard case .tensorType(let type)? = value.type.value else {
            throw ImportFlaw("\(what) is not a tensor")
        }
        guard Int(type.elemType) == Onnx_TensorProto.DataType.float.rawValue else {
            throw ImportFlaw("\(what) is \(typeName(type.elemType)); Perceptron models take float32 inputs")
        }
        guard type.hasShape else { throw ImportFlaw("\(what) has no shape; the importer needs its size") }
        let dims = type.shape.dim
        guard dims.count >= 2, dims.count <= 4 else {
            throw ImportFlaw("\(what) has rank \(dims.count); supported are [N, D], [N, H, W] and images [N, C, H, W] or [N, H, W, C]")
        }
        var result: [Int?] = []
        for (axis, dim) in dims.enumerated() {
            if case .dimValue(let size)? = dim.value {
                guard size > 0, size <= 1 << 24 else { throw ImportFlaw("\(what) has size \(size) on axis \(axis)") }
                result.append(Int(size))
            } else {
                guard axis == 0 else {
                    throw ImportFlaw("\(what) has a symbolic size on axis \(axis); only the batch axis (0) may be symbolic")
                }
                result.append(nil)
            }
        }
        return result
    }

    /// Refuses tensors whose data lives outside the file or in segments.
    static func checkStorage(_ tensor: Onnx_TensorProto, what: String) throws(ImportFlaw) {
        if tensor.dataLocation == .external || !tensor.externalData.isEmpty {
            let location = tensor.externalData.first { $0.key == "location" }?.value ?? "another file"
            throw ImportFlaw("\(what) keeps its data outside the file (external data in \(quoted(location))), which is refused: save the model as one self-contained file (onnx.save_model(model, path, save_as_external_data=False))")
        }
        if tensor.hasSegment { throw ImportFlaw("\(what) is a segment of a larger tensor, which is not supported") }
    }

    /// ONNX's name of a tensor element type: `FLOAT`, `INT64`, or the number.
    static func typeName(_ code: Int32) -> String {
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(code)) else { return "data type \(code)" }
        return "\(type)".uppercased() + " (data type \(code))"
    }

    /// A decoding error in words: truncation, a wrong wire type, a bad length.
    static func describe(_ error: BinaryDecodingError) -> String {
        switch error {
        case .truncated: return "the data ends in the middle of a field: truncated file"
        case .malformedProtobuf: return "malformed protobuf: a field's wire type, tag or length does not fit the ONNX schema"
        case .invalidUTF8: return "a string field is not valid UTF-8"
        case .messageDepthLimit: return "messages nested too deeply"
        case .missingRequiredFields: return "required fields are missing"
        default: return "\(error)"
        }
    }
}
