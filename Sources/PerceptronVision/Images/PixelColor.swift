// An 8-bit RGB colour for drawing (caption text, backgrounds) and the pixel access on ColorImage
// that drawing needs. Colour conversion rules are in Greyscale.swift and Colormap.swift.

/// An opaque 8-bit sRGB colour.
public struct PixelColor: Equatable, Hashable, Sendable {
    /// Red, 0...255.
    public var red: UInt8
    /// Green, 0...255.
    public var green: UInt8
    /// Blue, 0...255.
    public var blue: UInt8

    /// A colour from its three components.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A grey: red, green and blue all `value`.
    public init(grey value: UInt8) {
        self.init(red: value, green: value, blue: value)
    }

    /// 0, 0, 0.
    public static let black = PixelColor(grey: 0)
    /// 255, 255, 255.
    public static let white = PixelColor(grey: 255)
    /// matplotlib's 'tab:red' (#D62728), the colour its plots give mistakes.
    public static let red = PixelColor(red: 0xD6, green: 0x27, blue: 0x28)
    /// matplotlib's 'tab:green' (#2CA02C).
    public static let green = PixelColor(red: 0x2C, green: 0xA0, blue: 0x2C)
    /// matplotlib's 'tab:blue' (#1F77B4).
    public static let blue = PixelColor(red: 0x1F, green: 0x77, blue: 0xB4)
}

extension ColorImage {
    /// An image of one colour; alpha, with 4 channels, is 255 (opaque).
    ///
    /// - Parameters:
    ///   - width: pixels per row.
    ///   - height: rows.
    ///   - channels: 3 (RGB, the default) or 4 (RGBA).
    ///   - fill: the colour of every pixel.
    public init(width: Int, height: Int, channels: Int = 3, fill: PixelColor) {
        precondition(width >= 0 && height >= 0, "ColorImage size must be non-negative, got \(width)x\(height)")
        let pixel = channels == 4 ? [fill.red, fill.green, fill.blue, 255] : [fill.red, fill.green, fill.blue]
        var bytes = [UInt8]()
        bytes.reserveCapacity(width * height * channels)
        for _ in 0..<width * height { bytes += pixel }
        self.init(width: width, height: height, channels: channels, bytes: bytes)
    }

    /// The colour in column `x`, row `y` (alpha, if any, is left out on reading and set to 255
    /// on writing).
    public subscript(x: Int, y: Int) -> PixelColor {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height,
                         "pixel (\(x), \(y)) is outside the \(width)x\(height) image")
            let p = (y * width + x) * channels
            return PixelColor(red: bytes[p], green: bytes[p + 1], blue: bytes[p + 2])
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height,
                         "pixel (\(x), \(y)) is outside the \(width)x\(height) image")
            let p = (y * width + x) * channels
            bytes[p] = newValue.red
            bytes[p + 1] = newValue.green
            bytes[p + 2] = newValue.blue
            if channels == 4 { bytes[p + 3] = 255 }
        }
    }
}
