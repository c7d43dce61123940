// The pixel access on ColorImage that drawing (caption text, backgrounds) needs, in `RGBColor`,
// PerceptronIO's colour type. Colour conversion rules are in Greyscale.swift and Colormap.swift.

@_exported import struct PerceptronIO.RGBColor

extension ColorImage {
    /// An image of one colour; alpha, with 4 channels, is 255 (opaque).
    ///
    /// - Parameters:
    ///   - width: pixels per row.
    ///   - height: rows.
    ///   - channels: 3 (RGB, the default) or 4 (RGBA).
    ///   - fill: the colour of every pixel.
    public init(width: Int, height: Int, channels: Int = 3, fill: RGBColor) {
        precondition(width >= 0 && height >= 0, "ColorImage size must be non-negative, got \(width)x\(height)")
        let pixel = channels == 4 ? [fill.red, fill.green, fill.blue, 255] : [fill.red, fill.green, fill.blue]
        var bytes = [UInt8]()
        bytes.reserveCapacity(width * height * channels)
        for _ in 0..<width * height { bytes += pixel }
        self.init(width: width, height: height, channels: channels, bytes: bytes)
    }

    /// The colour in column `x`, row `y` (alpha, if any, is left out on reading and set to 255
    /// on writing).
    public subscript(x: Int, y: Int) -> RGBColor {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height,
                         "pixel (\(x), \(y)) is outside the \(width)x\(height) image")
            let p = (y * width + x) * channels
            return RGBColor(red: bytes[p], green: bytes[p + 1], blue: bytes[p + 2])
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
