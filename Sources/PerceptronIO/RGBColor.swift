// The one colour type of the package: an opaque 8-bit sRGB colour, written as `#rrggbb` by the
// charts (SVG, CSS) and as pixel bytes by the image codecs (PNG). No drawing or blending here.

/// An opaque sRGB colour, 8 bits a channel, written in SVG and CSS as `#rrggbb`.
///
/// It lives in PerceptronIO, the module every other one may import, so that the charts
/// (PerceptronPlot) and the pictures (PerceptronVision) share it without depending on each other.
public struct RGBColor: Sendable, Hashable {
    /// Red, 0...255.
    public var red: UInt8
    /// Green, 0...255.
    public var green: UInt8
    /// Blue, 0...255.
    public var blue: UInt8

    /// A colour from its three channels.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from a hexadecimal literal, `0xRRGGBB`: `RGBColor(hex: 0xD55E00)`.
    /// Bits above the low 24 are ignored.
    public init(hex: UInt32) {
        self.init(red: UInt8((hex >> 16) & 0xFF), green: UInt8((hex >> 8) & 0xFF), blue: UInt8(hex & 0xFF))
    }

    /// A grey: red, green and blue all `value`.
    public init(grey value: UInt8) {
        self.init(red: value, green: value, blue: value)
    }

    /// The colour as SVG and CSS write it: `#rrggbb`, lower-case hex digits.
    public var hexString: String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for channel in [red, green, blue] {
            text.append(digits[Int(channel >> 4)])
            text.append(digits[Int(channel & 0xF)])
        }
        return text
    }

    /// Pure red, `#ff0000`: matplotlib's `c='red'`.
    public static let red = RGBColor(hex: 0xFF0000)
    /// Pure blue, `#0000ff`: matplotlib's `c='blue'`.
    public static let blue = RGBColor(hex: 0x0000FF)
    /// CSS and matplotlib `green`, `#008000` (darker than pure green, legible on white).
    public static let green = RGBColor(hex: 0x008000)
    /// CSS and matplotlib `orange`, `#ffa500`.
    public static let orange = RGBColor(hex: 0xFFA500)
    /// CSS and matplotlib `gray`, `#808080`.
    public static let gray = RGBColor(hex: 0x808080)
    /// Black, `#000000`.
    public static let black = RGBColor(hex: 0x000000)
    /// White, `#ffffff`.
    public static let white = RGBColor(hex: 0xFFFFFF)

    /// matplotlib's `'tab:red'`, `#d62728`: the colour its plots give mistakes, and the caption
    /// colour of misread digits in image grids.
    public static let tabRed = RGBColor(hex: 0xD62728)
    /// matplotlib's `'tab:green'`, `#2ca02c`.
    public static let tabGreen = RGBColor(hex: 0x2CA02C)
    /// matplotlib's `'tab:blue'`, `#1f77b4`.
    public static let tabBlue = RGBColor(hex: 0x1F77B4)
}
