// ONNX import: a graph written by torch.onnx.export or Keras 3's ONNX export becomes a native
// Perceptron model (channels-last, Keras layers) with the same outputs. The ops are in
// Import+Ops.swift, shape computations in Import+Shapes.swift; branching graphs are refused.

import Foundation
import PerceptronIO
import PerceptronNN
import PerceptronTensor

/// Reads ONNX models into Perceptron models.
///
/// The graph must be a chain from one float32 input to one output, made of the ops in
/// `supportedOps`: Gemm, or MatMul and Add, as Dense; Conv as Conv2D; MaxPool and AveragePool;
/// BatchNormalization (inference form); Relu, Sigmoid, Tanh and Softmax (joined to the
/// Dense or Conv2D before them, as Keras writes `Dense(512, activation: .relu)`); Flatten,
/// Reshape and Transpose; Dropout and Identity; initializers, Constant nodes and the
/// Shape/Gather/Unsqueeze/Concat computations exporters write for a Reshape's shape, which
/// are evaluated at import.
///
/// Images: an input `[N, C, H, W]` (PyTorch) becomes Perceptron's `[N, H, W, C]`; the model
/// then takes images channels-last, as every Perceptron model does, and the first Dense after
/// the Flatten takes its kernel rows in Perceptron's order, so the outputs are unchanged.
/// Keras's graphs, channels-last with Transposes around each Conv, map directly. Which layout
/// a 4-D input has: channels-first when a Conv, pooling or BatchNormalization reads it
/// directly, channels-last when a Transpose does, else channels-first when its axis 1 is no
/// longer than axis 3 (`[N, 1, 28, 28]`) and channels-last otherwise (`[N, 28, 28, 1]`).
public enum ONNXImport {
    /// The ops a graph may use.
    public static let supportedOps = [
        "Gemm", "MatMul", "Add", "Conv", "MaxPool", "AveragePool", "BatchNormalization",
        "Relu", "Sigmoid", "Tanh", "Softmax", "Flatten", "Reshape", "Transpose", "Dropout", "Identity",
        "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice",
    ]

    /// The Perceptron model an ONNX file describes, uncompiled, with the file's
    /// `metadata_props` (and its producer, as `onnx_producer`) in `metadata`.
    ///
    /// The whole file is checked before anything large is allocated: no tensor may declare
    /// more than 2^40 elements or data of another length than its shape, data stored outside
    /// the file is refused, and the graph must have no cycle and no name that nothing produces.
    ///
    /// - Parameters:
    ///   - data: the bytes of a `.onnx` file (a serialized `ModelProto`).
    ///   - path: how messages name the file; `<memory>` by default.
    /// - Throws: `ONNXImportError` for a damaged or hostile file, and for a graph that uses an
    ///   op, attribute or structure Perceptron lacks, naming the node (index, name, op) and
    ///   what is supported.
    public static func model(from data: Data, path: String = "<memory>") throws -> Model {
        do {
            let graph = try ONNXGraph(bytes: data)
            var importer = try Importer(graph: graph)
            return try importer.run()
        } catch {
            throw ONNXImportError(path: path, error.detail)
        }
    }

    /// The Perceptron model in the ONNX file at `url`; see `model(from:path:)`.
    /// - Throws: `FileError` when the file cannot be read, `ONNXImportError` for its content.
    public static func model(contentsOf url: URL) throws -> Model {
        try model(from: Data(FileIO.read(url)), path: url.path)
    }
}

/// A value the walk knows: the flowing tensor, or a constant evaluated at import.
enum ImportValue {
    /// Floats: weights, biases, scalars.
    case floats(ConstantTensor)
    /// Integers of shape computations; nil for an entry that depends on the batch size.
    case integers(shape: [Int], values: [Int64?])
}

/// One import, node by node.
struct Importer {
    let graph: ONNXGraph
    /// The tensor flowing through the chain.
    var flow: Flow
    /// Names that once held the flowing tensor: a second use of one is a branch.
    var consumed = Set<String>()
    /// The ONNX shapes of names that held the flowing tensor, for Shape nodes that read one
    /// after the chain moved on (Shape only reads the size, so it is no branch).
    var pastShapes: [String: [Int]] = [:]
    /// Constants by name, as evaluated so far (initializers are read on first use).
    var values: [String: ImportValue] = [:]
    /// The layers planned so far.
    var plans: [LayerPlan] = []
    /// Whether the last plan made the flowing tensor (only Transposes and Identity since), so
    /// an Add can be its bias and an activation its activation.
    var lastPlanIsOpen = false
    /// The Perceptron input shape.
    let inputShape: [Int]
    /// The batch size the file gives its input, when not symbolic.
    let fixedBatch: Int?

    /// Samples past this many scalars at any layer are refused (MNIST's are 784).
    static let maximumSampleSize = 1 << 24

    init(graph: ONNXGraph) throws(ImportFlaw) {
        self.graph = graph
        let dims = graph.input.dimensions
        fixedBatch = dims[0]
        let sizes = [1] + dims.dropFirst().map { $0! }
        var axes = Array(0..<sizes.count)
        if sizes.count == 4 && Importer.inputIsChannelsFirst(graph: graph, sizes: sizes) { axes = [0, 3, 1, 2] }
        flow = Flow(name: graph.input.name, shape: sizes, axes: axes, featureOrder: nil)
        inputShape = flow.perceptronShape
        guard inputShape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) <= Importer.maximumSampleSize else {
            throw ImportFlaw("graph input \(quoted(graph.input.name)) has shape \(sizes.dropFirst()), over \(Importer.maximumSampleSize) scalars per sample")
        }
    }

    /// The layout rule of a 4-D input; see `ONNXImport`.
    static func inputIsChannelsFirst(graph: ONNXGraph, sizes: [Int]) -> Bool {
        let reader = graph.nodes.first { $0.op != "Shape" && $0.inputs.contains(graph.input.name) }
        switch reader?.op {
        case "Conv", "MaxPool", "AveragePool", "BatchNormalization": return true
        case "Transpose": return false
        default: return sizes[1] <= sizes[3]
        }
    }

    mutating func run() throws(ImportFlaw) -> Model {
        for node in graph.nodes { try translate(node) }
        guard flow.name == graph.output else {
            if values[graph.output] != nil {
                throw ImportFlaw("the graph output \(quoted(graph.output)) is a constant, not computed from the input")
            }
            throw ImportFlaw("the graph output \(quoted(graph.output)) is not the end of the chain from the input (the chain ends at \(quoted(flow.name)))")
        }
        guard flow.featureOrder == nil, flow.axes == Array(0..<flow.rank) || flow.rank == 2 else {
            throw ImportFlaw("the graph's output \(quoted(graph.output)) is a channels-first tensor \(flow.shape.dropFirst()); Perceptron gives channels-last outputs, so the model must end on a flat or channels-last tensor")
        }
        guard !plans.isEmpty else { throw ImportFlaw("the graph computes nothing: its output is its input") }
        return try build()
    }

    /// The model: each planned layer built on the shape before it, weights set.
    func build() throws(ImportFlaw) -> Model {
        var shape = inputShape
        var layers: [any Layer] = []
        var generator = SeededGenerator(seed: 0)
        for plan in plans {
            let layer = plan.layer()
            layer.build(inputShape: shape, generator: &generator)
            let weights = plan.weights
            guard weights.count == layer.parameters.count else {
                throw ImportFlaw("internal: \(layer.typeName) has \(layer.parameters.count) weights, the plan \(weights.count)")
            }
            for (parameter, value) in zip(layer.parameters, weights) {
                guard parameter.value.shape == value.shape else {
                    throw ImportFlaw("\(layer.typeName) on input \(shape) needs '\(parameter.name)' of shape \(parameter.value.shape), the file gives \(value.shape)")
                }
                parameter.value = value
            }
            shape = layer.outputShape(for: shape)
            layers.append(layer)
        }
        let model = Sequential(inputShape: inputShape, layers: layers, name: Importer.modelName(graph.name))
        model.metadata = graph.metadata
        return model
    }

    /// The graph's name when it reads as a model name, else Keras's default.
    static func modelName(_ name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ allowed.contains($0) }) else { return nil }
        return name
    }

    // MARK: Reading inputs

    /// Whether `name` is the flowing tensor; a name that held it before is a branch.
    func isFlow(_ name: String, _ node: ONNXGraph.Node) throws(ImportFlaw) -> Bool {
        if name == flow.name { return true }
        if consumed.contains(name) {
            throw ImportFlaw("\(node.label) reads \(quoted(name)), which another node already read: branching graphs are not supported (Perceptron models are chains)")
        }
        return false
    }

    /// The constant `name`: evaluated earlier, or an initializer read now.
    mutating func constant(_ name: String, _ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        if let value = values[name] { return value }
        if let tensor = graph.initializers[name] {
            let value = try Importer.value(of: tensor, what: "\(node.label): initializer \(quoted(name))")
            values[name] = value
            return value
        }
        if consumed.contains(name) || name == flow.name {
            throw ImportFlaw("\(node.label) needs \(quoted(name)) to be a constant (a weight or a shape), but it is computed from the input")
        }
        throw ImportFlaw("\(node.label) reads \(quoted(name)), which is not computed from the input nor a constant the importer can evaluate")
    }

    /// A tensor as a constant value: floats, or integers.
    static func value(of tensor: Onnx_TensorProto, what: String) throws(ImportFlaw) -> ImportValue {
        if Int(tensor.dataType) == Onnx_TensorProto.DataType.int64.rawValue || Int(tensor.dataType) == Onnx_TensorProto.DataType.int32.rawValue {
            let (shape, values) = try ONNXGraph.integers(tensor, what: what)
            return .integers(shape: shape, values: values.map { $0 })
        }
        return .floats(try ONNXGraph.floats(tensor, what: what))
    }

    /// The float constant `name`.
    mutating func floats(_ name: String, _ node: ONNXGraph.Node, role: String) throws(ImportFlaw) -> ConstantTensor {
        switch try constant(name, node) {
        case .floats(let tensor): return tensor
        case .integers: throw ImportFlaw("\(node.label): its \(role) \(quoted(name)) is an integer tensor, where float32 is needed")
        }
    }

    /// The integer constant `name`, entries that depend on the batch as nil.
    mutating func integers(_ name: String, _ node: ONNXGraph.Node, role: String) throws(ImportFlaw) -> (shape: [Int], values: [Int64?]) {
        switch try constant(name, node) {
        case .integers(let shape, let values): return (shape, values)
        case .floats: throw ImportFlaw("\(node.label): its \(role) \(quoted(name)) is a float tensor, where integers are needed")
        }
    }

    /// Moves the flow to the node's output after the node read it.
    mutating func advance(to output: String) {
        consumed.insert(flow.name)
        pastShapes[flow.name] = flow.shape
        flow.name = output
    }

    /// Plans a layer and checks its output stays a sensible size.
    mutating func plan(_ plan: LayerPlan, _ node: ONNXGraph.Node) throws(ImportFlaw) {
        plans.append(plan)
        lastPlanIsOpen = { if case .dense = plan { return true }; if case .conv = plan { return true }; return false }()
        guard flow.shape.dropFirst().reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) <= Importer.maximumSampleSize else {
            throw ImportFlaw("\(node.label) gives samples of shape \(flow.shape.dropFirst()), over \(Importer.maximumSampleSize) scalars")
        }
    }
}
