// The ops of the reference evaluator, each a plain loop over the formula in ONNX's operator
// documentation (onnx/docs/Operators.md), sums in Double.
// Legend: N batch, C channels, H/W spatial, F filters, M/K/P matrix sizes.

import Foundation

extension ONNXReferenceEvaluator {
    /// The outputs of `node` from its inputs (nil where an optional input is omitted).
    func evaluate(_ node: Onnx_NodeProto, _ inputs: [Value?]) throws -> [Value] {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw Failure("node '\(node.name)': domain '\(node.domain)' is not evaluated")
        }
        let a = ReferenceAttributes(node)
        func input(_ index: Int) throws -> Value {
            guard index < inputs.count, let value = inputs[index] else {
                throw Failure("node '\(node.name)' (\(node.opType)) needs input \(index)")
            }
            return value
        }
        func floats(_ index: Int) throws -> Value {
            let value = try input(index)
            guard value.integers.isEmpty || value.count == 0 else {
                throw Failure("node '\(node.name)' (\(node.opType)): input \(index) must be float32")
            }
            return value
        }
        switch node.opType {
        case "Identity":
            try a.allow([])
            return [try input(0)]
        case "Dropout":
            try a.allow(["seed"])
            if inputs.count > 2, let training = inputs[2], training.integers.first ?? 0 != 0 || training.floats.first ?? 0 != 0 {
                throw Failure("node '\(node.name)': Dropout in training mode is not evaluated")
            }
            let x = try floats(0)
            return [x, Value(shape: x.shape, integers: [Int64](repeating: 1, count: x.count))]
        case "Constant":
            return [try constant(a)]
        case "Relu", "Sigmoid", "Tanh":
            try a.allow([])
            var x = try floats(0)
            for i in x.floats.indices { x.floats[i] = Self.elementwise(node.opType, x.floats[i]) }
            return [x]
        case "Softmax":
            try a.allow(["axis"])
            return [try softmax(floats(0), axis: a.int("axis", default: -1), node: node)]
        case "Gemm":
            try a.allow(["alpha", "beta", "transA", "transB"])
            return [try gemm(floats(0), floats(1), inputs.count > 2 ? inputs[2] : nil, a)]
        case "MatMul":
            try a.allow([])
            return [try matMul(floats(0), floats(1), node: node)]
        case "Add":
            try a.allow([])
            return [try add(floats(0), floats(1), node: node)]
        case "Conv":
            try a.allow(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
            return [try convolution(floats(0), floats(1), inputs.count > 2 ? inputs[2] : nil, a)]
        case "MaxPool", "AveragePool":
            try a.allow(["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "storage_order", "strides"])
            return [try pool(floats(0), a)]
        case "BatchNormalization":
            try a.allow(["epsilon", "momentum", "training_mode"])
            guard a.int("training_mode", default: 0) == 0 else { throw Failure("node '\(node.name)': training mode is not evaluated") }
            return [try batchNormalization(floats(0), scale: floats(1), bias: floats(2), mean: floats(3), variance: floats(4),
                                           epsilon: a.float("epsilon", default: 1e-5), node: node)]
        case "Transpose":
            try a.allow(["perm"])
            let x = try input(0)
            return [Self.transposed(x, a.ints("perm") ?? Array(x.shape.indices.reversed()))]
        case "Flatten":
            try a.allow(["axis"])
            var x = try input(0)
            var axis = a.int("axis", default: 1)
            if axis < 0 { axis += x.shape.count }
            guard (0...x.shape.count).contains(axis) else { throw Failure("node '\(node.name)': axis \(axis) out of range") }
            x.shape = [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)]
            return [x]
        case "Reshape":
            try a.allow(["allowzero"])
            return [try reshape(input(0), to: input(1), allowZero: a.int("allowzero", default: 0) != 0, node: node)]
        default:
            throw Failure("node '\(node.name)': op \(node.opType) is not evaluated")
        }
    }

    static func elementwise(_ operation: String, _ x: Float) -> Float {
        switch operation {
        case "Relu": return x < 0 ? 0 : x
        case "Sigmoid": return Float(1 / (1 + Foundation.exp(-Double(x))))
        default: return Float(Foundation.tanh(Double(x)))
        }
    }

    private func constant(_ a: ReferenceAttributes) throws -> Value {
        if let tensor = a.attribute("value") { return try Self.value(of: tensor.t) }
        if let value = a.attribute("value_float") { return Value(shape: [], floats: [value.f]) }
        if let values = a.attribute("value_floats") { return Value(shape: [values.floats.count], floats: values.floats) }
        if let value = a.attribute("value_int") { return Value(shape: [], integers: [value.i]) }
        if let values = a.attribute("value_ints") { return Value(shape: [values.ints.count], integers: values.ints) }
        throw Failure("node '\(a.node.name)': Constant without a value, value_float(s) or value_int(s)")
    }

    // x: [..., K] along `axis` -> exp(x - max) / Σ exp(x - max)
    private func softmax(_ x: Value, axis: Int, node: Onnx_NodeProto) throws -> Value {
        let axis = axis < 0 ? axis + x.shape.count : axis
        guard x.shape.indices.contains(axis) else { throw Failure("node '\(node.name)': axis out of range for \(x.shape)") }
        let length = x.shape[axis]
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let outer = x.shape[..<axis].reduce(1, *)
        var y = x
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var largest = -Float.infinity
                for k in 0..<length { largest = max(largest, x.floats[base + k * inner]) }
                var sum = 0.0
                for k in 0..<length { sum += Foundation.exp(Double(x.floats[base + k * inner] - largest)) }
                for k in 0..<length { y.floats[base + k * inner] = Float(Foundation.exp(Double(x.floats[base + k * inner] - largest)) / sum) }
            }
        }
        return y
    }

    // A: [M, K] (or [K, M] with transA), B: [K, P] (or [P, K]), C broadcast to [M, P] -> alpha A B + beta C
    private func gemm(_ a: Value, _ b: Value, _ c: Value?, _ attributes: ReferenceAttributes) throws -> Value {
        guard a.shape.count == 2, b.shape.count == 2 else { throw Failure("node '\(attributes.node.name)': Gemm needs matrices, got \(a.shape) and \(b.shape)") }
        let transA = attributes.int("transA", default: 0) != 0, transB = attributes.int("transB", default: 0) != 0
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, p) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else { throw Failure("node '\(attributes.node.name)': Gemm of \(a.shape) and \(b.shape) does not fit") }
        let alpha = Double(attributes.float("alpha", default: 1)), beta = Double(attributes.float("beta", default: 1))
        let bias = try c.map { try broadcast($0, to: [m, p], node: attributes.node) }
        var y = Value(shape: [m, p], floats: [Float](repeating: 0, count: m * p))
        for i in 0..<m {
            for j in 0..<p {
                var sum = 0.0
                for l in 0..<k {
                    let left = transA ? a.floats[l * m + i] : a.floats[i * k + l]
                    let right = transB ? b.floats[j * k + l] : b.floats[l * p + j]
                    sum += Double(left) * Double(right)
                }
                y.floats[i * p + j] = Float(alpha * sum + beta * Double(bias?.floats[i * p + j] ?? 0))
            }
        }
        return y
    }

    // A: [..., M, K], B: [K, P] -> [..., M, P]
    private func matMul(_ a: Value, _ b: Value, node: Onnx_NodeProto) throws -> Value {
        guard a.shape.count >= 2, b.shape.count == 2, a.shape.last == b.shape[0] else {
            throw Failure("node '\(node.name)': MatMul of \(a.shape) and \(b.shape) is not evaluated (B must be a matrix that fits)")
        }
        let k = b.shape[0], p = b.shape[1], rows = a.count / k
        var y = Value(shape: Array(a.shape.dropLast()) + [p], floats: [Float](repeating: 0, count: rows * p))
        for r in 0..<rows {
            for j in 0..<p {
                var sum = 0.0
                for l in 0..<k { sum += Double(a.floats[r * k + l]) * Double(b.floats[l * p + j]) }
                y.floats[r * p + j] = Float(sum)
            }
        }
        return y
    }

    // numpy broadcasting of both to one shape -> a + b
    private func add(_ a: Value, _ b: Value, node: Onnx_NodeProto) throws -> Value {
        let rank = max(a.shape.count, b.shape.count)
        let left = [Int](repeating: 1, count: rank - a.shape.count) + a.shape
        let right = [Int](repeating: 1, count: rank - b.shape.count) + b.shape
        var shape: [Int] = []
        for (x, y) in zip(left, right) {
            guard x == y || x == 1 || y == 1 else { throw Failure("node '\(node.name)': shapes \(a.shape) and \(b.shape) do not broadcast") }
            shape.append(x == 1 ? y : x)
        }
        let first = try broadcast(a, to: shape, node: node), second = try broadcast(b, to: shape, node: node)
        return Value(shape: shape, floats: zip(first.floats, second.floats).map { $0 + $1 })
    }

    /// `x` repeated along its axes of size 1 (and new leading ones) to fill `shape`.
    private func broadcast(_ x: Value, to shape: [Int], node: Onnx_NodeProto) throws -> Value {
        guard x.shape.count <= shape.count else { throw Failure("node '\(node.name)': \(x.shape) does not broadcast to \(shape)") }
        let padded = [Int](repeating: 1, count: shape.count - x.shape.count) + x.shape
        guard zip(padded, shape).allSatisfy({ $0 == $1 || $0 == 1 }) else {
            throw Failure("node '\(node.name)': \(x.shape) does not broadcast to \(shape)")
        }
        let strides = Self.strides(padded)
        let count = shape.reduce(1, *)
        var floats = [Float](repeating: 0, count: count)
        for position in 0..<count {
            var rest = position, offset = 0
            for axis in shape.indices.reversed() {
                let index = rest % shape[axis]
                rest /= shape[axis]
                if padded[axis] != 1 { offset += index * strides[axis] }
            }
            floats[position] = x.floats[offset]
        }
        return Value(shape: shape, floats: floats)
    }

    /// The pads `[top, left, bottom, right]` of a 2-D window, from `pads` or `auto_pad`;
    /// `input`, `window`, `strides` and `dilations` are `[height, width]`.
    private func pads(_ a: ReferenceAttributes, input: [Int], window: [Int], strides: [Int], dilations: [Int]) throws -> [Int] {
        let mode = a.string("auto_pad", default: "NOTSET")
        switch mode {
        case "NOTSET":
            let pads = a.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw Failure("node '\(a.node.name)': pads \(pads) are not 4 sizes") }
            return pads
        case "VALID":
            return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var pads = [0, 0, 0, 0]
            for axis in 0..<2 {
                let output = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max((output - 1) * strides[axis] + (window[axis] - 1) * dilations[axis] + 1 - input[axis], 0)
                // SAME_UPPER puts the odd cell at the end, SAME_LOWER at the start.
                pads[axis] = mode == "SAME_UPPER" ? total / 2 : total - total / 2
                pads[axis + 2] = total - pads[axis]
            }
            return pads
        default:
            throw Failure("node '\(a.node.name)': auto_pad \(mode) is not evaluated")
        }
    }

    // x: [N, C, H, W], w: [F, C / group, KH, KW], b: [F] -> y: [N, F, OH, OW]
    private func convolution(_ x: Value, _ w: Value, _ b: Value?, _ a: ReferenceAttributes) throws -> Value {
        guard x.shape.count == 4, w.shape.count == 4 else { throw Failure("node '\(a.node.name)': Conv is evaluated in 2-D only, got \(x.shape)") }
        let (n, c, h, wi) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (f, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let group = a.int("group", default: 1)
        guard group >= 1, c == cg * group, f % group == 0 else { throw Failure("node '\(a.node.name)': \(x.shape) and kernel \(w.shape) do not fit group \(group)") }
        let s = a.ints("strides") ?? [1, 1], d = a.ints("dilations") ?? [1, 1]
        guard s.count == 2, d.count == 2, (s + d).allSatisfy({ $0 > 0 }) else {
            throw Failure("node '\(a.node.name)': strides \(s) and dilations \(d) must be two positive sizes each")
        }
        let p = try pads(a, input: [h, wi], window: [kh, kw], strides: s, dilations: d)
        let oh = (h + p[0] + p[2] - (kh - 1) * d[0] - 1) / s[0] + 1
        let ow = (wi + p[1] + p[3] - (kw - 1) * d[1] - 1) / s[1] + 1
        guard oh > 0, ow > 0 else { throw Failure("node '\(a.node.name)': the window does not fit \(x.shape)") }
        var y = Value(shape: [n, f, oh, ow], floats: [Float](repeating: 0, count: n * f * oh * ow))
        let perGroup = f / group
        for image in 0..<n {
            for filter in 0..<f {
                let firstChannel = (filter / perGroup) * cg
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(b?.floats[filter] ?? 0)
                        for ch in 0..<cg {
                            for ky in 0..<kh {
                                let iy = oy * s[0] - p[0] + ky * d[0]
                                guard iy >= 0 && iy < h else { continue }
                                for kx in 0..<kw {
                                    let ix = ox * s[1] - p[1] + kx * d[1]
                                    guard ix >= 0 && ix < wi else { continue }
                                    let input = x.floats[((image * c + firstChannel + ch) * h + iy) * wi + ix]
                                    sum += Double(input) * Double(w.floats[((filter * cg + ch) * kh + ky) * kw + kx])
                                }
                            }
                        }
                        y.floats[((image * f + filter) * oh + oy) * ow + ox] = Float(sum)
                    }
                }
            }
        }
        return y
    }

    // x: [N, C, H, W] -> [N, C, OH, OW], each the max or mean of its window (padding never
    // wins a max; the mean counts padding only with count_include_pad)
    private func pool(_ x: Value, _ a: ReferenceAttributes) throws -> Value {
        guard x.shape.count == 4, let k = a.ints("kernel_shape"), k.count == 2 else {
            throw Failure("node '\(a.node.name)': pooling is evaluated in 2-D only, got \(x.shape)")
        }
        guard a.int("ceil_mode", default: 0) == 0, (a.ints("dilations") ?? [1, 1]) == [1, 1] else {
            throw Failure("node '\(a.node.name)': ceil_mode and dilations are not evaluated")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let s = a.ints("strides") ?? [1, 1]
        guard s.count == 2, (s + k).allSatisfy({ $0 > 0 }) else {
            throw Failure("node '\(a.node.name)': kernel_shape \(k) and strides \(s) must be two positive sizes each")
        }
        let p = try pads(a, input: [h, w], window: k, strides: s, dilations: [1, 1])
        let oh = (h + p[0] + p[2] - k[0]) / s[0] + 1, ow = (w + p[1] + p[3] - k[1]) / s[1] + 1
        let isMax = a.node.opType == "MaxPool"
        let includesPad = a.int("count_include_pad", default: 0) != 0
        var y = Value(shape: [n, c, oh, ow], floats: [Float](repeating: 0, count: n * c * oh * ow))
        for plane in 0..<(n * c) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var largest = -Float.infinity, sum = 0.0, cells = 0
                    for ky in 0..<k[0] {
                        for kx in 0..<k[1] {
                            let iy = oy * s[0] - p[0] + ky, ix = ox * s[1] - p[1] + kx
                            guard iy >= 0 && iy < h && ix >= 0 && ix < w else {
                                if iy >= -p[0] && iy < h + p[2] && ix >= -p[1] && ix < w + p[3] { cells += includesPad ? 1 : 0 }
                                continue
                            }
                            let value = x.floats[(plane * h + iy) * w + ix]
                            largest = max(largest, value)
                            sum += Double(value)
                            cells += 1
                        }
                    }
                    y.floats[(plane * oh + oy) * ow + ox] = isMax ? largest : Float(sum / Double(cells))
                }
            }
        }
        return y
    }

    // x: [N, C, ...] -> scale (x - mean) / sqrt(variance + epsilon) + bias, per C
    private func batchNormalization(_ x: Value, scale: Value, bias: Value, mean: Value, variance: Value,
                                    epsilon: Float, node: Onnx_NodeProto) throws -> Value {
        guard x.shape.count >= 2, [scale, bias, mean, variance].allSatisfy({ $0.count == x.shape[1] }) else {
            throw Failure("node '\(node.name)': BatchNormalization of \(x.shape) needs statistics of \(x.shape.count >= 2 ? x.shape[1] : 0)")
        }
        let channels = x.shape[1], inner = x.shape[2...].reduce(1, *)
        var y = x
        for i in x.floats.indices {
            let ch = (i / inner) % channels
            let normalized = (Double(x.floats[i]) - Double(mean.floats[ch])) / (Double(variance.floats[ch]) + Double(epsilon)).squareRoot()
            y.floats[i] = Float(Double(scale.floats[ch]) * normalized + Double(bias.floats[ch]))
        }
        return y
    }

    // x: [d0, d1, ...] -> [d_perm0, d_perm1, ...]
    static func transposed(_ x: Value, _ permutation: [Int]) -> Value {
        let shape = permutation.map { x.shape[$0] }
        let strides = Self.strides(x.shape)
        var floats = [Float](repeating: 0, count: x.floats.count)
        var integers = [Int64](repeating: 0, count: x.integers.count)
        for position in 0..<x.count {
            var rest = position, offset = 0
            for axis in shape.indices.reversed() {
                offset += (rest % shape[axis]) * strides[permutation[axis]]
                rest /= shape[axis]
            }
            if !floats.isEmpty { floats[position] = x.floats[offset] }
            if !integers.isEmpty { integers[position] = x.integers[offset] }
        }
        var y = x
        y.shape = shape
        y.floats = floats
        y.integers = integers
        return y
    }

    // x: [d0, ...] -> the shape `target` asks for (0 copies the input's dimension unless allowzero, -1 takes the rest)
    private func reshape(_ x: Value, to target: Value, allowZero: Bool, node: Onnx_NodeProto) throws -> Value {
        guard target.shape.count == 1, target.floats.isEmpty else { throw Failure("node '\(node.name)': the shape must be a 1-D int64 tensor") }
        var shape = target.integers.enumerated().map { axis, size in
            size == 0 && !allowZero && axis < x.shape.count ? x.shape[axis] : Int(size)
        }
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        if let free = shape.firstIndex(of: -1) {
            guard shape.filter({ $0 == -1 }).count == 1, known > 0, x.count % known == 0 else {
                throw Failure("node '\(node.name)': cannot reshape \(x.shape) to \(target.integers)")
            }
            shape[free] = x.count / known
        }
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == x.count else {
            throw Failure("node '\(node.name)': cannot reshape \(x.shape) to \(target.integers)")
        }
        var y = x
        y.shape = shape
        return y
    }

    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropLast().reversed() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }
}
