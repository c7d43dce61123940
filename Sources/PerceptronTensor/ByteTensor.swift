// Unsigned 8-bit arrays with a shape: images and labels as datasets store them, kept as
// bytes (a quarter of the memory of Float) and converted to `Tensor` batch by batch.

/// A row-major array of `UInt8` with a shape, as IDX files and image datasets hold them.
public struct ByteTensor: Equatable, Sendable {
    /// The size of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// All values, row-major.
    public private(set) var bytes: [UInt8]

    /// A byte tensor of `shape` holding `bytes` row-major.
    public init(shape: [Int], bytes: [UInt8]) {
        precondition(Tensor.elementCount(shape) == bytes.count,
                     "ByteTensor of shape \(shape) needs \(Tensor.elementCount(shape)) bytes, got \(bytes.count)")
        self.shape = shape
        self.bytes = bytes
    }

    /// The number of values: the product of `shape`.
    public var count: Int { bytes.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }
    /// Values in one entry along the first axis.
    public var rowWidth: Int { shape.dropFirst().reduce(1, *) }

    /// The same bytes under a new shape (one dimension may be -1).
    public func reshaped(_ newShape: [Int]) -> ByteTensor {
        ByteTensor(shape: Tensor.resolveShape(newShape, count: count, from: shape), bytes: bytes)
    }

    /// The values as Float (0...255), same shape.
    public func asFloat() -> Tensor {
        var result = Tensor(uninitializedShape: shape)
        result.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { source in
                for i in 0..<source.count { out[i] = Float(source[i]) }
            }
        }
        return result
    }

    /// Entry `index` along the first axis, with that axis removed.
    public subscript(row index: Int) -> ByteTensor {
        precondition(rank >= 1 && index >= 0 && index < shape[0], "row \(index) is out of range for shape \(shape)")
        let width = rowWidth
        return ByteTensor(shape: Array(shape.dropFirst()), bytes: Array(bytes[index * width..<(index + 1) * width]))
    }

    /// Entries `range` along the first axis.
    public func rows(_ range: Range<Int>) -> ByteTensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "rows(\(range)) is out of range for shape \(shape)")
        var newShape = shape
        newShape[0] = range.count
        let width = rowWidth
        return ByteTensor(shape: newShape, bytes: Array(bytes[range.lowerBound * width..<range.upperBound * width]))
    }

    /// The value at a full index.
    public subscript(indices: Int...) -> UInt8 {
        precondition(indices.count == shape.count, "index \(indices) does not match shape \(shape)")
        var flat = 0
        for (index, dimension) in zip(indices, shape) {
            precondition(index >= 0 && index < dimension, "index \(indices) is out of range for shape \(shape)")
            flat = flat * dimension + index
        }
        return bytes[flat]
    }
}
