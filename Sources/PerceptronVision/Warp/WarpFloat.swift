// The Float warp: exact source coordinates and exact bilinear / Keys bicubic weights in Double, with
// the same border rules as the 8-bit warp, behind Float's `WarpPixel` conformance. No fixed point;
// OpenCV's own Float path is not reproduced.

/// Keys' cubic convolution kernel with a = -0.75 (OpenCV's A), at distance `d` from a tap:
///
///     W(d) = (a + 2)|d|^3 - (a + 3)|d|^2 + 1         for |d| <= 1
///     W(d) = a|d|^3 - 5a|d|^2 + 8a|d| - 4a           for 1 < |d| < 2
///     W(d) = 0                                        otherwise
@inline(__always)
func keysCubic(_ d: Double) -> Double {
    let a = -0.75
    let t = abs(d)
    if t <= 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
    if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
    return 0
}

/// Source coordinates beyond this magnitude (and NaN) are clamped here: far outside any image,
/// and small enough for `Int` arithmetic.
let floatWarpCoordinateLimit = 1e12

/// `v` clamped to +-`floatWarpCoordinateLimit`; NaN becomes the lower limit.
@inline(__always)
func clampedCoordinate(_ v: Double) -> Double {
    !(v > -floatWarpCoordinateLimit) ? -floatWarpCoordinateLimit : Swift.min(v, floatWarpCoordinateLimit)
}

/// `floor(v)` as an Int for a clamped coordinate, without a libm call: truncate, then step down
/// for negative non-integers.
@inline(__always)
func floorIndex(_ v: Double) -> Int {
    let t = Int(v)
    return Double(t) > v ? t - 1 : t
}

extension Float: WarpPixel {
    /// The exact Float warp (see `warpFloat`); a constant border value is used unrounded.
    public static func warpPixels(_ source: UnsafeBufferPointer<Float>, width: Int, height: Int, map: AffineMatrix,
                                  into destination: UnsafeMutableBufferPointer<Float>, size: (width: Int, height: Int),
                                  interpolation: Interpolation, border: BorderMode) {
        guard let output = destination.baseAddress else { return }
        warpFloat(source: source.baseAddress!, sw: width, sh: height,
                  destination: output, dw: size.width, dh: size.height,
                  map: map, interpolation: interpolation, border: border.rule, borderValue: Float(border.constantValue))
    }
}

/// Warps a Float image; `map` takes destination points to source points. For destination pixel
/// (x, y) the source point is `(sx, sy) = (m00 x + m01 y + m02, m10 x + m11 y + m12)` in Double,
/// `x0 = floor(sx)`, `tx = sx - x0` (and y alike), and the value, computed in Double and rounded
/// once to Float, is
///
///     nearest:  the tap (floor(sx + 0.5), floor(sy + 0.5))
///     linear:   (1 - ty) ((1 - tx) v[0][0] + tx v[0][1]) + ty ((1 - tx) v[1][0] + tx v[1][1]),
///               v[i][j] the tap (x0 + j, y0 + i)
///     cubic:    sum over rows i of W(ty + 1 - i) (sum over columns j of W(tx + 1 - j) v[i][j]),
///               i, j in 0...3, v[i][j] the tap (x0 - 1 + j, y0 - 1 + i), W Keys' kernel, a = -0.75
///
/// Taps outside the image follow `border` as in the 8-bit warp; with a constant border a
/// neighbourhood entirely outside gives exactly the border value. Coordinates beyond +-1e12 (and
/// NaN) are clamped, which puts them outside any image.
func warpFloat(source: UnsafePointer<Float>, sw: Int, sh: Int,
               destination: UnsafeMutablePointer<Float>, dw: Int, dh: Int,
               map m: AffineMatrix, interpolation: Interpolation,
               border: BorderRule, borderValue: Float) {
    let warp = FloatWarp(source: source, sw: sw, sh: sh, destination: destination, dw: dw, dh: dh,
                         map: m, border: border, borderValue: borderValue)
    switch interpolation {
    case .nearest: warp.nearest()
    case .linear: warp.linear()
    case .cubic: warp.cubic()
    }
}

/// One Float warp: buffers, the destination-to-source matrix and the border.
struct FloatWarp {
    let source: UnsafePointer<Float>
    let sw: Int, sh: Int
    let destination: UnsafeMutablePointer<Float>
    let dw: Int, dh: Int
    let map: AffineMatrix
    let border: BorderRule
    let borderValue: Float

    /// The tap at (ix, iy) after the border rule, or the constant border value.
    @inline(__always)
    func tap(_ ix: Int, _ iy: Int) -> Double {
        if ix >= 0 && ix < sw && iy >= 0 && iy < sh { return Double(source[iy * sw + ix]) }
        let bx = border.index(ix, count: sw), by = border.index(iy, count: sh)
        return bx >= 0 && by >= 0 ? Double(source[by * sw + bx]) : Double(borderValue)
    }

    /// The source point of destination pixel (x, y), clamped to +-1e12.
    @inline(__always)
    func sourcePoint(_ x: Int, _ y: Int) -> (Double, Double) {
        let dx = Double(x), dy = Double(y)
        return (clampedCoordinate(map.m00 * dx + map.m01 * dy + map.m02),
                clampedCoordinate(map.m10 * dx + map.m11 * dy + map.m12))
    }

    func nearest() {
        for y in 0..<dh {
            let out = destination + y * dw
            for x in 0..<dw {
                let (sx, sy) = sourcePoint(x, y)
                let ix = floorIndex(sx + 0.5), iy = floorIndex(sy + 0.5)
                if ix >= 0 && ix < sw && iy >= 0 && iy < sh {
                    out[x] = source[iy * sw + ix]
                } else if border == .constant {
                    out[x] = borderValue
                } else {
                    out[x] = Float(tap(ix, iy))
                }
            }
        }
    }

    func linear() {
        for y in 0..<dh {
            let out = destination + y * dw
            for x in 0..<dw {
                let (sx, sy) = sourcePoint(x, y)
                let ix = floorIndex(sx), iy = floorIndex(sy)
                let tx = sx - Double(ix), ty = sy - Double(iy)
                if ix >= 0 && ix + 1 < sw && iy >= 0 && iy + 1 < sh {
                    let p = source + iy * sw + ix
                    let top = (1 - tx) * Double(p[0]) + tx * Double(p[1])
                    let bottom = (1 - tx) * Double(p[sw]) + tx * Double(p[sw + 1])
                    out[x] = Float((1 - ty) * top + ty * bottom)
                } else if border == .constant && (ix >= sw || ix + 1 < 0 || iy >= sh || iy + 1 < 0) {
                    out[x] = borderValue
                } else {
                    let top = (1 - tx) * tap(ix, iy) + tx * tap(ix + 1, iy)
                    let bottom = (1 - tx) * tap(ix, iy + 1) + tx * tap(ix + 1, iy + 1)
                    out[x] = Float((1 - ty) * top + ty * bottom)
                }
            }
        }
    }

    func cubic() {
        for y in 0..<dh {
            let out = destination + y * dw
            for x in 0..<dw {
                let (sx, sy) = sourcePoint(x, y)
                let fx = floorIndex(sx), fy = floorIndex(sy)
                let tx = sx - Double(fx), ty = sy - Double(fy)
                let ix = fx - 1, iy = fy - 1
                if border == .constant && (ix >= sw || ix + 4 <= 0 || iy >= sh || iy + 4 <= 0) {
                    out[x] = borderValue
                    continue
                }
                let wx = (keysCubic(tx + 1), keysCubic(tx), keysCubic(1 - tx), keysCubic(2 - tx))
                let wy = (keysCubic(ty + 1), keysCubic(ty), keysCubic(1 - ty), keysCubic(2 - ty))
                var rows = (0.0, 0.0, 0.0, 0.0)
                if ix >= 0 && ix + 3 < sw && iy >= 0 && iy + 3 < sh {
                    var p = source + iy * sw + ix
                    func line(_ p: UnsafePointer<Float>) -> Double {
                        wx.0 * Double(p[0]) + wx.1 * Double(p[1]) + wx.2 * Double(p[2]) + wx.3 * Double(p[3])
                    }
                    rows.0 = line(p); p += sw
                    rows.1 = line(p); p += sw
                    rows.2 = line(p); p += sw
                    rows.3 = line(p)
                } else {
                    func line(_ r: Int) -> Double {
                        wx.0 * tap(ix, r) + wx.1 * tap(ix + 1, r) + wx.2 * tap(ix + 2, r) + wx.3 * tap(ix + 3, r)
                    }
                    rows = (line(iy), line(iy + 1), line(iy + 2), line(iy + 3))
                }
                out[x] = Float(wy.0 * rows.0 + wy.1 * rows.1 + wy.2 * rows.2 + wy.3 * rows.3)
            }
        }
    }
}
