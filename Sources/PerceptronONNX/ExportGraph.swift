// The graph of an exported model: one or a few ONNX nodes per layer, with the layout of each
// value tracked so convolutions run channels-first and everything else sees Perceptron's
// channels-last order. The protobuf helpers are in ExportProto.swift.
// Legend: N batch, H/W spatial, C channels, D input width, U units, F filters.

import PerceptronNN
import PerceptronTensor

/// Builds the `GraphProto` of a model, layer by layer.
///
/// The value flowing between layers is either channels-last, as Perceptron holds it
/// (`[N, H, W, C]`), or channels-first (`[N, C, H, W]`, the channel axis moved to 1), as
/// ONNX's Conv, MaxPool, AveragePool and BatchNormalization need it. A Transpose is written
/// only where the next op needs the other layout; element-wise ops and Softmax (on the
/// channel axis) take either. Values of one axis per sample are both at once.
struct ExportGraph {
    /// The finished graph.
    private(set) var proto = Onnx_GraphProto()
    /// The name of the value the next layer reads.
    private var current: String
    /// Its per-sample shape in Perceptron's (channels-last) order.
    private var shape: [Int]
    /// Whether it is held channels-first.
    private var channelsFirst = false
    /// Every value name written, to keep them unique (ONNX graphs are in SSA form).
    private var names: Set<String> = []

    /// The graph of `model`: its input, every layer's nodes and initializers, its output.
    /// - Throws: `ONNXExportError` for a layer with no ONNX form, or a name used twice.
    init(model: Model) throws {
        let input = model.inputLayer
        current = input.name
        shape = model.inputShape
        names.insert(input.name)
        proto.name = model.name
        proto.input = [ExportProto.valueInfo(input.name, batchShape: shape)]
        for layer in model.layers {
            try add(layer)
        }
        if model.layers.isEmpty {
            // A model of its input alone: the output still gets a name of its own.
            try node("Identity", layer: input.name, inputs: [current], output: "\(input.name)/identity")
        }
        try toChannelsLast(layer: model.layers.last?.name ?? input.name)
        proto.output = [ExportProto.valueInfo(current, batchShape: shape)]
        // The output's shape is declared as the graph's output, and only there.
        proto.valueInfo.removeAll { $0.name == current }
    }

    // MARK: Layers

    // Each layer sets `shape` to the shape of the values it writes before writing them:
    // `node` declares every value it makes with the current shape and layout.
    private mutating func add(_ layer: any Layer) throws {
        switch layer {
        case let dense as Dense: try add(dense)
        case let convolution as Conv2D: try add(convolution)
        case let pooling as Pooling2D: try add(pooling)
        case let normalization as BatchNormalization: try add(normalization)
        case let activation as Activation:
            try finish(layer.name, activation: activation.activation, linearAsIdentity: true)
        case is Flatten:
            try toChannelsLast(layer: layer.name)
            shape = layer.outputShape(for: shape)
            try node("Flatten", layer: layer.name, inputs: [current], output: layer.name,
                     attributes: [ExportProto.attribute("axis", 1)])
        case let reshape as Reshape:
            try toChannelsLast(layer: layer.name)
            shape = reshape.outputShape(for: shape)
            let target = try initializer(ExportProto.int64Tensor("\(layer.name)/shape", [-1] + shape.map(Int64.init)))
            try node("Reshape", layer: layer.name, inputs: [current, target], output: layer.name)
        case let dropout as Dropout:
            let ratio = try initializer(ExportProto.floatTensor("\(layer.name)/ratio", shape: [], scalars: [dropout.rate]))
            try node("Dropout", layer: layer.name, inputs: [current, ratio], output: layer.name,
                     doc: "Dropout(\(dropout.rate)): drops values in training only; the identity in inference.")
        case let random as RandomImageLayer:
            let config = random.config
            let settings = config.keys.sorted().map { "\($0): \(config[$0]!.serialized())" }.joined(separator: ", ")
            try node("Identity", layer: layer.name, inputs: [current], output: layer.name,
                     doc: "\(random.typeName)(\(settings)): augments in training only; the identity in inference.")
        default:
            throw ONNXExportError(layer: layer.name, "\(layer.typeName) has no ONNX form; the layers exported are "
                                  + "Dense, Activation, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization, "
                                  + "Flatten, Reshape, Dropout, RandomRotation and RandomTranslation")
        }
    }

    // x: [N, D], kernel: [D, U], bias: [U] -> Gemm: [N, U]; x: [N, ..., D] -> MatMul, Add: [N, ..., U]
    private mutating func add(_ dense: Dense) throws {
        try toChannelsLast(layer: dense.name)
        let kernel = try initializer(ExportProto.floatTensor("\(dense.name)/kernel", dense.kernel.value))
        let bias = try dense.bias.map { try initializer(ExportProto.floatTensor("\(dense.name)/bias", $0.value)) }
        let product = dense.activation == .linear ? dense.name : "\(dense.name)/preactivation"
        let rowsOnly = shape.count == 1
        shape = dense.outputShape(for: shape)
        if rowsOnly {
            try node("Gemm", layer: dense.name, inputs: [current, kernel] + (bias.map { [$0] } ?? []), output: product)
        } else if let bias {
            try node("MatMul", layer: dense.name, inputs: [current, kernel], output: "\(dense.name)/matmul")
            try node("Add", layer: dense.name, inputs: [current, bias], output: product)
        } else {
            try node("MatMul", layer: dense.name, inputs: [current, kernel], output: product)
        }
        try finish(dense.name, activation: dense.activation)
    }

    // x: [N, C, H, W], kernel: [F, C, KH, KW] (from [KH, KW, C, F]), bias: [F] -> [N, F, OH, OW]
    private mutating func add(_ convolution: Conv2D) throws {
        try toChannelsFirst(layer: convolution.name)
        let geometry = window(size: convolution.kernelSize, strides: convolution.strides, padding: convolution.padding)
        let kernel = try initializer(ExportProto.floatTensor(
            "\(convolution.name)/kernel", ExportProto.permuted(convolution.kernel.value, to: [3, 2, 0, 1])))
        let bias = try convolution.bias.map { try initializer(ExportProto.floatTensor("\(convolution.name)/bias", $0.value)) }
        let product = convolution.activation == .linear ? convolution.name : "\(convolution.name)/preactivation"
        shape = convolution.outputShape(for: shape)
        try node("Conv", layer: convolution.name, inputs: [current, kernel] + (bias.map { [$0] } ?? []), output: product,
                 attributes: [ExportProto.attribute("dilations", [1, 1]), ExportProto.attribute("group", 1)] + geometry)
        try finish(convolution.name, activation: convolution.activation)
    }

    // x: [N, C, H, W] -> [N, C, OH, OW]
    private mutating func add(_ pooling: Pooling2D) throws {
        try toChannelsFirst(layer: pooling.name)
        let geometry = window(size: pooling.poolSize, strides: pooling.strides, padding: pooling.padding)
        shape = pooling.outputShape(for: shape)
        switch pooling.kind {
        case .max:
            try node("MaxPool", layer: pooling.name, inputs: [current], output: pooling.name,
                     attributes: [ExportProto.attribute("ceil_mode", 0)] + geometry)
        case .average:
            try node("AveragePool", layer: pooling.name, inputs: [current], output: pooling.name,
                     attributes: [ExportProto.attribute("ceil_mode", 0), ExportProto.attribute("count_include_pad", 0)] + geometry)
        }
    }

    // x: [N, F, ...] -> gamma (x - moving_mean) / sqrt(moving_variance + epsilon) + beta, per F
    private mutating func add(_ normalization: BatchNormalization) throws {
        try toChannelsFirst(layer: normalization.name)
        var inputs = [current]
        for parameter in normalization.parameters {
            inputs.append(try initializer(ExportProto.floatTensor("\(normalization.name)/\(parameter.name)", parameter.value)))
        }
        try node("BatchNormalization", layer: normalization.name, inputs: inputs, output: normalization.name,
                 attributes: [ExportProto.attribute("epsilon", normalization.epsilon),
                              ExportProto.attribute("momentum", normalization.momentum)])
    }

    /// Applies `activation` to the current value, naming the result after `layer`; linear
    /// writes nothing (the value already carries the name) unless `linearAsIdentity`.
    private mutating func finish(_ layer: String, activation: ActivationFunction, linearAsIdentity: Bool = false) throws {
        let operation: String
        var attributes: [Onnx_AttributeProto] = []
        switch activation {
        case .linear:
            guard linearAsIdentity else { return }
            operation = "Identity"
        case .relu: operation = "Relu"
        case .sigmoid: operation = "Sigmoid"
        case .tanh: operation = "Tanh"
        case .softmax:
            operation = "Softmax"
            // Perceptron's softmax runs along the last axis, the channels: axis 1 channels-first.
            attributes = [ExportProto.attribute("axis", channelsFirst && shape.count > 1 ? 1 : -1)]
        }
        try node(operation, layer: layer, inputs: [current], output: layer, attributes: attributes)
    }

    /// The `kernel_shape`, `pads` and `strides` of a window over the current `[H, W, C]`, pads
    /// `[top, left, bottom, right]`: `same` pads the odd cell at the bottom and right, as Keras.
    private func window(size: (height: Int, width: Int), strides: (height: Int, width: Int),
                        padding: Padding) -> [Onnx_AttributeProto] {
        let g = WindowGeometry(inputHeight: shape[0], inputWidth: shape[1], channels: shape[2],
                               windowHeight: size.height, windowWidth: size.width,
                               strideHeight: strides.height, strideWidth: strides.width, padding: padding)
        var pads = [0, 0, 0, 0]
        if padding == .same {
            let height = max((g.outputHeight - 1) * g.strideHeight + g.windowHeight - g.inputHeight, 0)
            let width = max((g.outputWidth - 1) * g.strideWidth + g.windowWidth - g.inputWidth, 0)
            pads = [g.padTop, g.padLeft, height - g.padTop, width - g.padLeft]
        }
        return [ExportProto.attribute("kernel_shape", [size.height, size.width]), ExportProto.attribute("pads", pads),
                ExportProto.attribute("strides", [strides.height, strides.width])]
    }

    // MARK: Layout

    // [N, d1, ..., dk, C] -> [N, C, d1, ..., dk]
    private mutating func toChannelsFirst(layer: String) throws {
        guard !channelsFirst else { return }
        channelsFirst = true
        guard shape.count > 1 else { return }
        let rank = shape.count + 1
        try node("Transpose", layer: layer, inputs: [current], output: "\(layer)/channels_first",
                 attributes: [ExportProto.attribute("perm", [0, rank - 1] + Array(1..<(rank - 1)))],
                 nodeName: "\(layer)/ToChannelsFirst")
    }

    // [N, C, d1, ..., dk] -> [N, d1, ..., dk, C]
    private mutating func toChannelsLast(layer: String) throws {
        guard channelsFirst else { return }
        channelsFirst = false
        guard shape.count > 1 else { return }
        let rank = shape.count + 1
        try node("Transpose", layer: layer, inputs: [current], output: "\(layer)/channels_last",
                 attributes: [ExportProto.attribute("perm", [0] + Array(2..<rank) + [1])],
                 nodeName: "\(layer)/ToChannelsLast")
    }

    // MARK: Graph

    /// Appends a node named `layer/operation` (or `nodeName`) writing `output`, declares
    /// `output` with the current shape and layout, and makes it current.
    private mutating func node(_ operation: String, layer: String, inputs: [String], output: String,
                               attributes: [Onnx_AttributeProto] = [], doc: String? = nil, nodeName: String? = nil) throws {
        guard names.insert(output).inserted else {
            throw ONNXExportError(layer: layer, "the value name '\(output)' is used twice; give the layers unique names")
        }
        var node = Onnx_NodeProto()
        node.name = nodeName ?? "\(layer)/\(operation)"
        node.opType = operation
        node.input = inputs
        node.output = [output]
        node.attribute = attributes
        if let doc { node.docString = doc }
        proto.node.append(node)
        let dims = channelsFirst && shape.count > 1 ? [shape.last!] + shape.dropLast() : shape
        proto.valueInfo.append(ExportProto.valueInfo(output, batchShape: dims))
        current = output
    }

    /// Adds an initializer and returns its name.
    private mutating func initializer(_ tensor: Onnx_TensorProto) throws -> String {
        guard names.insert(tensor.name).inserted else {
            let layer = tensor.name.split(separator: "/").dropLast().joined(separator: "/")
            throw ONNXExportError(layer: layer, "the weight name '\(tensor.name)' is used twice; give the layers unique names")
        }
        proto.initializer.append(tensor)
        return tensor.name
    }
}
