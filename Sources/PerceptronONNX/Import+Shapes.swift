// Constants evaluated at import: Constant nodes, and the small integer computations exporters
// write for a Reshape's target (Shape, Gather, Unsqueeze, Squeeze, Concat, Cast). The batch
// size is unknown at import, so an entry that depends on it stays symbolic (nil).

extension Importer {
    /// Evaluates a node whose inputs are constants (or only the flowing tensor's shape).
    mutating func evaluateConstant(_ node: ONNXGraph.Node) throws(ImportFlaw) {
        let output = try node.singleOutput()
        let result: ImportValue
        switch node.op {
        case "Constant": result = try constantNode(node)
        case "Shape": result = try shape(node)
        case "Gather": result = try gather(node)
        case "Unsqueeze", "Squeeze": result = try squeeze(node)
        case "Concat": result = try concat(node)
        case "Slice": result = try slice(node)
        default: result = try cast(node)
        }
        if case .integers(_, let entries) = result, entries.count > 1 << 20 {
            throw ImportFlaw("\(node.label) makes \(entries.count) integers; shape computations are short lists")
        }
        values[output] = result
    }

    func constantNode(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        try node.checkAttributes(["value", "value_float", "value_floats", "value_int", "value_ints"])
        guard node.attributes.count == 1, let (key, attribute) = node.attributes.first else {
            throw ImportFlaw("\(node.label): a Constant needs exactly one of value, value_float, value_floats, value_int, value_ints")
        }
        switch key {
        case "value":
            guard attribute.hasT else { throw ImportFlaw("\(node.label): attribute 'value' holds no tensor") }
            return try Importer.value(of: attribute.t, what: "\(node.label): its value")
        case "value_float": return .floats(ConstantTensor(shape: [], values: [try node.float(key, default: 0)]))
        case "value_floats":
            guard attribute.type == .floats || attribute.type == .undefined else {
                throw ImportFlaw("\(node.label): attribute 'value_floats' should be a list of floats, found \(attribute.type)")
            }
            return .floats(ConstantTensor(shape: [attribute.floats.count], values: attribute.floats))
        case "value_int": return .integers(shape: [], values: [Int64(try node.int(key, default: 0))])
        default:
            let list = try node.ints(key) ?? []
            return .integers(shape: [list.count], values: list.map { Int64($0) })
        }
    }

    /// The shape of the flowing tensor (batch symbolic) or of a constant, from `start` to `end`.
    mutating func shape(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        try node.checkAttributes(["start", "end"])
        guard let source = node.input(0) else { throw ImportFlaw("\(node.label) has no input") }
        var dims: [Int64?]
        if let past = source == flow.name ? flow.shape : pastShapes[source] {
            dims = [nil] + past.dropFirst().map { Int64($0) }
        } else {
            switch try constant(source, node) {
            case .floats(let t): dims = t.shape.map { Int64($0) }
            case .integers(let shape, _): dims = shape.map { Int64($0) }
            }
        }
        let rank = dims.count
        func clamp(_ index: Int) -> Int { min(max(index < 0 ? index + rank : index, 0), rank) }
        let start = clamp(try node.int("start", default: 0))
        let end = clamp(try node.int("end", default: rank))
        dims = start < end ? Array(dims[start..<end]) : []
        return .integers(shape: [dims.count], values: dims)
    }

    /// Gather on axis 0 of a 1-D integer list.
    mutating func gather(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        try node.checkAttributes(["axis"])
        guard let dataName = node.input(0), let indicesName = node.input(1) else {
            throw ImportFlaw("\(node.label) needs data and indices")
        }
        if try isFlow(dataName, node) {
            throw ImportFlaw("\(node.label): Gather on the model's tensor is not supported; only on shape lists")
        }
        let (dataShape, data) = try integers(dataName, node, role: "data")
        let (indexShape, indices) = try integers(indicesName, node, role: "indices")
        guard dataShape.count == 1, indexShape.count <= 1, try node.int("axis", default: 0) == 0 else {
            throw ImportFlaw("\(node.label): only Gather on axis 0 of a 1-D shape list is supported")
        }
        var result: [Int64?] = []
        for index in indices {
            guard let index, index >= -Int64(data.count), index < Int64(data.count) else {
                throw ImportFlaw("\(node.label): index \(indices.first.map { "\($0.map(String.init) ?? "?")" } ?? "") is outside the list of \(data.count)")
            }
            result.append(data[Int(index < 0 ? index + Int64(data.count) : index)])
        }
        return .integers(shape: indexShape, values: result)
    }

    /// Unsqueeze and Squeeze change only the shape of an integer list.
    mutating func squeeze(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        try node.checkAttributes(["axes"])
        guard let dataName = node.input(0) else { throw ImportFlaw("\(node.label) has no input") }
        if try isFlow(dataName, node) {
            throw ImportFlaw("\(node.label): \(node.op) on the model's tensor is not supported; only on shape lists")
        }
        let value = try constant(dataName, node)
        var axes = try node.ints("axes")
        if let axesName = node.input(1) {
            axes = try integers(axesName, node, role: "axes").values.map { Int($0 ?? -1000) }
        }
        let shape: [Int]
        switch value {
        case .floats(let t): shape = t.shape
        case .integers(let s, _): shape = s
        }
        var result = shape
        if node.op == "Unsqueeze" {
            guard let axes, !axes.isEmpty, axes.count <= ONNXGraph.maximumRank else { throw ImportFlaw("\(node.label) needs axes") }
            let rank = shape.count + axes.count
            let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }.sorted()
            guard normalized.allSatisfy({ $0 >= 0 && $0 < rank }), Set(normalized).count == normalized.count,
                  rank <= ONNXGraph.maximumRank else {
                throw ImportFlaw("\(node.label): axes \(axes) do not fit rank \(shape.count)")
            }
            for axis in normalized { result.insert(1, at: axis) }
        } else {
            let normalized = (axes ?? shape.indices.filter { shape[$0] == 1 }).map { $0 < 0 ? $0 + shape.count : $0 }
            guard normalized.allSatisfy({ $0 >= 0 && $0 < shape.count && shape[$0] == 1 }) else {
                throw ImportFlaw("\(node.label): axes \(axes ?? []) are not axes of size 1 in \(shape)")
            }
            result = shape.indices.filter { !normalized.contains($0) }.map { shape[$0] }
        }
        switch value {
        case .floats(let t): return .floats(ConstantTensor(shape: result, values: t.values))
        case .integers(_, let v): return .integers(shape: result, values: v)
        }
    }

    /// Concat on axis 0 of 1-D integer lists.
    mutating func concat(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        try node.checkAttributes(["axis"])
        let axis = try node.int("axis", default: 0)
        var result: [Int64?] = []
        for name in node.inputs where !name.isEmpty {
            if try isFlow(name, node) {
                throw ImportFlaw("\(node.label): Concat on the model's tensor is not supported; only on shape lists")
            }
            let (shape, list) = try integers(name, node, role: "input")
            guard shape.count == 1, axis == 0 || axis == -1 else {
                throw ImportFlaw("\(node.label): only Concat of 1-D shape lists on axis 0 is supported")
            }
            guard result.count + list.count <= 1 << 20 else { throw ImportFlaw("\(node.label) makes too long a list") }
            result += list
        }
        return .integers(shape: [result.count], values: result)
    }

    /// Cast of a constant: integers stay integers (INT64, INT32), floats stay floats.
    mutating func cast(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        try node.checkAttributes(["to", "saturate", "round_mode"])
        guard let source = node.input(0) else { throw ImportFlaw("\(node.label) has no input") }
        let value = try constant(source, node)
        let target = try node.int("to", default: 0)
        switch value {
        case .integers where target == 7 || target == 6: return value
        case .floats where target == 1: return value
        default:
            throw ImportFlaw("\(node.label): casting a constant to \(ONNXGraph.typeName(Int32(truncatingIfNeeded: target))) is not supported (only int64/int32 shape lists and float32 weights pass through)")
        }
    }

    /// Slice of a 1-D integer list: `starts`, `ends` (and `axes` 0, `steps` 1) as inputs, or
    /// as attributes before opset 10.
    mutating func slice(_ node: ONNXGraph.Node) throws(ImportFlaw) -> ImportValue {
        try node.checkAttributes(["starts", "ends", "axes"])
        guard let dataName = node.input(0) else { throw ImportFlaw("\(node.label) has no input") }
        if try isFlow(dataName, node) {
            throw ImportFlaw("\(node.label): Slice on the model's tensor is not supported; only on shape lists")
        }
        let (shape, data) = try integers(dataName, node, role: "data")
        func bound(_ position: Int, _ attribute: String) throws(ImportFlaw) -> Int64? {
            if let name = node.input(position) {
                let values = try integers(name, node, role: attribute).values
                guard values.count == 1, let value = values[0] else {
                    throw ImportFlaw("\(node.label): only one constant \(attribute) is supported")
                }
                return value
            }
            return try node.ints(attribute).flatMap { $0.count == 1 ? Int64($0[0]) : nil }
        }
        let axis = try bound(3, "axes") ?? 0
        let step = try bound(4, "steps") ?? 1
        guard shape.count == 1, let start = try bound(1, "starts"), let end = try bound(2, "ends"),
              axis == 0 || axis == -1, step == 1 else {
            throw ImportFlaw("\(node.label): only Slice of a 1-D shape list on axis 0 with step 1 is supported")
        }
        let count = Int64(data.count)
        func clamp(_ index: Int64) -> Int { Int(min(max(index < 0 ? index &+ count : index, 0), count)) }
        let (from, to) = (clamp(start), clamp(end))
        let result = from < to ? Array(data[from..<to]) : []
        return .integers(shape: [result.count], values: result)
    }
}
