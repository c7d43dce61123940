// The 2x3 affine matrix of the vision module: applying it to points, composing, inverting (with
// OpenCV's exact arithmetic), translation, scaling and shear. Rotation matrices live in RotationMatrix.swift.

/// A 2x3 affine matrix in Double, laid out as OpenCV's `M` (and NumPy's `M[row, column]`):
///
///     [ m00  m01  m02 ]        x' = m00 * x + m01 * y + m02
///     [ m10  m11  m12 ]        y' = m10 * x + m11 * y + m12
///
/// x is the column and y the row, origin at the top-left pixel centre, as in `GreyImage`.
/// The six entries are `var` so a lesson's `M[0, 2] += 3` reads `m.m02 += 3`. Named `AffineMatrix`
/// rather than `AffineTransform` because Foundation already has an `AffineTransform`, and files
/// importing both would have to qualify every use.
public struct AffineMatrix: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Row 0, `x' = m00 x + m01 y + m02`: NumPy's `M[0, 0]`, `M[0, 1]`, `M[0, 2]`.
    public var m00: Double, m01: Double, m02: Double
    /// Row 1, `y' = m10 x + m11 y + m12`: NumPy's `M[1, 0]`, `M[1, 1]`, `M[1, 2]`.
    public var m10: Double, m11: Double, m12: Double

    /// A matrix from its six entries, row by row.
    public init(m00: Double, m01: Double, m02: Double, m10: Double, m11: Double, m12: Double) {
        self.m00 = m00; self.m01 = m01; self.m02 = m02
        self.m10 = m10; self.m11 = m11; self.m12 = m12
    }

    /// A matrix from two rows of three, `[[m00, m01, m02], [m10, m11, m12]]` (NumPy's `M.tolist()`).
    public init(rows: [[Double]]) {
        precondition(rows.count == 2 && rows.allSatisfy { $0.count == 3 },
                     "AffineMatrix takes 2 rows of 3 entries, got \(rows.map(\.count))")
        self.init(m00: rows[0][0], m01: rows[0][1], m02: rows[0][2],
                  m10: rows[1][0], m11: rows[1][1], m12: rows[1][2])
    }

    /// The identity, `[[1, 0, 0], [0, 1, 0]]`.
    public static let identity = AffineMatrix(m00: 1, m01: 0, m02: 0, m10: 0, m11: 1, m12: 0)

    /// The six entries row by row: `[m00, m01, m02, m10, m11, m12]` (OpenCV's `M.ptr<double>()` order).
    public var entries: [Double] { [m00, m01, m02, m10, m11, m12] }

    /// The matrix as nested rows, `[[m00, m01, m02], [m10, m11, m12]]`.
    public var description: String { "[[\(m00), \(m01), \(m02)], [\(m10), \(m11), \(m12)]]" }

    /// The image of a point: `(m00 x + m01 y + m02, m10 x + m11 y + m12)`, evaluated left to right in Double.
    @inlinable public func apply(to point: (x: Double, y: Double)) -> (x: Double, y: Double) {
        (m00 * point.x + m01 * point.y + m02, m10 * point.x + m11 * point.y + m12)
    }

    /// The determinant of the linear part, `m00 m11 - m01 m10`.
    public var determinant: Double { m00 * m11 - m01 * m10 }

    /// The matrix product `self * other` of the 3x3 completions (bottom row `[0, 0, 1]`): the
    /// transform that applies `other` first and then `self`, as NumPy's `A @ B`.
    ///
    ///     (A B).m00 = a00 b00 + a01 b10        (A B).m02 = a00 b02 + a01 b12 + a02
    ///     (A B).m10 = a10 b00 + a11 b10        (A B).m12 = a10 b02 + a11 b12 + a12
    ///     (and m01, m11 as m00, m10 with column 1 of B)
    public static func * (a: AffineMatrix, b: AffineMatrix) -> AffineMatrix {
        AffineMatrix(
            m00: a.m00 * b.m00 + a.m01 * b.m10,
            m01: a.m00 * b.m01 + a.m01 * b.m11,
            m02: a.m00 * b.m02 + a.m01 * b.m12 + a.m02,
            m10: a.m10 * b.m00 + a.m11 * b.m10,
            m11: a.m10 * b.m01 + a.m11 * b.m11,
            m12: a.m10 * b.m02 + a.m11 * b.m12 + a.m12)
    }

    /// The transform that applies `self` first and then `next`: `next * self`
    /// (the order of CoreGraphics' `concatenating`), so
    /// `a.concatenating(b).apply(to: p) == b.apply(to: a.apply(to: p))` up to rounding.
    public func concatenating(_ next: AffineMatrix) -> AffineMatrix { next * self }

    /// The inverse as OpenCV's `invertAffineTransform` computes it, bit for bit:
    ///
    ///     D = m00 m11 - m01 m10;   D = D != 0 ? 1 / D : 0
    ///     A11 = m11 D   A12 = -m01 D   A21 = -m10 D   A22 = m00 D
    ///     b1 = -A11 m02 - A12 m12      b2 = -A21 m02 - A22 m12
    ///     inverse = [[A11, A12, b1], [A21, A22, b2]]
    ///
    /// A singular matrix (D == 0) gives the all-zero matrix, as OpenCV does, rather than trapping;
    /// `warpAffine` without `inverseMap` inverts with exactly these operations.
    public func inverted() -> AffineMatrix {
        var d = m00 * m11 - m01 * m10
        d = d != 0 ? 1 / d : 0
        let a11 = m11 * d, a22 = m00 * d, a12 = -m01 * d, a21 = -m10 * d
        let b1 = -a11 * m02 - a12 * m12
        let b2 = -a21 * m02 - a22 * m12
        return AffineMatrix(m00: a11, m01: a12, m02: b1, m10: a21, m11: a22, m12: b2)
    }

    /// The translation `[[1, 0, tx], [0, 1, ty]]`: x' = x + tx, y' = y + ty.
    public static func translation(x tx: Double, y ty: Double) -> AffineMatrix {
        AffineMatrix(m00: 1, m01: 0, m02: tx, m10: 0, m11: 1, m12: ty)
    }

    /// Scaling by `sx` along x and `sy` along y about `center` (default the origin):
    /// `[[sx, 0, (1 - sx) cx], [0, sy, (1 - sy) cy]]`, so the centre stays put.
    public static func scaling(x sx: Double, y sy: Double,
                               about center: (x: Double, y: Double) = (0, 0)) -> AffineMatrix {
        AffineMatrix(m00: sx, m01: 0, m02: (1 - sx) * center.x, m10: 0, m11: sy, m12: (1 - sy) * center.y)
    }

    /// Uniform scaling by `factor` about `center`: `scaling(x: factor, y: factor, about: center)`.
    public static func scaling(by factor: Double, about center: (x: Double, y: Double) = (0, 0)) -> AffineMatrix {
        scaling(x: factor, y: factor, about: center)
    }

    /// A shear about `center` (default the origin): x' = x + kx (y - cy), y' = y + ky (x - cx),
    /// the matrix `[[1, kx, -kx cy], [ky, 1, -ky cx]]`. `kx` slants vertical lines (positive: the
    /// bottom moves right), `ky` slants horizontal lines.
    public static func shear(x kx: Double, y ky: Double = 0,
                             about center: (x: Double, y: Double) = (0, 0)) -> AffineMatrix {
        AffineMatrix(m00: 1, m01: kx, m02: -kx * center.y, m10: ky, m11: 1, m12: -ky * center.x)
    }
}

/// OpenCV's `cv2.invertAffineTransform(M)`: `matrix.inverted()`, with the same operations bit for bit
/// (see `AffineMatrix.inverted()`); a singular matrix gives all zeros.
public func invertAffineTransform(_ matrix: AffineMatrix) -> AffineMatrix {
    matrix.inverted()
}
