// The Float32 tensor: a shape over row-major, copy-on-write storage. Shape handling,
// element-wise maths, reductions and GEMM live in the Tensor+*.swift extensions.

/// Heap storage of a tensor's scalars. Shared between tensor values until one of them
/// mutates (copy-on-write); never exposed.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    @usableFromInline init(count: Int) {
        self.count = count
        // 64-byte alignment keeps SIMD loads and BLAS panels on cache-line boundaries.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    @usableFromInline func copy() -> TensorStorage {
        let other = TensorStorage(count: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit { pointer.deallocate() }
}

/// An n-dimensional array of `Float`, row-major, with value semantics.
///
/// Copies are cheap: storage is shared until one copy is mutated. Shapes are checked with
/// preconditions whose messages give the shapes received. Axis letters used in comments
/// across the package: N batch, D features, H/W spatial, C channels, K classes.
public struct Tensor: Sendable {
    /// The size of each dimension, outermost first; `[]` is a scalar.
    public internal(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// The number of scalars, the product of `shape`.
    @inlinable public var count: Int { storage.count }
    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// A tensor of `shape` with every scalar equal to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        let count = Tensor.elementCount(shape)
        storage = TensorStorage(count: count)
        storage.pointer.initialize(repeating: value, count: count)
        self.shape = shape
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        let count = Tensor.elementCount(shape)
        precondition(scalars.count == count,
                     "Tensor of shape \(shape) needs \(count) scalars, got \(scalars.count)")
        let storage = TensorStorage(count: count)
        if count > 0 {
            scalars.withUnsafeBufferPointer { storage.pointer.initialize(from: $0.baseAddress!, count: count) }
        }
        self.storage = storage
        self.shape = shape
    }

    /// A rank-1 tensor of `scalars`.
    public init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A rank-2 tensor from rows of equal length.
    public init(rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "Tensor(rows:) needs rows of equal length")
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// A tensor whose scalars are left uninitialised; callers must write every scalar.
    @usableFromInline init(uninitializedShape shape: [Int]) {
        storage = TensorStorage(count: Tensor.elementCount(shape))
        self.shape = shape
    }

    /// A shared tensor of shape `[0]`: a placeholder that costs no allocation.
    public static let empty = Tensor(shape: [0], repeating: 0)

    /// A tensor of `shape` filled with zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    /// A tensor of `shape` filled with ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// The product of `shape`, checking every dimension is non-negative.
    public static func elementCount(_ shape: [Int]) -> Int {
        var count = 1
        for dimension in shape {
            precondition(dimension >= 0, "Tensor dimensions must be non-negative, got shape \(shape)")
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            precondition(!overflow, "Tensor shape \(shape) has too many elements")
            count = product
        }
        return count
    }

    /// All scalars, row-major.
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// The single scalar of a tensor with one element.
    public var scalar: Float {
        precondition(count == 1, "scalar needs a tensor of one element, got shape \(shape)")
        return storage.pointer[0]
    }

    /// Read access to the scalars, row-major.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Write access to the scalars; copies the storage first if it is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Whether this value is the only owner of its storage (writes will not copy).
    @inlinable public mutating func isUniquelyOwned() -> Bool { isKnownUniquelyReferenced(&storage) }

    /// Makes `buffer` a tensor of `shape` that this caller owns alone, reusing its storage
    /// when the shape matches and nobody else holds it. The contents are unspecified.
    ///
    /// Layers keep their outputs in such buffers so that a training step allocates nothing
    /// once the shapes have been seen.
    @inlinable
    public static func reuse(_ buffer: inout Tensor, shape: [Int]) {
        if buffer.shape == shape && isKnownUniquelyReferenced(&buffer.storage) { return }
        buffer = Tensor(uninitializedShape: shape)
    }

    /// The scalar at a full index.
    public subscript(indices: Int...) -> Float {
        get { storage.pointer[flatIndex(indices)] }
        set {
            let index = flatIndex(indices)
            withUnsafeMutableBufferPointer { $0[index] = newValue }
        }
    }

    @usableFromInline func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "index \(indices) does not match shape \(shape)")
        var flat = 0
        for (index, dimension) in zip(indices, shape) {
            precondition(index >= 0 && index < dimension, "index \(indices) is out of range for shape \(shape)")
            flat = flat * dimension + index
        }
        return flat
    }
}

extension Tensor: Equatable {
    /// Equal shapes and bit-for-bit equal scalars (NaN never equals NaN).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        return lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and, for small tensors, the scalars.
    public var description: String {
        let values = count <= 64 ? scalars.map { String($0) }.joined(separator: ", ")
            : scalars.prefix(8).map { String($0) }.joined(separator: ", ") + ", ..."
        return "Tensor(shape: \(shape), [\(values)])"
    }
}
