// Colours for charts: contrast and mixing of `RGBColor` (PerceptronIO), the categorical palettes
// (Okabe-Ito, Tableau 10) and the sequential scales used by heatmaps. No terminal colours here
// (see TerminalChart.swift).

import Foundation
@_exported import struct PerceptronIO.RGBColor

extension RGBColor {
    /// WCAG 2 relative luminance, 0 (black) to 1 (white):
    /// `0.2126 R + 0.7152 G + 0.0722 B` on linearised sRGB channels.
    var relativeLuminance: Double {
        func linear(_ channel: UInt8) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// Whether white text contrasts with this background more than black text does (WCAG
    /// contrast ratios; the crossover is at a relative luminance of about 0.18).
    var prefersWhiteText: Bool {
        let l = relativeLuminance
        return (1.05 / (l + 0.05)) > ((l + 0.05) / 0.05)
    }

    /// The colour `fraction` of the way from this colour to `other`, channel by channel.
    func mixed(with other: RGBColor, fraction: Double) -> RGBColor {
        func channel(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * fraction).rounded().clamped(to: 0...255))
        }
        return RGBColor(red: channel(red, other.red), green: channel(green, other.green),
                        blue: channel(blue, other.blue))
    }
}

/// Categorical colour palettes that stay distinguishable for colour-blind readers.
public enum Palette {
    /// Okabe and Ito's eight colours (2008), distinguishable under all common colour-vision
    /// deficiencies, ordered for lines on white: blue `#0072b2`, vermillion `#d55e00`,
    /// bluish green `#009e73`, reddish purple `#cc79a7`, orange `#e69f00`, sky blue
    /// `#56b4e9`, black `#000000`, yellow `#f0e442` (last: the lowest contrast on white).
    /// The default for line series.
    public static let okabeIto: [RGBColor] = [
        0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0x000000, 0xF0E442,
    ].map(RGBColor.init(hex:))

    /// Tableau 10 (the 2016 revision, designed with colour-vision deficiencies in mind):
    /// blue, orange, red, teal, green, yellow, purple, pink, brown, grey. Ten colours, one per
    /// MNIST class; the default for scatter plots.
    public static let tableau10: [RGBColor] = [
        0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F,
        0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F, 0xBAB0AC,
    ].map(RGBColor.init(hex:))

    /// The colour for item `index` of `palette`, cycling when there are more items than
    /// colours (item 10 of Tableau 10 is its item 0 again). A negative index counts as its
    /// magnitude; an empty palette gives black.
    public static func color(_ index: Int, in palette: [RGBColor]) -> RGBColor {
        guard !palette.isEmpty else { return .black }
        return palette[Int(index.magnitude % UInt(palette.count))]
    }
}

/// A sequential colour scale: maps 0...1 to colours from light to dark (or dark to light),
/// for heatmaps.
public enum ColorScale: Sendable, Hashable {
    /// White to dark blue (ColorBrewer Blues, matplotlib `Blues`, as scikit-learn's confusion
    /// matrix plot uses): low values light, high values dark.
    case blues
    /// White to black through greys (ColorBrewer Greys).
    case greys
    /// Dark purple through blue and green to yellow (matplotlib `viridis`): perceptually
    /// uniform and legible in greyscale and to colour-blind readers; low values dark.
    case viridis

    private var stops: [RGBColor] {
        switch self {
        case .blues:
            return [0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B]
                .map(RGBColor.init(hex:))
        case .greys:
            return [0xFFFFFF, 0xF0F0F0, 0xD9D9D9, 0xBDBDBD, 0x969696, 0x737373, 0x525252, 0x252525, 0x000000]
                .map(RGBColor.init(hex:))
        case .viridis:
            return [0x440154, 0x482878, 0x3E4989, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6ECE58, 0xB5DE2B, 0xFDE725]
                .map(RGBColor.init(hex:))
        }
    }

    /// The colour at `position`, 0 (low end) to 1 (high end), interpolated linearly between
    /// the scale's stops in sRGB. Positions outside 0...1 are clamped; NaN gives the low end.
    public func color(at position: Double) -> RGBColor {
        let stops = self.stops
        let t = position.isNaN ? 0 : position.clamped(to: 0...1)
        let scaled = t * Double(stops.count - 1)
        let index = min(Int(scaled), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], fraction: scaled - Double(index))
    }
}

extension Comparable {
    /// The value limited to `range`.
    func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
