// The look shared by every SVG chart: fonts, text sizes, colours of text, axes and grid, line
// width and default palettes. Chart-specific options (markers, legend place) live with each chart.

/// Fonts, sizes and colours of the SVG charts. The default, `ChartStyle.standard`, is fixed so
/// that charts look the same on every machine; change a copy to restyle a chart.
public struct ChartStyle: Sendable, Hashable {
    /// The CSS font list, written on the root `<svg>` element: `DejaVu Sans, Helvetica,
    /// Arial, sans-serif` by default (matplotlib's font, then the usual system sans-serifs).
    public var fontFamily: String
    /// Title size in pixels; 16 by default.
    public var titleSize: Double
    /// Axis label size in pixels; 13 by default.
    public var labelSize: Double
    /// Tick label size in pixels; 11 by default.
    public var tickSize: Double
    /// Legend text size in pixels; 12 by default.
    public var legendSize: Double
    /// Size of values written on bars and in heatmap cells, in pixels; 11 by default.
    public var valueSize: Double
    /// Text colour; `#222222` by default (softer than black, still AAA contrast on white).
    public var textColor: RGBColor
    /// Colour of the axis frame and tick marks; `#444444` by default.
    public var axisColor: RGBColor
    /// Colour of grid lines; `#dddddd` by default, visible without competing with the data.
    public var gridColor: RGBColor
    /// Background colour; white by default.
    public var background: RGBColor
    /// Width of series lines in pixels; 2 by default (matplotlib's 1.5 pt at 100 dpi).
    public var lineWidth: Double
    /// Colours given in turn to line series without their own; Okabe-Ito by default.
    public var seriesColors: [RGBColor]
    /// Colours of the classes of a scatter plot; Tableau 10 by default.
    public var classColors: [RGBColor]

    /// The standard style, as documented on each property.
    public init() {
        fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
        titleSize = 16
        labelSize = 13
        tickSize = 11
        legendSize = 12
        valueSize = 11
        textColor = RGBColor(hex: 0x222222)
        axisColor = RGBColor(hex: 0x444444)
        gridColor = RGBColor(hex: 0xDDDDDD)
        background = .white
        lineWidth = 2
        seriesColors = Palette.okabeIto
        classColors = Palette.tableau10
    }

    /// The default style.
    public static let standard = ChartStyle()

    /// An estimate of the rendered width of `text` at `size` pixels: 0.6 em a character,
    /// DejaVu Sans's average (generous for Helvetica and Arial). Used only for layout.
    func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * 0.6 * size
    }
}
