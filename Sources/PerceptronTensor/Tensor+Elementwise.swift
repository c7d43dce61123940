// Element-wise arithmetic and maths functions: tensor-tensor (equal shapes, or a trailing
// shape repeated over the leading axes, e.g. a row vector over a batch) and tensor-scalar.

import Foundation

extension Tensor {
    /// Applies `op` element-wise. Shapes must be equal, or one must be a suffix of the other
    /// (`[C]` over `[N, C]`, `[H, W]` over `[N, H, W]`), in which case the smaller repeats.
    @inlinable
    static func broadcasting(_ lhs: Tensor, _ rhs: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
        if lhs.shape == rhs.shape {
            var result = Tensor(uninitializedShape: lhs.shape)
            result.withUnsafeMutableBufferPointer { out in
                lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in
                    for i in 0..<out.count { out[i] = op(a[i], b[i]) }
                } }
            }
            return result
        }
        let rhsRepeats = rhs.shape.count < lhs.shape.count && Array(lhs.shape.suffix(rhs.shape.count)) == rhs.shape
        let lhsRepeats = lhs.shape.count < rhs.shape.count && Array(rhs.shape.suffix(lhs.shape.count)) == lhs.shape
        precondition(rhsRepeats || lhsRepeats,
                     "shapes \(lhs.shape) and \(rhs.shape) do not broadcast: equal shapes or a trailing shape expected")
        let shape = rhsRepeats ? lhs.shape : rhs.shape
        var result = Tensor(uninitializedShape: shape)
        result.withUnsafeMutableBufferPointer { out in
            lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in
                if rhsRepeats {
                    let period = b.count
                    guard period > 0 else { return }
                    for i in 0..<out.count { out[i] = op(a[i], b[i % period]) }
                } else {
                    let period = a.count
                    guard period > 0 else { return }
                    for i in 0..<out.count { out[i] = op(a[i % period], b[i]) }
                }
            } }
        }
        return result
    }

    /// `transform` applied to every scalar.
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        var result = Tensor(uninitializedShape: shape)
        result.withUnsafeMutableBufferPointer { out in
            withUnsafeBufferPointer { source in for i in 0..<out.count { out[i] = transform(source[i]) } }
        }
        return result
    }

    /// Element-wise sum: equal shapes, or one a trailing shape of the other, which repeats (`[C]` over `[N, C]`).
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, +) }
    /// Element-wise difference: equal shapes, or one a trailing shape of the other, which repeats (`[C]` over `[N, C]`).
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, -) }
    /// Element-wise product: equal shapes, or one a trailing shape of the other, which repeats (`[C]` over `[N, C]`).
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, *) }
    /// Element-wise quotient: equal shapes, or one a trailing shape of the other, which repeats (`[C]` over `[N, C]`).
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, /) }

    /// `rhs` added to every scalar.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
    /// `rhs` subtracted from every scalar.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
    /// Every scalar times `rhs`.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Every scalar divided by `rhs`.
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 / rhs } }
    /// `lhs` added to every scalar.
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs + $0 } }
    /// `lhs` minus each scalar.
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }
    /// `lhs` times every scalar.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    /// Every scalar negated.
    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    /// Adds `rhs` in place; shapes must be equal.
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.addInPlace(rhs, scale: 1) }
    /// Subtracts `rhs` in place; shapes must be equal.
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.addInPlace(rhs, scale: -1) }
    /// Multiplies every scalar by `rhs`, in place.
    public static func *= (lhs: inout Tensor, rhs: Float) {
        lhs.withUnsafeMutableBufferPointer { out in for i in 0..<out.count { out[i] *= rhs } }
    }

    /// `self += scale * other` for tensors of equal shape, in place.
    public mutating func addInPlace(_ other: Tensor, scale: Float) {
        precondition(shape == other.shape, "in-place add needs equal shapes, got \(shape) and \(other.shape)")
        withUnsafeMutableBufferPointer { out in
            other.withUnsafeBufferPointer { source in for i in 0..<out.count { out[i] += scale * source[i] } }
        }
    }

    /// Sets every scalar to `value`, in place.
    public mutating func fill(_ value: Float) {
        withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    /// `e^x` element-wise.
    public func exp() -> Tensor { map { Foundation.exp($0) } }
    /// Natural logarithm element-wise.
    public func log() -> Tensor { map { Foundation.log($0) } }
    /// Square root element-wise.
    public func squareRoot() -> Tensor { map { $0.squareRoot() } }
    /// Each scalar squared.
    public func squared() -> Tensor { map { $0 * $0 } }
    /// Each scalar limited to `range`.
    public func clipped(to range: ClosedRange<Float>) -> Tensor {
        map { Swift.min(Swift.max($0, range.lowerBound), range.upperBound) }
    }

    /// Whether every scalar is finite (no NaN, no infinity).
    public var isFinite: Bool { withUnsafeBufferPointer { $0.allSatisfy(\.isFinite) } }
}
