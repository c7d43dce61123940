// Scatter plots of labelled points (2-D embeddings coloured by class): one colour per class,
// a legend beside the plot, compact output for thousands of points. No sizes or shapes per point.

/// A scatter plot of points that each belong to an integer class, rendered as SVG 1.1.
///
/// ```swift
/// ScatterPlot(x: embedding.map(\.0), y: embedding.map(\.1), classes: labels,
///             title: "t-SNE of the test set").svg()
/// ```
///
/// The points of one class are a single `<path>`: each point is a zero-length segment
/// (`M x yh0`) stroked with round caps, which SVG 1.1 (section 11.4) renders as a dot. With
/// coordinates rounded to a tenth of a pixel this costs about 13 bytes a point, so 10,000
/// points make an SVG of about 140 kB. Classes are drawn in ascending order, so where points
/// overlap the higher class lies on top.
public struct ScatterPlot: Sendable, Hashable {
    /// The x coordinate of each point.
    public var x: [Double]
    /// The y coordinate of each point. Points with a NaN or infinite coordinate are skipped.
    public var y: [Double]
    /// The class of each point, 0 or more (a digit 0...9 for MNIST).
    public var classes: [Int]
    /// The legend name of each class (`classNames[c]` for class c); nil or a missing name
    /// uses the class number.
    public var classNames: [String]?
    /// The colour of class c is `colors[c % colors.count]`; nil uses the style's
    /// `classColors` (Tableau 10).
    public var colors: [RGBColor]?
    /// Dot diameter in pixels; 4 by default, small enough for thousands of points.
    public var markerSize: Double
    /// Dot opacity, 0...1; 0.8 by default so that dense regions read as darker.
    public var opacity: Double
    /// The title above the plot; nil or empty for none.
    public var title: String?
    /// The x axis label; nil or empty for none.
    public var xLabel: String?
    /// The y axis label; nil or empty for none.
    public var yLabel: String?
    /// Whether the legend is drawn right of the plot, one line per class present; true by default.
    public var showsLegend: Bool
    /// Whether grid lines are drawn at the ticks; true by default.
    public var showsGrid: Bool
    /// Width in pixels; 640 by default.
    public var width: Int
    /// Height in pixels; 480 by default.
    public var height: Int
    /// Fonts and colours.
    public var style: ChartStyle

    /// A scatter plot of the points (`x[i]`, `y[i]`) of class `classes[i]`.
    ///
    /// - Precondition: `x`, `y` and `classes` have the same length and no class is negative.
    public init(x: [Double], y: [Double], classes: [Int], classNames: [String]? = nil, title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil) {
        self.x = x
        self.y = y
        self.classes = classes
        self.classNames = classNames
        colors = nil
        markerSize = 4
        opacity = 0.8
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        showsLegend = true
        showsGrid = true
        width = 640
        height = 480
        style = .standard
        checkInputs()
    }

    private func checkInputs() {
        precondition(x.count == y.count && y.count == classes.count,
                     "ScatterPlot needs one x, y and class per point, got \(x.count), \(y.count), \(classes.count)")
        if let negative = classes.first(where: { $0 < 0 }) {
            preconditionFailure("ScatterPlot classes must be 0 or more, got \(negative)")
        }
    }

    /// The plot as a standalone SVG 1.1 document; equal plots give byte-identical documents.
    /// The points of each class are one `<path class="points">`, in ascending class order.
    ///
    /// - Precondition: as for `init`; `width` and `height` are positive.
    public func svg() -> String {
        checkInputs()
        precondition(width > 0 && height > 0, "ScatterPlot size must be positive, got \(width)x\(height)")
        let palette = colors ?? style.classColors
        var usable: [Int] = []
        for index in x.indices where x[index].isFinite && y[index].isFinite {
            usable.append(index)
        }
        let present = Set(usable.map { classes[$0] }).sorted()
        let entries = present.map { c in
            LegendEntry(label: className(c), color: Palette.color(c, in: palette), showsLine: false,
                        marker: .circle, lineWidth: 0)
        }
        let legendWidth = showsLegend && !entries.isEmpty ? Legend.size(of: entries, style: style).width + 6 : 0
        let xAxis = Axis(values: usable.map { x[$0] }, fixed: nil, logarithmic: false)
        let yAxis = Axis(values: usable.map { y[$0] }, fixed: nil, logarithmic: false)
        let frame = Frame(width: Double(width), height: Double(height), style: style, title: title,
                          xLabel: xLabel, yLabel: yLabel, x: xAxis, y: yAxis, rightReserve: legendWidth)

        var svg = SVGWriter(width: Double(width), height: Double(height), style: style, title: title)
        if showsGrid { frame.drawGrid(&svg) }
        var paths: [Int: String] = [:]
        for index in usable {
            paths[classes[index], default: ""] += "M" + NumberText.coordinate(frame.px(x[index])) + " "
                + NumberText.coordinate(frame.py(y[index])) + "h0"
        }
        svg.openGroup([("class", "data"), ("fill", "none"), ("stroke-linecap", "round"),
                       ("stroke-width", NumberText.coordinate(markerSize)),
                       ("stroke-opacity", NumberText.trimmed(opacity.clamped(to: 0...1), decimals: 2))])
        for c in present {
            svg.element("path", [("class", "points"), ("stroke", Palette.color(c, in: palette).hexString),
                                 ("d", paths[c] ?? "")])
        }
        svg.closeGroup()
        frame.drawAxes(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
        if showsLegend {
            Legend.draw(entries, left: frame.plot.maxX + 6, top: frame.plot.y, style: style, framed: false,
                        into: &svg)
        }
        return svg.finished()
    }

    private func className(_ c: Int) -> String {
        if let classNames, c < classNames.count { return classNames[c] }
        return String(c)
    }
}
