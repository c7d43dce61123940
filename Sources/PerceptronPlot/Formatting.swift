// Deterministic number formatting for charts, terminal plots and tables: fixed decimals,
// compact coordinates, value formats. No locale is consulted; the same number gives the same text.

import Foundation

/// How a chart writes a data value (bar labels, heatmap cells).
public enum ValueFormat: Sendable, Hashable {
    /// Rounded to a whole number, half away from zero: 12.5 is `13`. For counts.
    case integer
    /// A fixed number of decimals: `.fixed(2)` writes 0.9731 as `0.97`.
    case fixed(Int)
    /// Multiplied by 100, a fixed number of decimals and a percent sign:
    /// `.percent(1)` writes 0.9731 as `97.3%`.
    case percent(Int)

    /// The value in this format. NaN is written `nan`, the infinities `inf` and `-inf`;
    /// negative zero (and anything that rounds to zero) is written without a sign.
    ///
    /// Decimals are clamped to 0...15, beyond which a Double has no digits left to show.
    public func string(for value: Double) -> String {
        switch self {
        case .integer:
            return NumberText.fixed(value, decimals: 0)
        case .fixed(let decimals):
            return NumberText.fixed(value, decimals: decimals)
        case .percent(let decimals):
            guard value.isFinite else { return NumberText.fixed(value, decimals: 0) }
            return NumberText.fixed(value * 100, decimals: decimals) + "%"
        }
    }
}

/// Number-to-text conversions shared by the charts. Pure integer arithmetic after one
/// rounding, so output does not depend on the C library's `printf` or on the locale.
enum NumberText {
    /// 10^0 ... 10^22, each exact in a Double.
    private static let powersOfTen: [Double] = {
        var powers: [Double] = [1]
        for _ in 1...22 { powers.append(powers[powers.count - 1] * 10) }
        return powers
    }()

    /// 10^exponent; exact for |exponent| <= 22 (negative powers are correctly rounded).
    static func powerOfTen(_ exponent: Int) -> Double {
        if exponent >= 0 {
            return exponent <= 22 ? powersOfTen[exponent] : pow10Slow(exponent)
        }
        return -exponent <= 22 ? 1 / powersOfTen[-exponent] : pow10Slow(exponent)
    }

    private static func pow10Slow(_ exponent: Int) -> Double {
        var result = 1.0
        let factor = exponent >= 0 ? 10.0 : 0.1
        for _ in 0..<abs(exponent) { result *= factor }
        return result
    }

    /// `value` with exactly `decimals` digits after the point, rounded half away from zero.
    /// Values too large for exact integer arithmetic (|value| * 10^decimals >= 9e15) fall back
    /// to Swift's shortest round-trip description, which is also deterministic.
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let decimals = min(max(decimals, 0), 15)
        let scale = powerOfTen(decimals)
        let scaled = (value.magnitude * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e15 else { return "\(value)" }
        let digits = UInt64(scaled)
        let unit = UInt64(scale)
        var text = value < 0 && digits != 0 ? "-" : ""
        text += String(digits / unit)
        if decimals > 0 {
            let fraction = String(digits % unit)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// Like `fixed`, with trailing zeros (and a trailing point) removed: 12.50 is `12.5`,
    /// 12.0 is `12`.
    static func trimmed(_ value: Double, decimals: Int) -> String {
        var text = fixed(value, decimals: decimals)
        guard text.contains("."), value.isFinite else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// An SVG coordinate or length: one decimal (a tenth of a pixel), trailing zeros removed.
    static func coordinate(_ value: Double) -> String {
        trimmed(value, decimals: 1)
    }

    /// Scientific notation with up to `significant` significant digits: 25000 is `2.5e4`,
    /// 0.00012 is `1.2e-4`, 0 is `0`.
    static func scientific(_ value: Double, significant: Int = 3) -> String {
        guard value.isFinite else { return fixed(value, decimals: 0) }
        guard value != 0 else { return "0" }
        var exponent = Int(log10(value.magnitude).rounded(.down))
        var mantissa = value / powerOfTen(exponent)
        let decimals = max(significant - 1, 0)
        if Double(fixed(mantissa.magnitude, decimals: decimals))! >= 10 {
            exponent += 1
            mantissa = value / powerOfTen(exponent)
        }
        return trimmed(mantissa, decimals: decimals) + "e" + String(exponent)
    }

    /// The fewest decimals (0...10) that write every value exactly, within a relative 1e-9.
    static func decimalsNeeded(_ values: [Double]) -> Int {
        for decimals in 0...10 {
            let scale = powerOfTen(decimals)
            let exact = values.allSatisfy { value in
                guard value.isFinite else { return true }
                let scaled = value * scale
                return (scaled - scaled.rounded()).magnitude <= 1e-9 * max(1, scaled.magnitude)
            }
            if exact { return decimals }
        }
        return 10
    }
}
