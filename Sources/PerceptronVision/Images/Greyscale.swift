// Colour to grey: the integer luma rule PNG decoding shares with OpenCV's IMREAD_GRAYSCALE, and
// what becomes of alpha. Colormaps (grey to colour) are in Colormap.swift.

/// What reducing a colour image with transparency to grey does with alpha.
public enum AlphaHandling: Sendable, CaseIterable {
    /// Alpha is dropped and the colour kept, as OpenCV's `IMREAD_GRAYSCALE` does (it strips
    /// alpha); the default, so decoded images match OpenCV's. A transparent pixel keeps whatever
    /// colour it stores, often black.
    case ignore
    /// The pixel is blended over white: `(v * a + 255 * (255 - a) + 127) / 255`, rounded to
    /// nearest; what a browser shows on a white page. Suits dark strokes drawn on a transparent
    /// canvas.
    case compositeOverWhite
    /// The pixel is blended over black: `(v * a + 127) / 255`, rounded to nearest. Suits light
    /// strokes on a transparent canvas (MNIST's white-on-black).
    case compositeOverBlack

    /// `grey` after applying this rule with opacity `alpha` (0 transparent, 255 opaque).
    @inlinable
    public func apply(grey: UInt8, alpha: UInt8) -> UInt8 {
        let v = Int(grey), a = Int(alpha)
        switch self {
        case .ignore: return grey
        case .compositeOverWhite: return UInt8((v * a + 255 * (255 - a) + 127) / 255)
        case .compositeOverBlack: return UInt8((v * a + 127) / 255)
        }
    }
}

extension ColorImage {
    /// The grey value of an 8-bit RGB colour, as `cv2.imread(path, cv2.IMREAD_GRAYSCALE)` gives it
    /// for a PNG: `(9797 R + 19234 G + 3737 B) >> 15`, truncated.
    ///
    /// These are ITU-R BT.601's weights 0.299, 0.587, 0.114 in libpng's 15-bit fixed point
    /// (`png_set_rgb_to_gray(png, 1, 0.299, 0.587)`, which OpenCV calls: red and green truncated to
    /// 9797 and 19234, blue the remainder 3737). Truncation, not rounding, is what libpng does; it
    /// gives 1 less than rounding `0.299 R + 0.587 G + 0.114 B` for about half of all colours, and
    /// equal R = G = B stay exact because the weights sum to 32768. Checked on 65,536 random colours
    /// against OpenCV 5.0.0 (`Scripts/reference/png_grey_opencv.py`). `cv2.cvtColor(..., COLOR_RGB2GRAY)`
    /// rounds instead, `(9798 R + 19235 G + 3735 B + 16384) >> 15`, so it can differ by 1.
    @inlinable
    public static func luma(red: UInt8, green: UInt8, blue: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (9797 * Int(red) + 19234 * Int(green) + 3737 * Int(blue)) >> 15)
    }

    /// The image in grey: each pixel's `ColorImage.luma(red:green:blue:)`, then, for RGBA, `alpha` applied.
    ///
    /// - Parameter alpha: what to do with the fourth channel; `.ignore` (OpenCV's behaviour) by default.
    // self: [H, W, C] -> [H, W]
    public func greyscaled(alpha: AlphaHandling = .ignore) -> GreyImage<UInt8> {
        var pixels = [UInt8](repeating: 0, count: width * height)
        for i in 0..<pixels.count {
            let p = i * channels
            let grey = Self.luma(red: bytes[p], green: bytes[p + 1], blue: bytes[p + 2])
            pixels[i] = channels == 4 ? alpha.apply(grey: grey, alpha: bytes[p + 3]) : grey
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }
}
