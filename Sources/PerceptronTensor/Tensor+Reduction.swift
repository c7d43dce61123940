// Reductions along one axis (sum, mean, max, argmax) and over the whole tensor.
// Every axis reduction views the shape as [outer, axis, inner] and walks it once.

extension Tensor {
    /// `(outer, length, inner)` sizes around `axis`.
    func axisLayout(_ axis: Int) -> (outer: Int, length: Int, inner: Int, resolved: Int) {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "axis \(axis) is out of range for shape \(shape)")
        let outer = shape[..<resolved].reduce(1, *)
        let inner = shape[(resolved + 1)...].reduce(1, *)
        return (outer, shape[resolved], inner, resolved)
    }

    private func reduced(axis: Int, keepingDimension: Bool, initial: Float,
                         _ combine: (Float, Float) -> Float) -> Tensor {
        let (outer, length, inner, resolved) = axisLayout(axis)
        var resultShape = shape
        if keepingDimension { resultShape[resolved] = 1 } else { resultShape.remove(at: resolved) }
        var result = Tensor(shape: resultShape, repeating: initial)
        result.withUnsafeMutableBufferPointer { out in
            withUnsafeBufferPointer { source in
                for o in 0..<outer {
                    for l in 0..<length {
                        let base = (o * length + l) * inner
                        for i in 0..<inner { out[o * inner + i] = combine(out[o * inner + i], source[base + i]) }
                    }
                }
            }
        }
        return result
    }

    /// Sum along `axis` (negative counts from the end); the axis is removed unless kept.
    public func sum(axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduced(axis: axis, keepingDimension: keepingDimension, initial: 0, +)
    }

    /// Mean along `axis`.
    public func mean(axis: Int, keepingDimension: Bool = false) -> Tensor {
        let length = axisLayout(axis).length
        return sum(axis: axis, keepingDimension: keepingDimension) / Float(Swift.max(length, 1))
    }

    /// Maximum along `axis`.
    public func max(axis: Int, keepingDimension: Bool = false) -> Tensor {
        precondition(axisLayout(axis).length > 0, "max along an empty axis of shape \(shape)")
        return reduced(axis: axis, keepingDimension: keepingDimension, initial: -.infinity) { Swift.max($0, $1) }
    }

    /// Index of the maximum along `axis`; the first one wins ties (as numpy and Keras).
    public func argmax(axis: Int) -> [Int] {
        let (outer, length, inner, _) = axisLayout(axis)
        precondition(length > 0, "argmax along an empty axis of shape \(shape)")
        var result = [Int](repeating: 0, count: outer * inner)
        withUnsafeBufferPointer { source in
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = source[o * length * inner + i]
                    var bestIndex = 0
                    for l in 1..<length {
                        let value = source[(o * length + l) * inner + i]
                        if value > best || (best.isNaN && !value.isNaN) { best = value; bestIndex = l }
                    }
                    result[o * inner + i] = bestIndex
                }
            }
        }
        return result
    }

    /// Sum of all scalars, accumulated in Double.
    public func sum() -> Float {
        withUnsafeBufferPointer { Float($0.reduce(0.0) { $0 + Double($1) }) }
    }

    /// Mean of all scalars.
    public func mean() -> Float { count == 0 ? .nan : sum() / Float(count) }

    /// Largest scalar.
    public func max() -> Float { withUnsafeBufferPointer { $0.max() ?? -.infinity } }

    /// Smallest scalar.
    public func min() -> Float { withUnsafeBufferPointer { $0.min() ?? .infinity } }
}
