// The ops that become layers: Gemm, MatMul and Add as Dense; Conv; pooling; BatchNormalization;
// activations; Flatten, Reshape and Transpose (which move the layout map, see Flow); Dropout.
// Legend: N batch, H/W spatial, C channels, D features, U units, F filters, K window.

import PerceptronNN
import PerceptronTensor

extension Importer {
    /// Translates one node: a constant computation, or a step of the chain.
    mutating func translate(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        switch node.op {
        case "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice":
            if node.op == "Cast", let source = node.input(0), try isFlow(source, node) {
                try castFlow(node)
            } else {
                try evaluateConstant(node)
            }
            return
        default: break
        }
        let output = try node.singleOutput()
        // A node of the chain reads the flowing tensor exactly once.
        var flowInputs = 0
        for name in node.inputs where !name.isEmpty {
            if try isFlow(name, node) { flowInputs += 1 }
        }
        guard flowInputs == 1 else {
            if flowInputs == 0 {
                throw ImportFlaw("\(node.label) computes on constants only; the importer evaluates only shape computations (Constant, Shape, Gather, Unsqueeze, Squeeze, Concat, Cast) at import")
            }
            throw ImportFlaw("\(node.label) reads the same tensor twice, which Perceptron's layers do not")
        }
        switch node.op {
        case "Identity": try node.checkAttributes([])
        case "Relu", "Sigmoid", "Tanh": try activation(node)
        case "Softmax": try softmax(node)
        case "Gemm": try gemm(node)
        case "MatMul": try matMul(node)
        case "Add": try add(node)
        case "Conv": try conv(node)
        case "MaxPool", "AveragePool": try pooling(node)
        case "BatchNormalization": try batchNormalization(node)
        case "Flatten": try flatten(node)
        case "Reshape": try reshape(node)
        case "Transpose": try transpose(node)
        case "Dropout": try dropout(node)
        default:
            throw ImportFlaw("\(node.label): the op is not supported; supported are \(ONNXImport.supportedOps.joined(separator: ", "))")
        }
        advance(to: output)
    }

    /// Whether the flowing tensor is the node's first input (where layers take it).
    func requireFlowFirst(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        guard node.input(0) == flow.name else {
            throw ImportFlaw("\(node.label): the tensor computed from the model's input must be its first input")
        }
    }

    // MARK: Activations

    mutating func activation(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes([])
        let function: ActivationFunction = switch node.op {
        case "Relu": .relu
        case "Sigmoid": .sigmoid
        default: .tanh
        }
        try joinOrPlan(function, node)
    }

    /// Softmax over the features: the last axis, and Perceptron's last.
    mutating func softmax(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["axis"])
        let defaultAxis = graph.opset >= 13 ? -1 : 1
        var axis = try node.int("axis", default: defaultAxis)
        if axis < 0 { axis += flow.rank }
        // Before opset 13 Softmax flattened from `axis` on; over a flat tensor both agree.
        guard axis == flow.rank - 1, flow.perceptronAxis(axis) == flow.rank - 1, graph.opset >= 13 || flow.rank == 2 else {
            throw ImportFlaw("\(node.label): softmax over axis \(try node.int("axis", default: defaultAxis)) of a tensor of shape \(flow.shape.dropFirst()) (batch first) is not supported; only over the last axis, the features")
        }
        try joinOrPlan(.softmax, node)
    }

    /// Joins `function` to the Dense or Conv2D that made the flowing tensor when it has none,
    /// as Keras writes `Dense(10, activation: .softmax)`; else plans an Activation layer.
    mutating func joinOrPlan(_ function: ActivationFunction, _ node: ONNXGraph.Node) throws(ImportFlaw) {
        if lastPlanIsOpen, let last = plans.last {
            switch last {
            case .dense(let kernel, let bias, .linear):
                plans[plans.count - 1] = .dense(kernel: kernel, bias: bias, activation: function)
                lastPlanIsOpen = false
                return
            case .conv(let kernel, let bias, let strides, let padding, .linear):
                plans[plans.count - 1] = .conv(kernel: kernel, bias: bias, strides: strides, padding: padding, activation: function)
                lastPlanIsOpen = false
                return
            default: break
            }
        }
        try plan(.activation(function), node)
    }

    // MARK: Dense

    /// `Y = alpha A' B' + beta C`, with A the flowing `[N, D]` and B, C constants.
    mutating func gemm(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["alpha", "beta", "transA", "transB"])
        try requireFlowFirst(node)
        guard try node.int("transA", default: 0) == 0 else {
            throw ImportFlaw("\(node.label): transA=1 is not supported (the input must be [N, D]; only transB may be set)")
        }
        guard flow.rank == 2 else {
            throw ImportFlaw("\(node.label): Gemm needs a flat input [N, D], got shape \(flow.shape.dropFirst()) after the batch")
        }
        guard let weightName = node.input(1) else { throw ImportFlaw("\(node.label) has no B input") }
        var weight = try floats(weightName, node, role: "weight B")
        guard weight.shape.count == 2 else {
            throw ImportFlaw("\(node.label): weight B \(quoted(weightName)) has shape \(weight.shape), expected 2-D")
        }
        if try node.int("transB", default: 0) != 0 { weight = Importer.transposed(weight) }
        let alpha = try node.float("alpha", default: 1)
        let beta = try node.float("beta", default: 1)
        if alpha != 1 { weight.values = weight.values.map { $0 * alpha } }
        var bias: [Float]?
        if let biasName = node.input(2) {
            let c = try floats(biasName, node, role: "bias C")
            let units = weight.shape[1]
            guard c.shape.dropFirst(max(0, c.shape.count - 1)).reduce(1, *) == units || c.values.count == 1,
                  c.values.count == units || c.values.count == 1, c.shape.count <= 2 else {
                throw ImportFlaw("\(node.label): bias C \(quoted(biasName)) has shape \(c.shape), expected [\(units)] or [1, \(units)]")
            }
            let values = c.values.count == units ? c.values : [Float](repeating: c.values[0], count: units)
            bias = beta == 1 ? values : values.map { $0 * beta }
        }
        try planDense(weight: weight, bias: bias, node)
    }

    /// `Y = A B` with B a constant `[D, U]`: a Dense without bias until an Add gives it one.
    mutating func matMul(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes([])
        try requireFlowFirst(node)
        guard let weightName = node.input(1) else { throw ImportFlaw("\(node.label) has no second input") }
        let weight = try floats(weightName, node, role: "weight")
        guard weight.shape.count == 2 else {
            throw ImportFlaw("\(node.label): weight \(quoted(weightName)) has shape \(weight.shape); only a 2-D weight [D, U] is supported")
        }
        guard flow.rank == 2 || flow.isIdentity else {
            throw ImportFlaw("\(node.label): MatMul on a \(flow.rank)-D tensor whose layout differs from Perceptron's is not supported")
        }
        try planDense(weight: weight, bias: nil, node)
    }

    /// A Dense from an ONNX weight `[D, U]` (rows in ONNX's feature order).
    mutating func planDense(weight: ConstantTensor, bias: [Float]?, _ node: ONNXGraph.Node) throws(ImportFlaw) {
        let (inputs, units) = (weight.shape[0], weight.shape[1])
        guard inputs == flow.shape.last!, units > 0 else {
            throw ImportFlaw("\(node.label): weight of shape [\(inputs), \(units)] (after any transB) does not fit an input of \(flow.shape.last!) features")
        }
        var kernel = weight
        if let order = flow.featureOrder {
            var values = [Float](repeating: 0, count: weight.values.count)
            for (row, source) in order.enumerated() {
                values[row * units..<(row + 1) * units] = weight.values[source * units..<(source + 1) * units]
            }
            kernel.values = values
        }
        flow.featureOrder = nil
        flow.shape[flow.rank - 1] = units
        try plan(.dense(kernel: kernel, bias: bias, activation: .linear), node)
    }

    /// An Add of a constant right after a Dense or Conv2D: its bias.
    mutating func add(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes([])
        guard let other = node.inputs.first(where: { !$0.isEmpty && $0 != flow.name }) else {
            throw ImportFlaw("\(node.label): Add needs a constant second operand")
        }
        let c = try floats(other, node, role: "addend")
        guard lastPlanIsOpen, let last = plans.last else {
            throw ImportFlaw("\(node.label): Add is supported only as the bias right after Gemm, MatMul or Conv (with a constant of one value per unit or channel)")
        }
        // The addend broadcasts on one ONNX axis, which must be Perceptron's last (features, channels).
        let channels = flow.shape[flow.perceptronAxisInverse(flow.rank - 1)]
        let sized = c.shape.enumerated().filter { $0.element != 1 }
        let axisFromEnd = sized.count == 1 ? c.shape.count - sized[0].offset : nil
        let fits = c.shape.count <= flow.rank && c.values.count == channels
            && (channels == 1 || (axisFromEnd.map { flow.perceptronAxis(flow.rank - $0) == flow.rank - 1 } ?? false))
        guard fits else {
            throw ImportFlaw("\(node.label): the addend \(quoted(other)) of shape \(c.shape) is not a bias of \(channels) values along the features or channels")
        }
        switch last {
        case .dense(let kernel, let bias, .linear):
            plans[plans.count - 1] = .dense(kernel: kernel, bias: Importer.sum(bias, c.values), activation: .linear)
        case .conv(let kernel, let bias, let strides, let padding, .linear):
            plans[plans.count - 1] = .conv(kernel: kernel, bias: Importer.sum(bias, c.values), strides: strides, padding: padding, activation: .linear)
        default:
            throw ImportFlaw("\(node.label): Add is supported only as the bias right after Gemm, MatMul or Conv, before any activation")
        }
    }

    static func sum(_ bias: [Float]?, _ addend: [Float]) -> [Float] {
        guard let bias else { return addend }
        return zip(bias, addend).map { $0 + $1 }
    }

    /// `[R, C] -> [C, R]`.
    static func transposed(_ t: ConstantTensor) -> ConstantTensor {
        let (rows, columns) = (t.shape[0], t.shape[1])
        var values = [Float](repeating: 0, count: t.values.count)
        for r in 0..<rows { for c in 0..<columns { values[c * rows + r] = t.values[r * columns + c] } }
        return ConstantTensor(shape: [columns, rows], values: values)
    }

    // MARK: Layout

    /// Flatten from axis 1: Perceptron's Flatten, with the feature order the layout gives.
    mutating func flatten(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["axis"])
        var axis = try node.int("axis", default: 1)
        if axis < 0 { axis += flow.rank }
        guard axis == 1 else {
            throw ImportFlaw("\(node.label): Flatten with axis \(try node.int("axis", default: 1)) is not supported; only axis 1 (keep the batch, flatten the rest)")
        }
        try flattenFlow(node)
    }

    mutating func flattenFlow(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        guard flow.rank > 2 else { return }
        let order = flow.flattenedFeatureOrder()
        let features = flow.shape.dropFirst().reduce(1, *)
        flow = Flow(name: flow.name, shape: [1, features], axes: [0, 1], featureOrder: order)
        try plan(.flatten, node)
    }

    /// Reshape keeping the batch: to `[N, -1]` it is a Flatten; to another shape, Perceptron's
    /// Reshape when the layout is Perceptron's own.
    mutating func reshape(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["allowzero"])
        try requireFlowFirst(node)
        guard let shapeName = node.input(1) else { throw ImportFlaw("\(node.label) has no shape input") }
        let (shapeOfShape, target) = try integers(shapeName, node, role: "shape")
        guard shapeOfShape.count == 1, target.count >= 2, target.count <= ONNXGraph.maximumRank else {
            throw ImportFlaw("\(node.label): the target shape has \(target.count) entries; it must keep the batch axis and have 2 to \(ONNXGraph.maximumRank) entries")
        }
        let allowZero = try node.int("allowzero", default: 0) != 0
        // The batch entry: symbolic, 0 (copy), -1 (infer) or the input's fixed batch size.
        switch target[0] {
        case nil, -1: break
        case 0 where !allowZero: break
        case let size? where fixedBatch != nil && Int(size) == fixedBatch!: break
        default:
            throw ImportFlaw("\(node.label): the target shape \(target.map { $0.map(String.init) ?? "N" }) changes the batch axis; only the features may be reshaped")
        }
        var sizes: [Int] = []
        var inferred: Int?
        for (axis, entry) in target.enumerated().dropFirst() {
            guard let entry else { throw ImportFlaw("\(node.label): target shape entry \(axis) depends on the batch size") }
            switch entry {
            case -1:
                guard inferred == nil else { throw ImportFlaw("\(node.label): the target shape has more than one -1") }
                inferred = axis - 1
                sizes.append(1)
            case 0 where !allowZero:
                guard axis < flow.rank else { throw ImportFlaw("\(node.label): target shape entry \(axis) is 0 (copy), but the input has no axis \(axis)") }
                sizes.append(flow.shape[axis])
            case 1...(1 << 24): sizes.append(Int(entry))
            default: throw ImportFlaw("\(node.label): target shape entry \(axis) is \(entry)")
            }
        }
        let count = flow.shape.dropFirst().reduce(1, *)
        let known = sizes.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        if let inferred {
            guard known > 0, count % known == 0 else {
                throw ImportFlaw("\(node.label): cannot reshape \(count) values per sample into \(target.map { $0.map(String.init) ?? "N" })")
            }
            sizes[inferred] = count / known
        }
        guard sizes.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) == count else {
            throw ImportFlaw("\(node.label): cannot reshape samples of shape \(flow.shape.dropFirst()) into \(sizes)")
        }
        if sizes.count == 1 { return try flattenFlow(node) }
        if sizes == Array(flow.shape.dropFirst()) { return }
        if let axes = flow.axesAfterMovingUnitAxes(to: sizes) {
            // Only axes of size 1 move (tf2onnx's [N, 28, 28, 1] -> [N, 1, 28, 28]): the data
            // keep their order, and the new ONNX axes map onto the same Perceptron tensor.
            flow.shape = [1] + sizes
            flow.axes = axes
            return
        }
        guard flow.isIdentity else {
            throw ImportFlaw("\(node.label): reshaping a tensor whose layout differs from Perceptron's (channels-first, or flattened from it) into \(sizes) is not supported")
        }
        flow = Flow(name: flow.name, shape: [1] + sizes, axes: Array(0...sizes.count), featureOrder: nil)
        try plan(.reshape(sizes), node)
    }

    /// A Transpose moves no data in Perceptron: it changes the map between layouts.
    mutating func transpose(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["perm"])
        let permutation = try node.ints("perm") ?? Array((0..<flow.rank).reversed())
        guard permutation.count == flow.rank, Set(permutation) == Set(0..<flow.rank) else {
            throw ImportFlaw("\(node.label): perm \(permutation) is not a permutation of the \(flow.rank) axes")
        }
        guard permutation[0] == 0 else {
            throw ImportFlaw("\(node.label): perm \(permutation) moves the batch axis; only the other axes may be permuted")
        }
        guard flow.featureOrder == nil || permutation == [0, 1] else {
            throw ImportFlaw("\(node.label): transposing a flattened tensor is not supported")
        }
        flow.shape = permutation.map { flow.shape[$0] }
        flow.axes = permutation.map { flow.axes[$0] }
    }

    /// A Cast of the flowing tensor to float32 is nothing; to anything else it is refused.
    mutating func castFlow(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["to", "saturate", "round_mode"])
        guard try node.int("to", default: 0) == Onnx_TensorProto.DataType.float.rawValue else {
            throw ImportFlaw("\(node.label): casting the model's tensor to \(ONNXGraph.typeName(Int32(truncatingIfNeeded: try node.int("to", default: 0)))) is not supported; Perceptron computes in float32")
        }
        advance(to: try node.singleOutput())
    }

    // MARK: Dropout

    /// Dropout: Perceptron's Dropout layer (an identity in inference) with the file's rate.
    mutating func dropout(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        try node.checkAttributes(["ratio", "seed", "is_test"])
        try requireFlowFirst(node)
        var rate = try node.float("ratio", default: 0.5)
        if let ratioName = node.input(1) {
            let ratio = try floats(ratioName, node, role: "ratio")
            guard ratio.values.count == 1 else { throw ImportFlaw("\(node.label): ratio \(quoted(ratioName)) is not a scalar") }
            rate = ratio.values[0]
        }
        if let modeName = node.input(2) {
            let mode = try constant(modeName, node)
            let training: Bool = switch mode {
            case .floats(let t): t.values.contains { $0 != 0 }
            case .integers(_, let v): v.contains { $0 != 0 }
            }
            if training { throw ImportFlaw("\(node.label): training_mode is true; export the model in inference mode") }
        }
        guard rate >= 0, rate < 1 else { throw ImportFlaw("\(node.label): dropout ratio \(rate) is outside [0, 1)") }
        if rate > 0 { try plan(.dropout(rate), node) }
    }
}

extension Flow {
    /// The map for ONNX sizes `[N] + sizes` when a Reshape to them only moves axes of size 1
    /// and the tensor's data are in Perceptron's order; nil otherwise.
    func axesAfterMovingUnitAxes(to sizes: [Int]) -> [Int]? {
        guard featureOrder == nil, sizes.count + 1 == rank else { return nil }
        let current = Array(shape.dropFirst())
        guard current.filter({ $0 != 1 }) == sizes.filter({ $0 != 1 }) else { return nil }
        // The ONNX axes of size above 1 must already run in Perceptron's order.
        let mapped = (1..<rank).filter { shape[$0] != 1 }.map { axes[$0] }
        guard mapped == mapped.sorted() else { return nil }
        let p = [1] + perceptronShape
        var large = (1..<rank).filter { p[$0] != 1 }
        var unit = (1..<rank).filter { p[$0] == 1 }
        var result = [0]
        for size in sizes {
            if size == 1 { result.append(unit.removeFirst()) } else { result.append(large.removeFirst()) }
        }
        return result
    }

    /// The ONNX axis held in Perceptron axis `axis`.
    func perceptronAxisInverse(_ axis: Int) -> Int { axes.firstIndex(of: axis)! }
}
