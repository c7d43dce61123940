// Wrong field types: the protobuf decoder keeps a field whose wire type does not match the
// schema as an unknown field rather than failing. A file where a field the schema knows comes
// with another wire type (a graph written as a number) is damaged; this finds it and says so.
// Field numbers are onnx.proto's (onnx 1.23.2); fields unknown to that schema are left alone,
// so files from newer ONNX versions still read.

import SwiftProtobuf

extension ONNXGraph {
    /// The field numbers the schema defines, per message the importer reads.
    private static let knownFields: [String: Set<Int>] = [
        "ModelProto": [1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25, 26],
        "GraphProto": [1, 2, 5, 10, 11, 12, 13, 14, 15, 16],
        "NodeProto": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        "AttributeProto": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 20, 21, 22, 23],
        "TensorProto": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16],
        "ValueInfoProto": [1, 2, 3, 4],
        "TypeProto": [1, 4, 5, 6, 7, 8, 9],
        "TypeProto.Tensor": [1, 2],
        "TensorShapeProto": [1],
        "TensorShapeProto.Dimension": [1, 2, 3],
        "OperatorSetIdProto": [1, 2],
        "StringStringEntryProto": [1, 2],
    ]

    /// Checks every message the importer reads for a known field of the wrong wire type.
    static func checkFieldTypes(_ model: Onnx_ModelProto) throws(ImportFlaw) {
        try check(model.unknownFields, "ModelProto")
        for entry in model.opsetImport { try check(entry.unknownFields, "OperatorSetIdProto") }
        for entry in model.metadataProps { try check(entry.unknownFields, "StringStringEntryProto") }
        let graph = model.graph
        try check(graph.unknownFields, "GraphProto")
        for tensor in graph.initializer { try check(tensor) }
        for value in graph.input + graph.output { try check(value) }
        for node in graph.node {
            try check(node.unknownFields, "NodeProto")
            for attribute in node.attribute {
                try check(attribute.unknownFields, "AttributeProto")
                if attribute.hasT { try check(attribute.t) }
            }
        }
    }

    private static func check(_ tensor: Onnx_TensorProto) throws(ImportFlaw) {
        try check(tensor.unknownFields, "TensorProto")
        for entry in tensor.externalData { try check(entry.unknownFields, "StringStringEntryProto") }
    }

    private static func check(_ value: Onnx_ValueInfoProto) throws(ImportFlaw) {
        try check(value.unknownFields, "ValueInfoProto")
        try check(value.type.unknownFields, "TypeProto")
        if case .tensorType(let tensor)? = value.type.value {
            try check(tensor.unknownFields, "TypeProto.Tensor")
            try check(tensor.shape.unknownFields, "TensorShapeProto")
            for dim in tensor.shape.dim { try check(dim.unknownFields, "TensorShapeProto.Dimension") }
        }
    }

    /// Walks the tags of a message's unknown fields (which the decoder already framed).
    private static func check(_ unknown: UnknownStorage, _ message: String) throws(ImportFlaw) {
        let bytes = [UInt8](unknown.data)
        guard !bytes.isEmpty, let known = knownFields[message] else { return }
        var position = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.count, shift < 64 {
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        let wireNames = ["varint", "fixed64", "length-delimited", "group start", "group end", "fixed32"]
        while position < bytes.count {
            guard let tag = varint() else { return }
            let field = Int(truncatingIfNeeded: tag >> 3), wire = Int(tag & 7)
            if known.contains(field) {
                let name = wire < wireNames.count ? wireNames[wire] : "wire type \(wire)"
                throw ImportFlaw("not a valid ONNX file (malformed protobuf: field \(field) of \(message) is written as \(name), which is not its type in the ONNX schema)")
            }
            switch wire {
            case 0: guard varint() != nil else { return }
            case 1: position += 8
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count) else { return }
                position += Int(length)
            case 5: position += 4
            default: break
            }
        }
    }
}
