// Conv, MaxPool, AveragePool and BatchNormalization: the image ops, which read the flowing
// tensor as NCHW over Perceptron's NHWC (see Flow). Padding must be Keras's 'valid' or 'same'.
// Legend: N batch, H/W spatial, C channels, F filters, KH/KW window.

import PerceptronNN
import PerceptronTensor

extension Importer {
    /// Conv 2-D with a constant kernel `[F, C, KH, KW]`: a Conv2D with kernel `[KH, KW, C, F]`.
    mutating func conv(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        try requireImage(node)
        guard let weightName = node.input(1) else { throw ImportFlaw("\(node.label) has no weight input") }
        let weight = try floats(weightName, node, role: "weight")
        guard weight.shape.count == 4 else {
            throw ImportFlaw("\(node.label): weight \(quoted(weightName)) has shape \(weight.shape); only 2-D convolutions, weight [F, C, KH, KW], are supported")
        }
        let (filters, channels, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        guard try node.int("group", default: 1) == 1 else {
            throw ImportFlaw("\(node.label): group=\(try node.int("group", default: 1)) is not supported; only group 1 (no grouped or depthwise convolution)")
        }
        guard filters > 0, kh > 0, kw > 0, channels == flow.shape[1] else {
            throw ImportFlaw("\(node.label): weight of shape \(weight.shape) does not fit an input of \(flow.shape[1]) channels")
        }
        if let shape = try node.ints("kernel_shape"), shape != [kh, kw] {
            throw ImportFlaw("\(node.label): kernel_shape \(shape) disagrees with the weight's \([kh, kw])")
        }
        let (strides, padding) = try window(node, size: (kh, kw))
        var kernel = [Float](repeating: 0, count: weight.values.count)
        // [F, C, KH, KW] -> [KH, KW, C, F]
        for f in 0..<filters { for c in 0..<channels { for y in 0..<kh { for x in 0..<kw {
            kernel[((y * kw + x) * channels + c) * filters + f] = weight.values[((f * channels + c) * kh + y) * kw + x]
        } } } }
        var bias: [Float]?
        if let biasName = node.input(2) {
            let b = try floats(biasName, node, role: "bias")
            guard b.values.count == filters, b.shape.count == 1 else {
                throw ImportFlaw("\(node.label): bias \(quoted(biasName)) has shape \(b.shape), expected [\(filters)]")
            }
            bias = b.values
        }
        let geometry = WindowGeometry(inputHeight: flow.shape[2], inputWidth: flow.shape[3], channels: channels,
                                      windowHeight: kh, windowWidth: kw, strideHeight: strides.0, strideWidth: strides.1, padding: padding)
        flow.shape = [1, filters, geometry.outputHeight, geometry.outputWidth]
        try plan(.conv(kernel: ConstantTensor(shape: [kh, kw, channels, filters], values: kernel), bias: bias,
                       strides: strides, padding: padding, activation: .linear), node)
    }

    /// MaxPool and AveragePool 2-D.
    mutating func pooling(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        let isMax = node.op == "MaxPool"
        try node.checkAttributes(isMax ? ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
                                       : ["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
        try requireImage(node)
        guard let size = try node.ints("kernel_shape"), size.count == 2, size.allSatisfy({ $0 > 0 }) else {
            throw ImportFlaw("\(node.label): kernel_shape must give the window's height and width, got \(try node.ints("kernel_shape") ?? [])")
        }
        let (strides, padding) = try window(node, size: (size[0], size[1]))
        let geometry = WindowGeometry(inputHeight: flow.shape[2], inputWidth: flow.shape[3], channels: flow.shape[1],
                                      windowHeight: size[0], windowWidth: size[1], strideHeight: strides.0, strideWidth: strides.1, padding: padding)
        let padded = padding == .same
            && ((geometry.outputHeight - 1) * strides.0 + size[0] > flow.shape[2] || (geometry.outputWidth - 1) * strides.1 + size[1] > flow.shape[3])
        if try node.int("ceil_mode", default: 0) != 0 {
            // ceil_mode gives the same windows when no partial window is left at the end.
            let (pads, _) = try explicitPads(node)
            for (axis, output) in [(0, geometry.outputHeight), (1, geometry.outputWidth)] {
                let stride = axis == 0 ? strides.0 : strides.1
                let span = flow.shape[2 + axis] + pads[axis] + pads[axis + 2] - size[axis]
                guard span >= 0, (span + stride - 1) / stride + 1 == output else {
                    throw ImportFlaw("\(node.label): ceil_mode=1 adds a partial window here, which Perceptron's pooling does not; export with ceil_mode=0")
                }
            }
        }
        if !isMax, padded, try node.int("count_include_pad", default: 0) != 0 {
            throw ImportFlaw("\(node.label): count_include_pad=1 with padding divides by padded cells; Perceptron's average pooling, as Keras's, divides by the real ones")
        }
        flow.shape = [1, flow.shape[1], geometry.outputHeight, geometry.outputWidth]
        try plan(.pooling(isMax ? .max : .average, size: (size[0], size[1]), strides: strides, padding: padding), node)
    }

    /// BatchNormalization in inference form, over channels (images) or features (flat).
    mutating func batchNormalization(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["epsilon", "momentum", "spatial", "training_mode"])
        try requireFlowFirst(node)
        guard try node.int("training_mode", default: 0) == 0, try node.int("spatial", default: 1) == 1 else {
            throw ImportFlaw("\(node.label): only the inference form is supported (training_mode 0, spatial 1)")
        }
        let channelAxis = 1
        guard flow.rank >= 2, flow.perceptronAxis(channelAxis) == flow.rank - 1 || flow.rank == 2 else {
            throw ImportFlaw("\(node.label): normalising over axis 1 of a tensor whose channels Perceptron holds elsewhere is not supported")
        }
        let channels = flow.shape[channelAxis]
        var parameters: [[Float]] = []
        for (position, role) in ["scale", "B", "mean", "var"].enumerated() {
            guard let name = node.input(position + 1) else { throw ImportFlaw("\(node.label) has no \(role) input") }
            let tensor = try floats(name, node, role: role)
            guard tensor.shape == [channels] else {
                throw ImportFlaw("\(node.label): \(role) \(quoted(name)) has shape \(tensor.shape), expected [\(channels)]")
            }
            parameters.append(flow.featureOrder.map { order in order.map { tensor.values[$0] } } ?? tensor.values)
        }
        let epsilon = try node.float("epsilon", default: 1e-5)
        let momentum = try node.float("momentum", default: 0.9)
        guard epsilon > 0, epsilon.isFinite, momentum >= 0, momentum <= 1 else {
            throw ImportFlaw("\(node.label): epsilon \(epsilon) must be positive and momentum \(momentum) in [0, 1]")
        }
        try plan(.batchNormalization(gamma: parameters[0], beta: parameters[1], mean: parameters[2], variance: parameters[3],
                                     epsilon: epsilon, momentum: momentum), node)
    }

    /// Conv and pooling read NCHW images held by Perceptron as NHWC.
    func requireImage(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try requireFlowFirst(node)
        guard flow.rank == 4, flow.isChannelsFirstOverChannelsLast else {
            throw ImportFlaw("\(node.label): \(node.op) needs a channels-first image [N, C, H, W]; the tensor here has shape \(flow.shape.dropFirst()) after the batch and another layout (a Keras graph transposes to NCHW before each Conv)")
        }
    }

    /// `pads` as `[top, left, bottom, right]`, and `auto_pad`.
    func explicitPads(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ([Int], String) {
        let autoPad = try node.string("auto_pad", default: "NOTSET")
        let pads = try node.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 }) else {
            throw ImportFlaw("\(node.label): pads \(pads) must be four non-negative sizes [top, left, bottom, right]")
        }
        return (pads, autoPad)
    }

    /// The strides and the Keras padding that give the node's windows.
    /// - Throws: for dilation, or pads that are neither 'valid' nor Keras's 'same'.
    func window(_ node: ONNXGraph.Node, size: (Int, Int)) throws(ImportFlaw) -> ((Int, Int), Padding) {
        let strides = try node.ints("strides") ?? [1, 1]
        guard strides.count == 2, strides.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else {
            throw ImportFlaw("\(node.label): strides \(strides) must be two positive sizes")
        }
        if let dilations = try node.ints("dilations"), dilations.contains(where: { $0 != 1 }) {
            throw ImportFlaw("\(node.label): dilations \(dilations) are not supported; only 1")
        }
        let (pads, autoPad) = try explicitPads(node)
        let (height, width) = (flow.shape[2], flow.shape[3])
        guard size.0 <= 1 << 16, size.1 <= 1 << 16 else { throw ImportFlaw("\(node.label): window \(size) is too large") }
        // Keras's 'same': total padding max((out - 1) s + k - in, 0), the extra cell at the end.
        func samePads(_ input: Int, _ window: Int, _ stride: Int) -> (Int, Int) {
            let output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + window - input, 0)
            return (total / 2, total - total / 2)
        }
        let same = (samePads(height, size.0, strides[0]), samePads(width, size.1, strides[1]))
        let padding: Padding
        switch autoPad {
        case "VALID": padding = .valid
        case "SAME_UPPER": padding = .same
        case "SAME_LOWER":
            guard same.0.0 == same.0.1, same.1.0 == same.1.1 else {
                throw ImportFlaw("\(node.label): auto_pad SAME_LOWER puts the extra padding first, unlike Keras's 'same'; not supported here")
            }
            padding = .same
        case "NOTSET", "":
            if pads == [0, 0, 0, 0] {
                padding = .valid
            } else if pads == [same.0.0, same.1.0, same.0.1, same.1.1] {
                padding = .same
            } else {
                throw ImportFlaw("\(node.label): pads \(pads) are neither 'valid' (none) nor Keras's 'same' for this input (\([same.0.0, same.1.0, same.0.1, same.1.1])); only those two are supported")
            }
        default:
            throw ImportFlaw("\(node.label): auto_pad \(quoted(autoPad)) is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER)")
        }
        if padding == .valid, size.0 > height || size.1 > width {
            throw ImportFlaw("\(node.label): a \(size.0)x\(size.1) window does not fit a \(height)x\(width) input without padding")
        }
        return ((strides[0], strides[1]), padding)
    }
}
