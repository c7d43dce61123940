// The 8-bit warp: OpenCV 4.x's fixed-point warpAffine + remap, reproduced bit for bit on raw buffers.
// The public entry points and the matrix inversion live in WarpAffine.swift, the tables in WarpTables.swift;
// UInt8's `WarpPixel` conformance leads here.

/// OpenCV's `cvRound(double)` on x86-64 (`cvtsd2si`): round half to even; NaN or a value outside the
/// Int32 range gives Int32.min, the instruction's "integer indefinite". Adding and subtracting
/// 1.5 * 2^52 rounds any |value| < 2^51 half to even exactly (the default IEEE rounding) without a
/// libm call; larger values are integers already or out of range.
@inline(__always)
func roundToInt32(_ value: Double) -> Int32 {
    let magic = 6_755_399_441_055_744.0
    let r = abs(value) < 2_251_799_813_685_248 ? (value + magic) - magic : value
    return r >= -2_147_483_648 && r <= 2_147_483_647 ? Int32(r) : Int32.min
}

/// `saturate_cast<short>(int)`: clamps to -32768...32767 (OpenCV's remap coordinates are Int16).
@inline(__always)
func saturatedInt16(_ value: Int32) -> Int {
    Int(Swift.min(Swift.max(value, -32768), 32767))
}

/// `saturate_cast<uchar>(int)`: clamps to 0...255.
@inline(__always)
func saturatedUInt8(_ value: Int) -> UInt8 {
    UInt8(truncatingIfNeeded: Swift.min(Swift.max(value, 0), 255))
}

extension UInt8: WarpPixel {
    /// OpenCV 4.x's fixed-point warp (see `warpFixedPoint`), after checking that every side is
    /// under 32767 (OpenCV's `remap` coordinates are Int16); a constant border value is rounded
    /// half to even and saturated to 0...255, as OpenCV's `saturate_cast` does.
    public static func warpPixels(_ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int, map: AffineMatrix,
                                  into destination: UnsafeMutableBufferPointer<UInt8>, size: (width: Int, height: Int),
                                  interpolation: Interpolation, border: BorderMode) {
        precondition(Swift.max(width, height, size.width, size.height) < Int(Int16.max),
                     "8-bit warpAffine takes sides below 32767 (its coordinates are Int16, as OpenCV's remap), "
                     + "got \(width)x\(height) -> \(size.width)x\(size.height)")
        guard let output = destination.baseAddress else { return }
        let value = border.constantValue.rounded(.toNearestOrEven)
        let borderValue: UInt8 = !(value > 0) ? 0 : value >= 255 ? 255 : UInt8(value)
        warpFixedPoint(source: source.baseAddress!, sw: width, sh: height,
                       destination: output, dw: size.width, dh: size.height,
                       map: map, interpolation: interpolation, border: border.rule, borderValue: borderValue)
    }
}

/// Warps `source` (`sw` x `sh`, row-major) into `destination` (`dw` x `dh`) with `map`, which takes
/// destination points to source points (already inverted unless the caller asked for `inverseMap`).
///
/// Coordinates, per OpenCV's `WarpAffineInvoker` (AB_BITS 10, INTER_BITS 5), all in Int32:
///
///     adelta[x] = cvRound(m00 * x * 1024)          bdelta[x] = cvRound(m10 * x * 1024)
///     X0 = cvRound((m01 * y + m02) * 1024) + r     Y0 = cvRound((m11 * y + m12) * 1024) + r
///     nearest (r = 512):     sx = sat16((X0 + adelta[x]) >> 10)
///     linear, cubic (r = 16): X = (X0 + adelta[x]) >> 5,  sx = sat16(X >> 5),  fx = X & 31
///
/// (and sy, fy alike; `>>` is arithmetic, so negative coordinates floor). Values, per `remap`:
///
///     linear: (sum of 4 taps * BilinearTab[fy * 32 + fx] + 16384) >> 15, saturated to 0...255
///     cubic:  (sum of 16 taps * BicubicTab[fy * 32 + fx] + 16384) >> 15, saturated; taps start at
///             (sx - 1, sy - 1)
///
/// A neighbourhood fully inside reads the pixels. Otherwise: a constant border gives the border
/// value when the whole neighbourhood is outside, and else each outside tap reads the border value;
/// other borders read the pixel that `BorderRule.index` picks per axis.
func warpFixedPoint(source: UnsafePointer<UInt8>, sw: Int, sh: Int,
                    destination: UnsafeMutablePointer<UInt8>, dw: Int, dh: Int,
                    map m: AffineMatrix, interpolation: Interpolation,
                    border: BorderRule, borderValue: UInt8) {
    guard dw > 0 && dh > 0 else { return }
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * dw) { deltas in
        let adelta = deltas.baseAddress!, bdelta = adelta + dw
        for x in 0..<dw {
            adelta[x] = roundToInt32(m.m00 * Double(x) * WarpFixedPoint.abScale)
            bdelta[x] = roundToInt32(m.m10 * Double(x) * WarpFixedPoint.abScale)
        }
        let warp = FixedPointWarp(source: source, sw: sw, sh: sh, destination: destination, dw: dw, dh: dh,
                                  map: m, adelta: adelta, bdelta: bdelta,
                                  border: border, borderValue: borderValue)
        switch interpolation {
        case .nearest: warp.nearest()
        case .linear: warp.linear(weights: WarpTables.linearWeights)
        case .cubic: warp.cubic(weights: WarpTables.cubicWeights)
        }
    }
}

/// One 8-bit warp: the buffers, the per-column deltas and the per-row starts (X0, Y0).
/// Arithmetic inside the loops wraps (`&+`, `&*`) where the bounds make overflow impossible, to
/// keep overflow checks out of the inner loops; the coordinate sums wrap in Int32 as OpenCV's do.
struct FixedPointWarp {
    let source: UnsafePointer<UInt8>
    let sw: Int, sh: Int
    let destination: UnsafeMutablePointer<UInt8>
    let dw: Int, dh: Int
    let map: AffineMatrix
    let adelta: UnsafePointer<Int32>, bdelta: UnsafePointer<Int32>
    let border: BorderRule
    let borderValue: UInt8

    /// The row's fixed-point start: `cvRound((m01 y + m02) * 1024) + r`, `cvRound((m11 y + m12) * 1024) + r`.
    @inline(__always)
    func rowStart(_ y: Int, roundDelta: Int32) -> (Int32, Int32) {
        (roundToInt32((map.m01 * Double(y) + map.m02) * WarpFixedPoint.abScale) &+ roundDelta,
         roundToInt32((map.m11 * Double(y) + map.m12) * WarpFixedPoint.abScale) &+ roundDelta)
    }

    /// `remapNearest`: the pixel at (sx, sy), or the border's pick.
    func nearest() {
        let source = self.source, sw = self.sw, sh = self.sh, dw = self.dw
        let adelta = self.adelta, bdelta = self.bdelta, border = self.border, borderValue = self.borderValue
        for y in 0..<dh {
            let (x0, y0) = rowStart(y, roundDelta: 512)
            let out = destination + y &* dw
            for x in 0..<dw {
                let sx = saturatedInt16((x0 &+ adelta[x]) &>> 10)
                let sy = saturatedInt16((y0 &+ bdelta[x]) &>> 10)
                if UInt(bitPattern: sx) < UInt(sw) && UInt(bitPattern: sy) < UInt(sh) {
                    out[x] = source[sy &* sw &+ sx]
                } else if border == .constant {
                    out[x] = borderValue
                } else {
                    out[x] = source[border.index(sy, count: sh) &* sw &+ border.index(sx, count: sw)]
                }
            }
        }
    }

    /// `remapBilinear` with the fixed-point table: 2x2 taps at (sx, sy)...(sx + 1, sy + 1).
    func linear(weights table: UnsafePointer<Int16>) {
        let source = self.source, sw = self.sw, sh = self.sh, dw = self.dw
        let adelta = self.adelta, bdelta = self.bdelta, border = self.border, borderValue = self.borderValue
        // remap's "inlier" test: the whole 2x2 neighbourhood inside.
        let innerWidth = UInt(Swift.max(sw - 1, 0)), innerHeight = UInt(Swift.max(sh - 1, 0))
        let cv = Int(borderValue)
        for y in 0..<dh {
            let (x0, y0) = rowStart(y, roundDelta: 16)
            let out = destination + y &* dw
            for x in 0..<dw {
                let fxX = (x0 &+ adelta[x]) &>> 5, fxY = (y0 &+ bdelta[x]) &>> 5
                let sx = saturatedInt16(fxX &>> 5), sy = saturatedInt16(fxY &>> 5)
                let w = table + Int(((fxY & 31) &<< 5) | (fxX & 31)) &* 4
                if UInt(bitPattern: sx) < innerWidth && UInt(bitPattern: sy) < innerHeight {
                    let p = source + (sy &* sw &+ sx)
                    let top = Int32(p[0]) &* Int32(w[0]) &+ Int32(p[1]) &* Int32(w[1])
                    let bottom = Int32(p[sw]) &* Int32(w[2]) &+ Int32(p[sw &+ 1]) &* Int32(w[3])
                    out[x] = saturatedUInt8(Int((top &+ bottom &+ 16384) &>> 15))
                    continue
                }
                if border == .constant && (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
                    out[x] = borderValue
                    continue
                }
                let ix0 = border.index(sx, count: sw), ix1 = border.index(sx + 1, count: sw)
                let iy0 = border.index(sy, count: sh), iy1 = border.index(sy + 1, count: sh)
                let v0 = ix0 >= 0 && iy0 >= 0 ? Int(source[iy0 * sw + ix0]) : cv
                let v1 = ix1 >= 0 && iy0 >= 0 ? Int(source[iy0 * sw + ix1]) : cv
                let v2 = ix0 >= 0 && iy1 >= 0 ? Int(source[iy1 * sw + ix0]) : cv
                let v3 = ix1 >= 0 && iy1 >= 0 ? Int(source[iy1 * sw + ix1]) : cv
                let sum = v0 * Int(w[0]) + v1 * Int(w[1]) + v2 * Int(w[2]) + v3 * Int(w[3])
                out[x] = saturatedUInt8((sum + 16384) >> 15)
            }
        }
    }

    /// `remapBicubic` with the fixed-point table: 4x4 taps at (sx - 1, sy - 1)...(sx + 2, sy + 2).
    func cubic(weights table: UnsafePointer<Int16>) {
        let source = self.source, sw = self.sw, sh = self.sh, dw = self.dw
        let adelta = self.adelta, bdelta = self.bdelta, border = self.border, borderValue = self.borderValue
        let innerWidth = UInt(Swift.max(sw - 3, 0)), innerHeight = UInt(Swift.max(sh - 3, 0))
        let cv = Int(borderValue)
        for y in 0..<dh {
            let (x0, y0) = rowStart(y, roundDelta: 16)
            let out = destination + y &* dw
            for x in 0..<dw {
                let fxX = (x0 &+ adelta[x]) &>> 5, fxY = (y0 &+ bdelta[x]) &>> 5
                let sx = saturatedInt16(fxX &>> 5) &- 1, sy = saturatedInt16(fxY &>> 5) &- 1
                let w = table + Int(((fxY & 31) &<< 5) | (fxX & 31)) &* 16
                if UInt(bitPattern: sx) < innerWidth && UInt(bitPattern: sy) < innerHeight {
                    var p = source + (sy &* sw &+ sx)
                    var sum: Int32 = 0
                    for r in 0..<4 {
                        let wr = w + 4 &* r
                        sum = sum &+ Int32(p[0]) &* Int32(wr[0]) &+ Int32(p[1]) &* Int32(wr[1])
                            &+ Int32(p[2]) &* Int32(wr[2]) &+ Int32(p[3]) &* Int32(wr[3])
                        p += sw
                    }
                    out[x] = saturatedUInt8(Int((sum &+ 16384) &>> 15))
                    continue
                }
                if border == .constant && (sx >= sw || sx + 4 <= 0 || sy >= sh || sy + 4 <= 0) {
                    out[x] = borderValue
                    continue
                }
                // OpenCV's border branch: start from the border value at full weight and add
                // (tap - value) * weight for each tap that reads a pixel.
                var sum = cv * WarpFixedPoint.coefScale
                for r in 0..<4 {
                    let iy = border.index(sy + r, count: sh)
                    if iy < 0 { continue }
                    let line = source + iy * sw
                    for c in 0..<4 {
                        let ix = border.index(sx + c, count: sw)
                        if ix >= 0 { sum += (Int(line[ix]) - cv) * Int(w[4 * r + c]) }
                    }
                }
                out[x] = saturatedUInt8((sum + 16384) >> 15)
            }
        }
    }
}
