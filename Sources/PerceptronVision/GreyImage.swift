// The grey image type of the vision module: width x height pixels, row-major, UInt8 (0...255)
// or Float. Colour images appear only at the edges (PNG decoding reduces them to grey).

/// A pixel type a grey image can hold: `UInt8` (0...255, as MNIST and OpenCV's CV_8U) or `Float`.
public protocol GreyPixel: Numeric, Comparable, Sendable {
    /// The pixel as a Float, unscaled (UInt8 200 is 200.0).
    var floatValue: Float { get }
    /// Converts a Float, rounding to nearest and saturating to the type's range for UInt8
    /// (OpenCV's `saturate_cast`).
    init(saturating value: Float)
}

extension UInt8: GreyPixel {
    /// The byte as a Float: 200 is 200.0.
    @inlinable public var floatValue: Float { Float(self) }
    /// OpenCV's `saturate_cast<uchar>`: rounded half to even, below 0 (and NaN) to 0, above 255
    /// to 255.
    @inlinable public init(saturating value: Float) {
        if !(value > 0) { self = 0 } else if value >= 255 { self = 255 } else { self = UInt8(value.rounded(.toNearestOrEven)) }
    }
}

extension Float: GreyPixel {
    /// The value itself.
    @inlinable public var floatValue: Float { self }
    /// The value itself: Float images are not clamped, as OpenCV's `CV_32F`.
    @inlinable public init(saturating value: Float) { self = value }
}

/// A single-channel image, `height` rows of `width` pixels, stored row-major.
///
/// Coordinates follow OpenCV: x is the column (0 at the left), y is the row (0 at the top).
public struct GreyImage<Pixel: GreyPixel>: Equatable, Sendable {
    /// Pixels per row (columns, x).
    public let width: Int
    /// Rows (y).
    public let height: Int
    /// `height * width` pixels, row after row.
    public var pixels: [Pixel]

    /// An image from its pixels, row-major.
    public init(width: Int, height: Int, pixels: [Pixel]) {
        precondition(width >= 0 && height >= 0, "GreyImage size must be non-negative, got \(width)x\(height)")
        precondition(pixels.count == width * height,
                     "GreyImage \(width)x\(height) needs \(width * height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one value.
    public init(width: Int, height: Int, fill: Pixel = .zero) {
        self.init(width: width, height: height, pixels: [Pixel](repeating: fill, count: width * height))
    }

    /// The pixel in column `x`, row `y`.
    @inlinable public subscript(x: Int, y: Int) -> Pixel {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height,
                         "pixel (\(x), \(y)) is outside the \(width)x\(height) image")
            return pixels[y * width + x]
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height,
                         "pixel (\(x), \(y)) is outside the \(width)x\(height) image")
            pixels[y * width + x] = newValue
        }
    }
}

extension GreyImage where Pixel == UInt8 {
    /// The image with Float pixels of the same values (0...255).
    public func asFloat() -> GreyImage<Float> {
        GreyImage<Float>(width: width, height: height, pixels: pixels.map(Float.init))
    }
}

extension GreyImage where Pixel == Float {
    /// The image rounded and saturated to 0...255.
    public func asUInt8() -> GreyImage<UInt8> {
        GreyImage<UInt8>(width: width, height: height, pixels: pixels.map { UInt8(saturating: $0) })
    }
}

/// An 8-bit colour image, `channels` values per pixel (3: RGB, 4: RGBA), row-major.
public struct ColorImage: Equatable, Sendable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// 3 (RGB) or 4 (RGBA).
    public let channels: Int
    /// `height * width * channels` bytes.
    public var bytes: [UInt8]

    /// An image from its bytes, row-major, the channels of each pixel together (`RGBRGB...`).
    ///
    /// - Precondition: `channels` is 3 or 4 and `bytes.count == width * height * channels`.
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        precondition(channels == 3 || channels == 4, "ColorImage takes 3 or 4 channels, got \(channels)")
        precondition(bytes.count == width * height * channels,
                     "ColorImage \(width)x\(height)x\(channels) needs \(width * height * channels) bytes, got \(bytes.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }
}
