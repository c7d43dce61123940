// Colormaps for showing grey images: 'gray' (0 black) and matplotlib's 'Greys' (0 white), as
// 256-entry tables applied to UInt8 images. Colour colormaps (viridis and the like) are left out.

/// How grey values 0...255 are shown.
public enum Colormap: Sendable, CaseIterable {
    /// 0 black, 255 white, unchanged: matplotlib's `cmap='gray'` for a uint8 image shown with
    /// `vmin=0, vmax=255`.
    case gray
    /// 0 white, 255 black: matplotlib's `cmap='Greys'`, the look of MNIST digits in Keras
    /// tutorials (`plt.imshow(img, cmap='Greys')`), dark ink on white paper.
    ///
    /// It is matplotlib's own table, not `255 - v`: Greys is ColorBrewer's 9-class ramp
    /// (255, 240, 217, 189, 150, 115, 82, 37, 0 at evenly spaced stops) interpolated linearly
    /// to 256 entries and truncated to bytes, so it is lighter than `255 - v` in the middle (v = 128
    /// gives 149, not 127). Computed here with matplotlib's arithmetic and checked against
    /// `matplotlib.colormaps['Greys'](v, bytes=True)` from matplotlib 3.11.2 for all 256 values
    /// (`Scripts/reference/greys_colormap.py`); `imshow` and `imsave` of a uint8 image whose
    /// values span 0...255 pick these entries.
    case greys

    /// The grey shown for each value, indexed by the value.
    public var table: [UInt8] {
        switch self {
        case .gray: Self.grayTable
        case .greys: Self.greysTable
        }
    }

    /// The grey shown for `value`.
    @inlinable
    public func callAsFunction(_ value: UInt8) -> UInt8 { table[Int(value)] }

    private static let grayTable = (0...255).map { UInt8($0) }

    /// matplotlib's `LinearSegmentedColormap.from_list('Greys', stops, N=256)`, whose
    /// `_create_lookup_table` evaluates, for i in 0...255, the piecewise-linear ramp at
    /// `xind = 255 * (i * (1/255))` between stops at `x_k = 255 * k / 8` with values `y_k / 255`,
    /// then `Colormap.__call__(bytes=True)` truncates `lut * 255` to UInt8. The same Double
    /// operations in the same order give the same bits, so the same bytes.
    private static let greysTable: [UInt8] = {
        let stops: [Double] = [255, 240, 217, 189, 150, 115, 82, 37, 0].map { $0 / 255 }
        let x = (0..<stops.count).map { Double($0) * 0.125 * 255 }  // numpy.linspace(0, 1, 9) * 255
        let step = 1.0 / 255.0                                      // numpy.linspace(0, 1, 256)
        var table = [UInt8](repeating: 0, count: 256)
        for i in 0...255 {
            let value: Double
            if i == 0 {
                value = stops[0]
            } else if i == 255 {
                value = stops[stops.count - 1]
            } else {
                let xi = 255 * (Double(i) * step)
                let k = x.firstIndex { $0 >= xi }!  // numpy.searchsorted, side 'left'
                let distance = (xi - x[k - 1]) / (x[k] - x[k - 1])
                value = distance * (stops[k] - stops[k - 1]) + stops[k - 1]
            }
            table[i] = UInt8(min(max(value, 0), 1) * 255)
        }
        return table
    }()
}

extension GreyImage where Pixel == UInt8 {
    /// The image with every pixel replaced by `colormap(pixel)`; both colormaps here are grey.
    public func applying(_ colormap: Colormap) -> GreyImage<UInt8> {
        let table = colormap.table
        return GreyImage(width: width, height: height, pixels: pixels.map { table[Int($0)] })
    }

    /// The image as RGB (3 channels) through `colormap`, for compositing with coloured
    /// elements such as captions.
    // self: [H, W] -> [H, W, 3]
    public func colorized(_ colormap: Colormap = .gray) -> ColorImage {
        let table = colormap.table
        var bytes = [UInt8](repeating: 0, count: pixels.count * 3)
        for (i, value) in pixels.enumerated() {
            let v = table[Int(value)]
            bytes[3 * i] = v
            bytes[3 * i + 1] = v
            bytes[3 * i + 2] = v
        }
        return ColorImage(width: width, height: height, channels: 3, bytes: bytes)
    }
}
