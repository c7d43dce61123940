// Shape changes and row selection: reshape, row ranges, gathers, 2-D transpose.
// Element-wise maths is in Tensor+Elementwise.swift.

extension Tensor {
    /// The same scalars under a new shape of equal element count; one dimension may be -1
    /// and is then inferred. Shares storage (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let resolved = Tensor.resolveShape(newShape, count: count, from: shape)
        var result = self
        result.shape = resolved
        return result
    }

    /// Resolves a single -1 in `newShape` against `count`.
    static func resolveShape(_ newShape: [Int], count: Int, from shape: [Int]) -> [Int] {
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        precondition(inferred.count <= 1, "reshaped(\(newShape)): at most one dimension may be -1")
        var resolved = newShape
        if let index = inferred.first {
            let known = newShape.enumerated().filter { $0.offset != index }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0,
                         "cannot reshape \(shape) (\(count) scalars) to \(newShape)")
            resolved[index] = count / known
        }
        precondition(resolved.allSatisfy { $0 >= 0 } && elementCount(resolved) == count,
                     "cannot reshape \(shape) (\(count) scalars) to \(newShape)")
        return resolved
    }

    /// The tensor viewed as a matrix: the first dimension kept, the rest flattened.
    public func flattenedBatch() -> Tensor {
        precondition(rank >= 1, "flattenedBatch needs rank >= 1, got shape \(shape)")
        return reshaped([shape[0], shape[0] == 0 ? 0 : count / shape[0]])
    }

    /// The number of scalars in one entry along the first axis.
    @inlinable public var rowWidth: Int { shape.isEmpty ? 1 : shape.dropFirst().reduce(1, *) }

    /// Entries `range` along the first axis, copied.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "rows(\(range)) is out of range for shape \(shape)")
        var resultShape = shape
        resultShape[0] = range.count
        var result = Tensor(uninitializedShape: resultShape)
        let width = rowWidth
        result.withUnsafeMutableBufferPointer { out in
            if out.count > 0 { out.baseAddress!.initialize(from: storage.pointer + range.lowerBound * width, count: out.count) }
        }
        return result
    }

    /// Entry `index` along the first axis, with that axis removed.
    public subscript(row index: Int) -> Tensor {
        precondition(rank >= 1 && index >= 0 && index < shape[0], "row \(index) is out of range for shape \(shape)")
        return rows(index..<index + 1).reshaped(Array(shape.dropFirst()))
    }

    /// Entries at `indices` along the first axis, in that order.
    public func gathered(rows indices: [Int]) -> Tensor {
        var resultShape = shape
        resultShape[0] = indices.count
        var result = Tensor(uninitializedShape: resultShape)
        let width = rowWidth
        let limit = shape[0]
        result.withUnsafeMutableBufferPointer { out in
            for (position, index) in indices.enumerated() {
                precondition(index >= 0 && index < limit, "row index \(index) is out of range for shape \(shape)")
                (out.baseAddress! + position * width).initialize(from: storage.pointer + index * width, count: width)
            }
        }
        return result
    }

    /// Rows of several tensors of equal row shape, stacked along the first axis.
    public static func concatenated(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatenated needs at least one tensor")
        let inner = Array(parts[0].shape.dropFirst())
        for part in parts {
            precondition(Array(part.shape.dropFirst()) == inner,
                         "concatenated needs equal row shapes, got \(parts.map(\.shape))")
        }
        var result = Tensor(uninitializedShape: [parts.reduce(0) { $0 + $1.shape[0] }] + inner)
        result.withUnsafeMutableBufferPointer { out in
            var offset = 0
            for part in parts {
                part.withUnsafeBufferPointer { source in
                    if source.count > 0 { (out.baseAddress! + offset).initialize(from: source.baseAddress!, count: source.count) }
                    offset += source.count
                }
            }
        }
        return result
    }

    /// The transpose of a matrix: `[R, C] -> [C, R]`.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix, got shape \(shape)")
        let (r, c) = (shape[0], shape[1])
        var result = Tensor(uninitializedShape: [c, r])
        result.withUnsafeMutableBufferPointer { out in
            let source = storage.pointer
            for i in 0..<r {
                for j in 0..<c { out[j * r + i] = source[i * c + j] }
            }
        }
        return result
    }
}
