// Reading an ONNX tensor's numbers and a node's attributes, checked: the element count is
// bounded (2^40) before anything is allocated, the stored data must match the shape exactly,
// and a tensor of another type than the one needed is an error, never a reinterpretation.

import Foundation

/// A constant's numbers with its shape.
struct ConstantTensor {
    var shape: [Int]
    var values: [Float]
}

extension ONNXGraph {
    /// Shapes whose element count passes 2^40 are refused before any allocation.
    static let maximumElements = 1 << 40

    /// The element count of `dims`, checked: no negative size, no product past 2^40.
    static func elementCount(_ dims: [Int64], what: String) throws(ImportFlaw) -> Int {
        guard dims.count <= maximumRank else { throw ImportFlaw("\(what) has rank \(dims.count); at most \(maximumRank) is read") }
        var count = 1
        for dim in dims {
            guard dim >= 0 else { throw ImportFlaw("\(what) has a negative size in its shape \(dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            guard !overflow, product <= maximumElements else {
                throw ImportFlaw("\(what) has shape \(dims), whose element count passes 2^40; refused before reading")
            }
            count = product
        }
        return count
    }

    /// A float32 tensor's shape and values.
    /// - Throws: `ImportFlaw` for another element type, external data, or data of another length.
    static func floats(_ tensor: Onnx_TensorProto, what: String) throws(ImportFlaw) -> ConstantTensor {
        try checkStorage(tensor, what: what)
        guard Int(tensor.dataType) == Onnx_TensorProto.DataType.float.rawValue else {
            throw ImportFlaw("\(what) is \(typeName(tensor.dataType)), where float32 is needed")
        }
        let count = try elementCount(tensor.dims, what: what)
        let shape = tensor.dims.map { Int($0) }
        if tensor.hasRawData {
            let raw = tensor.rawData
            guard raw.count == count * 4 else {
                throw ImportFlaw("\(what) has shape \(shape) (\(count) floats, \(count * 4) bytes) but \(raw.count) bytes of raw_data")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { destination in
                raw.withUnsafeBytes { source in destination.copyMemory(from: source) }
            }
            if UInt32(littleEndian: 1) != 1 { values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) } }
            return ConstantTensor(shape: shape, values: values)
        }
        guard tensor.floatData.count == count else {
            throw ImportFlaw("\(what) has shape \(shape) (\(count) floats) but \(tensor.floatData.count) values in float_data")
        }
        return ConstantTensor(shape: shape, values: tensor.floatData)
    }

    /// An integer tensor's values (INT64 or INT32), as shape computations and Reshape use.
    static func integers(_ tensor: Onnx_TensorProto, what: String) throws(ImportFlaw) -> (shape: [Int], values: [Int64]) {
        try checkStorage(tensor, what: what)
        let count = try elementCount(tensor.dims, what: what)
        let shape = tensor.dims.map { Int($0) }
        guard count <= 1 << 20 else { throw ImportFlaw("\(what) has \(count) integers; shape values are short lists") }
        let width: Int
        switch Int(tensor.dataType) {
        case Onnx_TensorProto.DataType.int64.rawValue: width = 8
        case Onnx_TensorProto.DataType.int32.rawValue: width = 4
        default: throw ImportFlaw("\(what) is \(typeName(tensor.dataType)), where INT64 or INT32 is needed")
        }
        if tensor.hasRawData {
            let raw = [UInt8](tensor.rawData)
            guard raw.count == count * width else {
                throw ImportFlaw("\(what) has shape \(shape) (\(count) integers, \(count * width) bytes) but \(raw.count) bytes of raw_data")
            }
            let values = (0..<count).map { index -> Int64 in
                var value: UInt64 = 0
                for byte in 0..<width { value |= UInt64(raw[index * width + byte]) << (8 * UInt64(byte)) }
                return width == 8 ? Int64(bitPattern: value) : Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: value)))
            }
            return (shape, values)
        }
        let values = width == 8 ? tensor.int64Data : tensor.int32Data.map { Int64($0) }
        guard values.count == count else {
            throw ImportFlaw("\(what) has shape \(shape) (\(count) integers) but \(values.count) stored values")
        }
        return (shape, values)
    }
}

extension ONNXGraph.Node {
    /// An attribute that must be a single integer, or `defaultValue` when absent.
    func int(_ key: String, default defaultValue: Int) throws(ImportFlaw) -> Int {
        guard let attribute = attributes[key] else { return defaultValue }
        guard attribute.type == .int || (attribute.type == .undefined && attribute.hasI) else {
            throw ImportFlaw("\(label): attribute '\(key)' should be an integer, found \(attribute.type)")
        }
        guard attribute.i >= -(1 << 40), attribute.i <= 1 << 40 else {
            throw ImportFlaw("\(label): attribute '\(key)' = \(attribute.i) is out of range")
        }
        return Int(attribute.i)
    }

    /// An attribute that must be a list of integers, or nil when absent.
    func ints(_ key: String) throws(ImportFlaw) -> [Int]? {
        guard let attribute = attributes[key] else { return nil }
        guard attribute.type == .ints || (attribute.type == .undefined && !attribute.ints.isEmpty) else {
            throw ImportFlaw("\(label): attribute '\(key)' should be a list of integers, found \(attribute.type)")
        }
        guard attribute.ints.count <= ONNXGraph.maximumRank * 2,
              attribute.ints.allSatisfy({ $0 >= -(1 << 40) && $0 <= 1 << 40 }) else {
            throw ImportFlaw("\(label): attribute '\(key)' = \(attribute.ints.prefix(16)) is out of range")
        }
        return attribute.ints.map { Int($0) }
    }

    /// An attribute that must be a single float, or `defaultValue` when absent.
    func float(_ key: String, default defaultValue: Float) throws(ImportFlaw) -> Float {
        guard let attribute = attributes[key] else { return defaultValue }
        guard attribute.type == .float || (attribute.type == .undefined && attribute.hasF) else {
            throw ImportFlaw("\(label): attribute '\(key)' should be a float, found \(attribute.type)")
        }
        return attribute.f
    }

    /// An attribute that must be a string, or `defaultValue` when absent.
    func string(_ key: String, default defaultValue: String) throws(ImportFlaw) -> String {
        guard let attribute = attributes[key] else { return defaultValue }
        guard attribute.type == .string || (attribute.type == .undefined && attribute.hasS) else {
            throw ImportFlaw("\(label): attribute '\(key)' should be a string, found \(attribute.type)")
        }
        return String(decoding: attribute.s.prefix(64), as: UTF8.self)
    }

    /// Refuses any attribute outside `known`, naming it and the ones the importer reads.
    func checkAttributes(_ known: Set<String>) throws(ImportFlaw) {
        if let unknown = attributes.keys.sorted().first(where: { !known.contains($0) }) {
            let list = known.isEmpty ? "none" : known.sorted().joined(separator: ", ")
            throw ImportFlaw("\(label): attribute \(quoted(unknown)) is not supported (supported for \(op): \(list))")
        }
    }

    /// The input at `position`, or nil when the node has fewer inputs or leaves it out ("").
    func input(_ position: Int) -> String? {
        position < inputs.count && !inputs[position].isEmpty ? inputs[position] : nil
    }

    /// The node's first output: every op the importer reads has one (more are refused).
    func singleOutput() throws(ImportFlaw) -> String {
        let used = outputs.filter { !$0.isEmpty }
        guard let first = outputs.first, !first.isEmpty else { throw ImportFlaw("\(label) has no output") }
        guard used.count == 1 || (op == "Dropout" && outputs.count <= 2)
                || (op == "BatchNormalization" && used.count == 1) else {
            throw ImportFlaw("\(label) has \(used.count) outputs; only its first, the result, can be imported")
        }
        return first
    }
}
