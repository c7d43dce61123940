// The interpolation and border options of warpAffine, and OpenCV's borderInterpolate rule that maps
// an index outside the image back inside. The warps themselves live in WarpAffine.swift.

/// How a warp reads between pixels.
public enum Interpolation: Sendable, Hashable, CaseIterable {
    /// The pixel nearest to the source point (OpenCV's `INTER_NEAREST`); exact halves round up.
    case nearest
    /// Bilinear: the 2x2 neighbourhood weighted by `(1 - fx)(1 - fy)`, `fx (1 - fy)`, `(1 - fx) fy`,
    /// `fx fy` (OpenCV's `INTER_LINEAR`, the default of `cv2.warpAffine`).
    case linear
    /// Bicubic: the 4x4 neighbourhood weighted by Keys' cubic kernel with a = -0.75, OpenCV's value
    /// (`INTER_CUBIC`), so results match OpenCV rather than the a = -0.5 of other libraries.
    case cubic
}

/// What a warp reads where the source point's neighbourhood leaves the image (OpenCV's border types).
///
/// For an image of length n along an axis, an index p outside 0..<n reads (`abcdefgh` is a row):
///
///     constant(v)   vvvvvv|abcdefgh|vvvvvv   the tap takes the value v      (BORDER_CONSTANT)
///     replicate     aaaaaa|abcdefgh|hhhhhh   p clamped to 0...n-1            (BORDER_REPLICATE)
///     reflect       fedcba|abcdefgh|hgfedc   mirrored, edge repeated         (BORDER_REFLECT)
///     reflect101    gfedcb|abcdefgh|gfedcb   mirrored about the edge pixel   (BORDER_REFLECT_101)
///     wrap          cdefgh|abcdefgh|abcdef   periodic                        (BORDER_WRAP)
///
/// An image of length 1 reads its only pixel under `reflect` and `reflect101`, as OpenCV does.
public enum BorderMode: Sendable, Hashable {
    /// Taps outside the image take `value`; `.constant(0)` is `cv2.warpAffine`'s default. For UInt8
    /// images the value is rounded half to even and saturated to 0...255 (OpenCV's `saturate_cast`).
    case constant(Double)
    /// The nearest edge pixel.
    case replicate
    /// Mirror image including the edge pixel.
    case reflect
    /// Mirror image about the edge pixel, which is not repeated; OpenCV's `BORDER_DEFAULT`.
    case reflect101
    /// The image repeats periodically.
    case wrap

    /// The mode as an integer-only rule; the constant's value travels separately.
    var rule: BorderRule {
        switch self {
        case .constant: .constant
        case .replicate: .replicate
        case .reflect: .reflect
        case .reflect101: .reflect101
        case .wrap: .wrap
        }
    }

    /// The constant border value (0 for the other modes, where it is never read).
    var constantValue: Double {
        if case .constant(let value) = self { return value }
        return 0
    }
}

/// `BorderMode` without its payload, cheap to pass into inner loops.
enum BorderRule: Sendable {
    case constant, replicate, reflect, reflect101, wrap

    /// OpenCV's `borderInterpolate(p, n, borderType)`: the index inside 0..<n that `p` reads, or -1
    /// for a constant border (the tap takes the border value). Closed forms of OpenCV's loops:
    /// reflect101 is periodic with period 2(n - 1), reflect with period 2n, wrap with period n.
    @inline(__always)
    func index(_ p: Int, count n: Int) -> Int {
        if p >= 0 && p < n { return p }
        switch self {
        case .constant:
            return -1
        case .replicate:
            return p < 0 ? 0 : n - 1
        case .reflect101:
            if n == 1 { return 0 }
            let period = 2 * n - 2
            var q = p % period
            if q < 0 { q += period }
            return q < n ? q : period - q
        case .reflect:
            if n == 1 { return 0 }
            let period = 2 * n
            var q = p % period
            if q < 0 { q += period }
            return q < n ? q : period - 1 - q
        case .wrap:
            var q = p % n
            if q < 0 { q += n }
            return q
        }
    }
}
