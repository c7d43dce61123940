// Line charts: several series against epochs or any x values, with markers, legend, grid,
// nice or decade ticks. The drawing of frame and legend is shared (Axes.swift).

/// A marker drawn at each data point of a line series.
public enum Marker: Sendable, Hashable {
    /// No marker: the line only.
    case none
    /// A small filled dot, radius 2.5 px: matplotlib's `marker='.'` (a point half the size
    /// of the default marker).
    case point
    /// A filled circle, radius 4 px: matplotlib's `marker='o'` at its default size
    /// (6 pt at 100 dpi).
    case circle

    /// Radius in pixels.
    var radius: Double {
        switch self {
        case .none: return 0
        case .point: return 2.5
        case .circle: return 4
        }
    }
}

/// How values map to positions along an axis.
public enum AxisScale: Sendable, Hashable {
    /// Equal differences take equal lengths; nice 1-2-5 ticks.
    case linear
    /// Equal ratios take equal lengths; decade ticks (0.01, 0.1, 1, ...). Zero and negative
    /// values cannot be placed and are skipped like NaN.
    case logarithmic
}

/// Where a chart puts its legend: in a corner of the plot area, beside it, or where it hides
/// no data.
public enum LegendPosition: Sendable, Hashable {
    /// Top right corner, matplotlib's `loc='upper right'`.
    case upperRight
    /// Top left corner.
    case upperLeft
    /// Bottom left corner.
    case lowerLeft
    /// Bottom right corner.
    case lowerRight
    /// matplotlib's `loc='best'`: the first of matplotlib's nine places (upper right, upper
    /// left, lower left, lower right, right, centre left, lower centre, upper centre, centre)
    /// where the box covers no data point and crosses no line; when every place covers some
    /// data, right of the plot (`.outside`), so that the legend never hides data. Unlike
    /// matplotlib, markers and line widths count: a point within its marker's radius of the
    /// box is covered.
    case best
    /// Right of the plot area, top-aligned with it; the plot narrows to make room.
    case outside
    /// No legend.
    case hidden
}

/// One line of a line chart: y values, optional x values, colour, marker and legend label.
public struct LineSeries: Sendable, Hashable {
    /// The legend label; an empty label leaves the series out of the legend.
    public var label: String
    /// The x values, one per y value; nil places the y values at consecutive integers from
    /// the chart's `firstIndex`.
    public var x: [Double]?
    /// The y values. NaN and infinite values (and, on a logarithmic axis, values <= 0) are
    /// skipped, breaking the line there.
    public var y: [Double]
    /// The line and marker colour; nil takes the next colour of the style's `seriesColors`.
    public var color: RGBColor?
    /// The marker at each point; `.none` by default.
    public var marker: Marker
    /// Line width in pixels; nil uses the style's `lineWidth`.
    public var lineWidth: Double?

    /// A series. `plt.plot(x_len, loss, marker='.', c='blue', label='training loss')` is
    /// `LineSeries("training loss", y: loss, color: .blue, marker: .point)`.
    ///
    /// - Precondition: `x`, when given, has as many values as `y`.
    public init(_ label: String, x: [Double]? = nil, y: [Double], color: RGBColor? = nil, marker: Marker = .none,
                lineWidth: Double? = nil) {
        if let x {
            precondition(x.count == y.count, "LineSeries '\(label)' has \(x.count) x values and \(y.count) y values")
        }
        self.label = label
        self.x = x
        self.y = y
        self.color = color
        self.marker = marker
        self.lineWidth = lineWidth
    }
}

/// A line chart of one or more series, rendered as SVG 1.1.
///
/// The tutorial's loss plot,
/// ```python
/// plt.plot(x_len, val_loss, marker='.', c='red', label='validation loss')
/// plt.plot(x_len, loss, marker='.', c='blue', label='training loss')
/// plt.legend(loc='upper right'); plt.grid(); plt.xlabel('epoch'); plt.ylabel('loss')
/// ```
/// is
/// ```swift
/// LineChart([
///     LineSeries("validation loss", y: valLoss, color: .red, marker: .point),
///     LineSeries("training loss", y: loss, color: .blue, marker: .point),
/// ], xLabel: "epoch", yLabel: "loss").svg()
/// ```
/// (legend in the upper right and grid are the defaults).
///
/// Axes run from the nice tick at or below the smallest value to the one at or above the
/// largest (see `Ticks.linear`); when every x value is a whole number the x ticks are whole
/// numbers too, as an epoch axis needs.
public struct LineChart: Sendable, Hashable {
    /// The series, drawn in order (later ones on top) and listed in this order in the legend.
    public var series: [LineSeries]
    /// The title above the plot; nil or empty for none.
    public var title: String?
    /// The x axis label (`epoch`); nil or empty for none.
    public var xLabel: String?
    /// The y axis label (`loss`); nil or empty for none.
    public var yLabel: String?
    /// The x value of the first point of series without x values: 0 as matplotlib and
    /// `np.arange` count, 1 to number epochs from one.
    public var firstIndex: Int
    /// Linear (default) or logarithmic y axis.
    public var yScale: AxisScale
    /// A fixed x range; nil fits the data. Lines leaving the range are clipped.
    public var xRange: ClosedRange<Double>?
    /// A fixed y range (e.g. 0...1 for accuracy); nil fits the data.
    public var yRange: ClosedRange<Double>?
    /// Whether grid lines are drawn at the ticks (matplotlib's `plt.grid()`); true by default.
    public var showsGrid: Bool
    /// Where the legend goes; upper right by default. Series with empty labels are left out,
    /// and no legend is drawn when none is left.
    public var legend: LegendPosition
    /// Width in pixels; 640 by default (matplotlib's 6.4 in at 100 dpi).
    public var width: Int
    /// Height in pixels; 480 by default (4.8 in at 100 dpi).
    public var height: Int
    /// Fonts and colours.
    public var style: ChartStyle

    /// A line chart with the given series and labels, and defaults for everything else.
    public init(_ series: [LineSeries] = [], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        firstIndex = 0
        yScale = .linear
        xRange = nil
        yRange = nil
        showsGrid = true
        legend = .upperRight
        width = 640
        height = 480
        style = .standard
    }

    /// The chart as a standalone SVG 1.1 document (UTF-8 text with an XML declaration).
    /// Equal charts give byte-identical documents. Every series, even an empty one, has a
    /// `<g class="series">`; each unbroken run of two or more points is one `<polyline>`.
    ///
    /// - Precondition: `width` and `height` are positive; each series with x values has as
    ///   many x as y values.
    public func svg() -> String {
        precondition(width > 0 && height > 0, "LineChart size must be positive, got \(width)x\(height)")
        let logarithmic = yScale == .logarithmic
        let xs: [[Double]] = series.map { line in
            if let x = line.x {
                precondition(x.count == line.y.count,
                             "LineSeries '\(line.label)' has \(x.count) x values and \(line.y.count) y values")
                return x
            }
            return (0..<line.y.count).map { Double(firstIndex + $0) }
        }
        var allX: [Double] = [], allY: [Double] = []
        for (line, x) in zip(series, xs) {
            for (xv, yv) in zip(x, line.y) where xv.isFinite && yv.isFinite && (!logarithmic || yv > 0) {
                allX.append(xv)
                allY.append(yv)
            }
        }
        let wholeX = !allX.isEmpty && allX.allSatisfy { $0 == $0.rounded() }
        let xAxis = Axis(values: allX, fixed: xRange, logarithmic: false, integersOnly: wholeX)
        let yAxis = Axis(values: allY, fixed: yRange, logarithmic: logarithmic)
        var entries: [LegendEntry] = []
        for (index, line) in series.enumerated() where !line.label.isEmpty {
            entries.append(LegendEntry(label: line.label, color: line.color ?? Palette.color(index, in: style.seriesColors),
                                       showsLine: true, marker: line.marker, lineWidth: line.lineWidth ?? style.lineWidth))
        }
        let legendSize = Legend.size(of: entries, style: style)
        let inset = 8.0
        func layout(rightReserve: Double) -> (frame: Frame, runs: [[[(x: Double, y: Double)]]]) {
            let frame = Frame(width: Double(width), height: Double(height), style: style, title: title,
                              xLabel: xLabel, yLabel: yLabel, x: xAxis, y: yAxis, rightReserve: rightReserve)
            return (frame, series.indices.map { Self.runs(x: xs[$0], y: series[$0].y, frame: frame) })
        }
        let outsideReserve = legendSize.width + inset
        var (frame, allRuns) = layout(rightReserve: legend == .outside && !entries.isEmpty ? outsideReserve : 0)
        var legendCorner: (left: Double, top: Double)?
        if !entries.isEmpty {
            switch legend {
            case .hidden:
                legendCorner = nil
            case .outside:
                legendCorner = (frame.plot.maxX + inset, frame.plot.y)
            case .best:
                let reach = series.map { line in
                    max(line.marker.radius, (line.lineWidth ?? style.lineWidth) / 2) + 1
                }
                legendCorner = Legend.emptyPlace(size: legendSize, in: frame.plot, inset: inset, runs: allRuns,
                                                    reach: reach)
                if legendCorner == nil {
                    (frame, allRuns) = layout(rightReserve: outsideReserve)
                    legendCorner = (frame.plot.maxX + inset, frame.plot.y)
                }
            case .upperRight, .upperLeft, .lowerLeft, .lowerRight:
                let left = legend == .upperLeft || legend == .lowerLeft
                    ? frame.plot.x + inset : frame.plot.maxX - legendSize.width - inset
                let top = legend == .upperLeft || legend == .upperRight
                    ? frame.plot.y + inset : frame.plot.maxY - legendSize.height - inset
                legendCorner = (left, top)
            }
        }

        var svg = SVGWriter(width: Double(width), height: Double(height), style: style, title: title)
        if showsGrid { frame.drawGrid(&svg) }
        frame.openClippedGroup(&svg)
        for (index, line) in series.enumerated() {
            let color = line.color ?? Palette.color(index, in: style.seriesColors)
            let lineWidth = line.lineWidth ?? style.lineWidth
            let runs = allRuns[index]
            svg.openGroup([("class", "series")])
            for run in runs where run.count >= 2 {
                svg.polyline(run, stroke: color, width: lineWidth)
            }
            if line.marker != .none {
                svg.openGroup([("class", "markers"), ("fill", color.hexString)])
                for point in runs.joined() {
                    svg.circle(cx: point.x, cy: point.y, r: line.marker.radius)
                }
                svg.closeGroup()
            } else {
                // A lone point has no line to show it; draw it as a dot the width of the line.
                for run in runs where run.count == 1 {
                    svg.circle(cx: run[0].x, cy: run[0].y, r: lineWidth, fill: color)
                }
            }
            svg.closeGroup()
        }
        svg.closeGroup()
        frame.drawAxes(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
        if let legendCorner {
            Legend.draw(entries, left: legendCorner.left, top: legendCorner.top, style: style, framed: true, into: &svg)
        }
        return svg.finished()
    }

    /// The pixel positions of the drawable points, split into runs at points that cannot be
    /// drawn (NaN, infinite, or not positive on a logarithmic axis).
    private static func runs(x: [Double], y: [Double], frame: Frame) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = []
        var current: [(x: Double, y: Double)] = []
        for (xv, yv) in zip(x, y) {
            if xv.isFinite && frame.y.accepts(yv) {
                current.append((frame.px(xv), frame.py(yv)))
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}
