// Small constructors of the ONNX protobuf messages export writes: tensors (raw little-endian
// data), attributes and value infos with a symbolic batch. No graph logic here.

import Foundation
import PerceptronTensor

enum ExportProto {
    /// The symbolic batch dimension of inputs, outputs and every value: `N`.
    static let batchDimension = "N"

    /// A float32 tensor holding `tensor`'s values bit for bit, as little-endian `raw_data`.
    static func floatTensor(_ name: String, _ tensor: Tensor) -> Onnx_TensorProto {
        floatTensor(name, shape: tensor.shape, scalars: tensor.scalars)
    }

    /// A float32 tensor of `shape` (`[]` for a scalar) holding `scalars`, as little-endian `raw_data`.
    static func floatTensor(_ name: String, shape: [Int], scalars: [Float]) -> Onnx_TensorProto {
        precondition(shape.reduce(1, *) == scalars.count, "tensor '\(name)' of shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        var bytes = Data(capacity: scalars.count * 4)
        for value in scalars {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = shape.map(Int64.init)
        proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        proto.rawData = bytes
        return proto
    }

    /// A one-axis int64 tensor holding `values`, as little-endian `raw_data` (Reshape's shape).
    static func int64Tensor(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var bytes = Data(capacity: values.count * 8)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = [Int64(values.count)]
        proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        proto.rawData = bytes
        return proto
    }

    // x: [d0, d1, ...] -> y: [d_p0, d_p1, ...], y[i0, i1, ...] = x at the index whose axis p_k is i_k
    /// `tensor` with its axes reordered: axis `k` of the result is axis `permutation[k]` of
    /// `tensor` (numpy's `transpose`); a Conv2D kernel `[KH, KW, C, F]` with `[3, 2, 0, 1]`
    /// becomes ONNX's `[F, C, KH, KW]`.
    static func permuted(_ tensor: Tensor, to permutation: [Int]) -> Tensor {
        let shape = tensor.shape
        precondition(permutation.sorted() == Array(shape.indices), "permutation \(permutation) does not fit shape \(shape)")
        let outputShape = permutation.map { shape[$0] }
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropLast().reversed() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        let source = tensor.scalars
        var result = [Float](repeating: 0, count: source.count)
        var index = [Int](repeating: 0, count: shape.count)
        for position in result.indices {
            var offset = 0
            for (k, axis) in permutation.enumerated() { offset += index[k] * strides[axis] }
            result[position] = source[offset]
            // The next index of the result, last axis fastest.
            var k = shape.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < outputShape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return Tensor(shape: outputShape, scalars: result)
    }

    /// An integer attribute.
    static func attribute(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    /// A list-of-integers attribute.
    static func attribute(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    /// A float attribute.
    static func attribute(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }

    /// A float32 tensor value of shape `[N, ...batchShape]`, `N` symbolic.
    static func valueInfo(_ name: String, batchShape: [Int]) -> Onnx_ValueInfoProto {
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = batchDimension
        let dims = [batch] + batchShape.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(size)
            return dimension
        }
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensorType.shape.dim = dims
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }
}
