// warpAffine, OpenCV's contract: one generic set of entry points for UInt8 and Float images, into new
// images, into a caller's image or into raw buffers. The pixel loops live in WarpFixedPoint.swift
// (UInt8) and WarpFloat.swift (Float), each behind its type's `WarpPixel` conformance.

/// The matrix the pixel loops use, destination to source: `matrix` itself under `inverseMap`
/// (OpenCV's `WARP_INVERSE_MAP`), otherwise its inverse computed as OpenCV's `warpAffine` does
/// (the operations of `AffineMatrix.inverted()`).
@inline(__always)
func destinationToSource(_ matrix: AffineMatrix, inverseMap: Bool) -> AffineMatrix {
    inverseMap ? matrix : matrix.inverted()
}

/// Checks the sizes and that the two buffers do not overlap (OpenCV cannot warp in place either).
@inline(__always)
func checkWarpBuffers<T>(_ source: UnsafeBufferPointer<T>, width: Int, height: Int,
                         _ destination: UnsafeMutableBufferPointer<T>, size: (width: Int, height: Int)) {
    precondition(width > 0 && height > 0, "warpAffine needs a non-empty source image, got \(width)x\(height)")
    precondition(source.count == width * height,
                 "warpAffine source of \(width)x\(height) needs \(width * height) pixels, got \(source.count)")
    precondition(size.width >= 0 && size.height >= 0,
                 "warpAffine output size must be non-negative, got \(size.width)x\(size.height)")
    precondition(destination.count == size.width * size.height,
                 "warpAffine output of \(size.width)x\(size.height) needs \(size.width * size.height) pixels, "
                 + "got \(destination.count)")
    if let s = source.baseAddress, let d = destination.baseAddress, !source.isEmpty, !destination.isEmpty {
        let disjoint = UnsafePointer(d) >= s + source.count || s >= UnsafePointer(d) + destination.count
        precondition(disjoint, "warpAffine cannot write into its own source buffer")
    }
}

/// A pixel type `warpAffine` can warp: `UInt8` through OpenCV's fixed-point kernel
/// (WarpFixedPoint.swift), `Float` through exact Double arithmetic (WarpFloat.swift).
public protocol WarpPixel: GreyPixel {
    /// The pixel loop behind `warpAffine` for this type, on buffers `warpAffine` has already
    /// checked (sizes, no overlap): fills `destination` (`size`) from `source` (`width` x `height`)
    /// with `map`, which takes destination points to source points. Call `warpAffine` instead.
    static func warpPixels(_ source: UnsafeBufferPointer<Self>, width: Int, height: Int, map: AffineMatrix,
                           into destination: UnsafeMutableBufferPointer<Self>, size: (width: Int, height: Int),
                           interpolation: Interpolation, border: BorderMode)
}

/// OpenCV's `cv2.warpAffine(src, M, dsize, flags, borderMode, borderValue)` for grey UInt8 and
/// Float images.
///
/// `dst(x, y) = src(m00 x + m01 y + m02, m10 x + m11 y + m12)` where `m` is `matrix` when
/// `inverseMap` is true (it maps destination to source) and otherwise `matrix.inverted()` (it maps
/// source to destination, OpenCV's default). Neighbourhoods that leave the image follow `border`
/// (see `BorderMode`); under `.constant(v)` a neighbourhood wholly outside gives v and outside taps
/// read v.
///
/// **UInt8** equals OpenCV 4.x bit for bit (the opencv-python wheels 4.5.5, 4.10, 4.11 and 4.12 give
/// the same outputs on x86-64). OpenCV 5.0 replaced this kernel and does not match it: on the lesson's
/// digit, 130 of 784 pixels differ by up to 5 grey levels (linear), and nearest breaks exact halves
/// differently. The source point is quantised as OpenCV quantises it: per row
/// `X0 = cvRound((m01 y + m02) * 1024)`, per column `cvRound(m00 x * 1024)`, summed in Int32 and cut
/// to 1/32 pixel (nearest rounds to the pixel: +512, then `>> 10`); the 2x2 or 4x4 neighbourhood is
/// weighted by OpenCV's 15-bit integer tables (`WarpTables`) and the sum becomes
/// `(sum + 16384) >> 15`, saturated to 0...255. Sides, source and output, must be under 32767
/// pixels (OpenCV's `remap` limit: coordinates are Int16).
///
/// **Float** has no fixed-point quantisation, so results vary smoothly with the matrix. The source
/// point `(sx, sy)` is computed in Double; with `x0 = floor(sx)`, `tx = sx - x0` (y alike):
///
///     nearest: src(floor(sx + 0.5), floor(sy + 0.5))
///     linear:  (1 - ty) ((1 - tx) s00 + tx s01) + ty ((1 - tx) s10 + tx s11),  sij = src(x0 + j, y0 + i)
///     cubic:   sum over i, j in 0...3 of W(ty + 1 - i) W(tx + 1 - j) src(x0 - 1 + j, y0 - 1 + i),
///              W Keys' kernel with a = -0.75 (see `Interpolation.cubic`)
///
/// in Double, rounded once to Float. They differ from OpenCV's 32F warp, which snaps the point to
/// 1/32 pixel, by up to about the image gradient times 1/64 pixel. A constant border value is used
/// unrounded (UInt8 rounds it half to even and saturates it to 0...255).
///
/// - Parameters:
///   - image: the source, at least 1x1.
///   - matrix: the 2x3 matrix, source to destination unless `inverseMap`.
///   - size: the output `(width, height)`, OpenCV's `dsize`; nil (the default) keeps the source's.
///   - interpolation: `.linear` by default, as `cv2.warpAffine`.
///   - border: `.constant(0)` by default, as `cv2.warpAffine`.
///   - inverseMap: OpenCV's `WARP_INVERSE_MAP`; false by default.
/// - Returns: a `size.width` x `size.height` image.
public func warpAffine<Pixel: WarpPixel>(_ image: GreyImage<Pixel>, _ matrix: AffineMatrix,
                                         size: (width: Int, height: Int)? = nil,
                                         interpolation: Interpolation = .linear, border: BorderMode = .constant(0),
                                         inverseMap: Bool = false) -> GreyImage<Pixel> {
    let size = size ?? (image.width, image.height)
    precondition(size.width >= 0 && size.height >= 0,
                 "warpAffine output size must be non-negative, got \(size.width)x\(size.height)")
    var output = GreyImage<Pixel>(width: size.width, height: size.height)
    warpAffine(image, matrix, interpolation: interpolation, border: border, inverseMap: inverseMap, into: &output)
    return output
}

/// `warpAffine` into an existing image, whose width and height are the output size; its pixel
/// storage is reused, so a loop over many images allocates nothing. Same rules as
/// `warpAffine(_:_:size:interpolation:border:inverseMap:)`.
public func warpAffine<Pixel: WarpPixel>(_ image: GreyImage<Pixel>, _ matrix: AffineMatrix,
                                         interpolation: Interpolation = .linear, border: BorderMode = .constant(0),
                                         inverseMap: Bool = false, into destination: inout GreyImage<Pixel>) {
    let size = (destination.width, destination.height)
    image.pixels.withUnsafeBufferPointer { source in
        destination.pixels.withUnsafeMutableBufferPointer { output in
            warpAffine(source, width: image.width, height: image.height, matrix, into: output, size: size,
                       interpolation: interpolation, border: border, inverseMap: inverseMap)
        }
    }
}

/// `warpAffine` on raw row-major buffers: `source` holds `width * height` pixels, `destination`
/// `size.width * size.height`; the two must not overlap. For batches stored in one flat array
/// (an MNIST set, an augmentation buffer). Same rules as
/// `warpAffine(_:_:size:interpolation:border:inverseMap:)`.
public func warpAffine<Pixel: WarpPixel>(_ source: UnsafeBufferPointer<Pixel>, width: Int, height: Int,
                                         _ matrix: AffineMatrix,
                                         into destination: UnsafeMutableBufferPointer<Pixel>,
                                         size: (width: Int, height: Int),
                                         interpolation: Interpolation = .linear, border: BorderMode = .constant(0),
                                         inverseMap: Bool = false) {
    checkWarpBuffers(source, width: width, height: height, destination, size: size)
    Pixel.warpPixels(source, width: width, height: height, map: destinationToSource(matrix, inverseMap: inverseMap),
                     into: destination, size: size, interpolation: interpolation, border: border)
}
