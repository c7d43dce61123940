// OpenCV's fixed-point constants and integer interpolation tables for 8-bit warps, built once.
// The warp loops that read them live in WarpFixedPoint.swift; Float images use exact weights instead.

/// The fixed-point constants of OpenCV 4.x's `warpAffine` / `remap` for 8-bit images.
enum WarpFixedPoint {
    /// Bits of sub-pixel position kept per axis: 5, a 1/32 pixel grid (`INTER_BITS`).
    static let interBits = 5
    /// Positions per pixel per axis, 32 (`INTER_TAB_SIZE`).
    static let tabSize = 1 << interBits
    /// Fractional bits of the per-row and per-column coordinates, 10 (`AB_BITS`).
    static let abBits = 10
    /// `1 << abBits` = 1024 (`AB_SCALE`).
    static let abScale = Double(1 << abBits)
    /// Fractional bits of the interpolation weights, 15 (`INTER_REMAP_COEF_BITS`).
    static let coefBits = 15
    /// `1 << coefBits` = 32768: every table row sums to exactly this (`INTER_REMAP_COEF_SCALE`).
    static let coefScale = 1 << coefBits
}

/// The integer weight tables of OpenCV's `initInterTab2D(method, fixpt: true)`, one row per
/// sub-pixel position `(fy, fx)` in 1/32 pixel, row index `fy * 32 + fx`.
///
/// Each row is built the way OpenCV builds it, so 8-bit warps agree bit for bit:
/// 1. 1-D Float coefficients at `t = i * (1/32)` (`interpolateLinear`: `[1 - t, t]`;
///    `interpolateCubic` with A = -0.75, in Float, in OpenCV's operation order).
/// 2. The 2-D weight `v = cy[k1] * cx[k2]` in Float, stored as `Int16(saturating: rint(v * 32768))`
///    (round half to even, as `saturate_cast<short>`).
/// 3. If the row does not sum to 32768 the difference goes to one weight: with `k = ksize / 2`,
///    OpenCV scans offsets `k1, k2` in `k...k+1` (relative to the row, so for ksize 2 it reads past
///    the row into the next one, which is still zero while building) for the smallest and the
///    largest value (first found wins ties) and subtracts the excess from the smallest weight, or
///    adds the deficit to the largest. Bilinear weights are exact multiples of 1/1024, so only row 0
///    needs it (1.0 saturates to 32767): it becomes `[32767, 0, 0, 1]`. The bicubic table needs it
///    in 657 of its 1024 rows (off by 1 or 2); its row 0 has 32767 at `[1][1]` and 1 at `[2][2]`.
///    Without this step 65 of the 2,676 golden warps (all cubic) differ from OpenCV.
enum WarpTables {
    /// 1024 rows of 4 weights `[w00, w01, w10, w11]` (top-left, top-right, bottom-left, bottom-right).
    static let linear: [Int16] = makeTable(size: 2, coefficients: linearCoefficients)
    /// 1024 rows of 16 weights, row-major over the 4x4 neighbourhood starting at `(x - 1, y - 1)`.
    static let cubic: [Int16] = makeTable(size: 4, coefficients: cubicCoefficients)

    /// `linear` in memory that is never freed, so the warp loops read it without reference counting.
    /// Written once during the lazy, thread-safe initialisation and only read afterwards, hence
    /// `nonisolated(unsafe)` (a raw pointer is not `Sendable`).
    nonisolated(unsafe) static let linearWeights: UnsafePointer<Int16> = permanentCopy(linear)
    /// `cubic` in memory that is never freed.
    nonisolated(unsafe) static let cubicWeights: UnsafePointer<Int16> = permanentCopy(cubic)

    static func permanentCopy(_ table: [Int16]) -> UnsafePointer<Int16> {
        let memory = UnsafeMutablePointer<Int16>.allocate(capacity: table.count)
        memory.initialize(from: table, count: table.count)
        return UnsafePointer(memory)
    }

    /// OpenCV's `interpolateLinear` in Float: `[1 - t, t]`.
    static func linearCoefficients(_ t: Float) -> [Float] { [1 - t, t] }

    /// OpenCV's `interpolateCubic` in Float with A = -0.75, in its exact operation order; the
    /// last weight is `1 - c0 - c1 - c2` so the four sum to one in Float.
    static func cubicCoefficients(_ t: Float) -> [Float] {
        let a: Float = -0.75
        let c0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
        let c1 = ((a + 2) * t - (a + 3)) * t * t + 1
        let c2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
        let c3 = 1 - c0 - c1 - c2
        return [c0, c1, c2, c3]
    }

    /// Builds the 32 x 32 rows of `size * size` weights (see the type's comment for the rule).
    static func makeTable(size k: Int, coefficients: (Float) -> [Float]) -> [Int16] {
        let n = WarpFixedPoint.tabSize
        let step: Float = 1 / Float(n)
        let oneD = (0..<n).map { coefficients(Float($0) * step) }
        var table = [Int16]()
        table.reserveCapacity(n * n * k * k)
        // The row plus zeros behind it: the sum fix-up may look at up to 3 entries past a 2x2 row.
        var row = [Int32](repeating: 0, count: k * k + 2 * k + 2)
        for i in 0..<n {
            for j in 0..<n {
                for index in row.indices { row[index] = 0 }
                var sum: Int32 = 0
                for k1 in 0..<k {
                    for k2 in 0..<k {
                        let v = oneD[i][k1] * oneD[j][k2]
                        let scaled = (v * Float(WarpFixedPoint.coefScale)).rounded(.toNearestOrEven)
                        let weight = Int32(Swift.min(Swift.max(scaled, -32768), 32767))
                        row[k1 * k + k2] = weight
                        sum += weight
                    }
                }
                let diff = sum - Int32(WarpFixedPoint.coefScale)
                if diff != 0 {
                    let half = k / 2
                    var largest = half * k + half, smallest = largest
                    for k1 in half..<(half + 2) {
                        for k2 in half..<(half + 2) {
                            let index = k1 * k + k2
                            if row[index] < row[smallest] {
                                smallest = index
                            } else if row[index] > row[largest] {
                                largest = index
                            }
                        }
                    }
                    // A fix-up landing past the row would be overwritten by the next row in OpenCV.
                    if diff < 0 { row[largest] -= diff } else { row[smallest] -= diff }
                }
                for index in 0..<(k * k) { table.append(Int16(truncatingIfNeeded: row[index])) }
            }
        }
        return table
    }
}
