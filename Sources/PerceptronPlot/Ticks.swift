// Axis tick positions and their labels: "nice" linear ticks on 1-2-5 steps (optionally whole
// numbers only, for epoch axes) and decade ticks for logarithmic axes. No drawing here.

import Foundation

/// Tick positions and labels for chart axes.
public enum Ticks {
    /// Evenly spaced ticks on a "nice" step, 1, 2 or 5 times a power of ten, that cover
    /// `lower...upper`: the first tick is at or below `lower`, the last at or above `upper`,
    /// so an axis drawn from first to last tick ends on labelled values.
    ///
    /// The step is the 1-2-5 step whose number of intervals is closest to `intervals`; of two
    /// equally close, the one whose ticks hug the data more tightly (then the larger step).
    /// 0...1 gives 0, 0.2, ..., 1; 0.013...0.35 gives 0, 0.1, ..., 0.4; 1...30 gives
    /// 0, 5, ..., 30; -30...30 gives -30, -20, ..., 30 (not -40, -20, ..., 40).
    /// Each tick is computed as an integer times the step's mantissa, scaled by a power of ten
    /// in one correctly rounded operation, so 0.3 is the Double nearest 0.3, not
    /// 0.30000000000000004.
    ///
    /// - Parameters:
    ///   - lower: one end of the data range; the ends may come in either order.
    ///   - upper: the other end.
    ///   - intervals: the number of intervals wanted, about; 5 by default, which fits a
    ///     chart axis of a few hundred pixels. Values below 1 are taken as 1.
    ///   - integersOnly: steps below 1 are not used (an epoch axis has no epoch 2.5).
    /// - Returns: at least two ticks, ascending. A zero-width range `v...v` is widened by 5 %
    ///   of |v| on each side (matplotlib's rule), or to -1...1 when v is 0 (to -1...1 as well
    ///   when whole numbers are asked for and 5 % is less than 1). Returns `[]` when either end
    ///   is NaN or infinite, and just `[lower, upper]` when the range is so narrow relative to
    ///   its magnitude that no step can be represented (beyond 1e15 steps from zero).
    public static func linear(from lower: Double, to upper: Double, intervals: Int = 5,
                              integersOnly: Bool = false) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [] }
        var low = min(lower, upper), high = max(lower, upper)
        if low == high {
            let pad = low == 0 ? 1 : max(low.magnitude * 0.05, integersOnly ? 1 : 0)
            low -= pad
            high += pad
        }
        let target = max(intervals, 1)
        let exponent = Int(log10((high - low) / Double(target)).rounded(.down))
        var best: (mantissa: Int, exponent: Int, first: Int, last: Int)?
        var bestScore = (distance: Int.max, extent: Double.infinity)
        let lowestExponent = integersOnly ? max(exponent - 1, 0) : exponent - 1
        for e in lowestExponent...max(exponent + 1, lowestExponent) {
            for mantissa in [1, 2, 5] {
                let step = Double(mantissa) * NumberText.powerOfTen(e)
                let firstIndex = (low / step + 1e-9).rounded(.down)
                let lastIndex = (high / step - 1e-9).rounded(.up)
                guard firstIndex.magnitude < 1e15, lastIndex.magnitude < 1e15 else { continue }
                let count = Int(lastIndex) - Int(firstIndex)
                let score = (distance: abs(count - target), extent: (lastIndex - firstIndex) * step)
                // Candidates come in increasing step order, so `<=` keeps the larger step on full ties.
                if score.distance < bestScore.distance
                    || (score.distance == bestScore.distance && score.extent <= bestScore.extent * (1 + 1e-9)) {
                    bestScore = score
                    best = (mantissa, e, Int(firstIndex), Int(lastIndex))
                }
            }
        }
        guard let best else { return [low, high] }
        return (best.first...best.last).map { index in
            let units = Double(index * best.mantissa)
            let value = best.exponent >= 0
                ? units * NumberText.powerOfTen(best.exponent)
                : units / NumberText.powerOfTen(-best.exponent)
            return value + 0.0  // turns -0.0 into 0.0
        }
    }

    /// Decade ticks (powers of ten) for a logarithmic axis covering `lower...upper`: from the
    /// power of ten at or below `lower` to the one at or above `upper`. When that would be
    /// more than `maxCount` ticks, every second (third, ...) decade is kept, aligned so that
    /// 1 would be a tick.
    ///
    /// - Parameters:
    ///   - lower: one end of the data range (positive); the ends may come in either order.
    ///   - upper: the other end (positive).
    ///   - maxCount: the most ticks wanted; 8 by default. Values below 2 are taken as 2.
    /// - Returns: at least two ticks, ascending (a range within one decade, or a single power
    ///   of ten, gets the decades on either side). Returns `[]` when either end is not a
    ///   positive finite number: a logarithmic axis cannot show zero or negative values.
    public static func logarithmic(from lower: Double, to upper: Double, maxCount: Int = 8) -> [Double] {
        guard lower.isFinite, upper.isFinite, lower > 0, upper > 0 else { return [] }
        let low = min(lower, upper), high = max(lower, upper)
        // The tolerance keeps an exact power of ten (log10 may be off by one ulp) in its decade.
        var first = Int((log10(low) + 1e-10).rounded(.down))
        var last = Int((log10(high) - 1e-10).rounded(.up))
        if first == last {
            first -= 1
            last += 1
        }
        let decades = last - first
        let stride = max(1, Int((Double(decades) / Double(max(maxCount, 2) - 1)).rounded(.up)))
        first = Int((Double(first) / Double(stride)).rounded(.down)) * stride
        last = Int((Double(last) / Double(stride)).rounded(.up)) * stride
        return Swift.stride(from: first, through: last, by: stride).map(NumberText.powerOfTen)
    }

    /// Labels for ticks, all written the same way.
    ///
    /// Linear ticks share one number of decimals, the fewest that write every tick exactly
    /// (0, 0.5, 1 becomes `0.0`, `0.5`, `1.0`), as matplotlib does. When the largest tick is
    /// 1e6 or more, or below 1e-3 (but not zero), each tick is written in scientific notation
    /// (`2.5e6`). Logarithmic ticks are written one by one, shortest form: `0.001`, `1`,
    /// `1000`, and `1e-5`, `1e6` outside 1e-4...1e5.
    ///
    /// - Parameters:
    ///   - ticks: the tick values, as returned by `linear` or `logarithmic`.
    ///   - logarithmic: whether the axis is logarithmic.
    public static func labels(for ticks: [Double], logarithmic: Bool = false) -> [String] {
        if logarithmic {
            return ticks.map { tick in
                guard tick.isFinite, tick > 0 else { return NumberText.fixed(tick, decimals: 0) }
                let exponent = Int(log10(tick).rounded())
                if (-4...5).contains(exponent) {
                    return NumberText.trimmed(tick, decimals: max(0, -exponent + 3))
                }
                return NumberText.scientific(tick)
            }
        }
        let largest = ticks.filter(\.isFinite).map(\.magnitude).max() ?? 0
        if largest >= 1e6 || (largest > 0 && largest < 1e-3) {
            return ticks.map { NumberText.scientific($0) }
        }
        let decimals = NumberText.decimalsNeeded(ticks)
        return ticks.map { NumberText.fixed($0, decimals: decimals) }
    }
}
