// Bar charts of one value per category (the ten class probabilities of a prediction): labels
// under the bars, values over them, one bar optionally highlighted. No grouped or stacked bars.

/// A bar chart, one bar per value, rendered as SVG 1.1.
///
/// The probabilities of a prediction, the predicted class highlighted:
/// ```swift
/// var chart = BarChart(probabilities, highlighted: predicted, title: "prediction", yLabel: "probability")
/// chart.yRange = 0...1
/// let svg = chart.svg()
/// ```
public struct BarChart: Sendable, Hashable {
    /// One value per bar. NaN and infinite values get no bar and no value label.
    public var values: [Double]
    /// The label under each bar; nil numbers the bars from 0 (class indices).
    public var labels: [String]?
    /// The index of a bar drawn in `highlightColor` with a bold value label (the predicted
    /// class); nil for none.
    public var highlighted: Int?
    /// The title above the plot; nil or empty for none.
    public var title: String?
    /// The label under the category labels; nil or empty for none.
    public var xLabel: String?
    /// The y axis label; nil or empty for none.
    public var yLabel: String?
    /// A fixed y range, e.g. 0...1 for probabilities; nil fits the data and zero. Bars
    /// beyond the range are cut at its edge.
    public var yRange: ClosedRange<Double>?
    /// How the value over each bar is written; `.fixed(2)` (`0.97`) by default, nil for no
    /// value labels.
    public var valueFormat: ValueFormat?
    /// The colour of the bars; Okabe-Ito blue `#0072b2` by default.
    public var color: RGBColor
    /// The colour of the highlighted bar; Okabe-Ito vermillion `#d55e00` by default, which
    /// stays distinct from the blue for colour-blind readers.
    public var highlightColor: RGBColor
    /// Whether horizontal grid lines are drawn at the y ticks; true by default.
    public var showsGrid: Bool
    /// Width in pixels; 640 by default.
    public var width: Int
    /// Height in pixels; 400 by default.
    public var height: Int
    /// Fonts and colours.
    public var style: ChartStyle

    /// A bar chart of `values`.
    ///
    /// - Precondition: `labels`, when given, has one label per value.
    public init(_ values: [Double], labels: [String]? = nil, highlighted: Int? = nil, title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil) {
        if let labels {
            precondition(labels.count == values.count, "BarChart has \(values.count) values and \(labels.count) labels")
        }
        self.values = values
        self.labels = labels
        self.highlighted = highlighted
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        yRange = nil
        valueFormat = .fixed(2)
        color = Palette.okabeIto[0]
        highlightColor = Palette.okabeIto[1]
        showsGrid = true
        width = 640
        height = 400
        style = .standard
    }

    /// The chart as a standalone SVG 1.1 document; equal charts give byte-identical
    /// documents. Each bar is a `<rect class="bar">` (`class="bar highlighted"` for the
    /// highlighted one); value labels are `<text>` elements in `<g class="values">`.
    ///
    /// - Precondition: `width` and `height` are positive; `labels`, when given, has one label
    ///   per value.
    public func svg() -> String {
        precondition(width > 0 && height > 0, "BarChart size must be positive, got \(width)x\(height)")
        let names = labels ?? values.indices.map(String.init)
        precondition(names.count == values.count, "BarChart has \(values.count) values and \(names.count) labels")
        let yAxis = Axis(values: values + [0], fixed: yRange, logarithmic: false)
        let frame = Frame(width: Double(width), height: Double(height), style: style, title: title,
                          xLabel: xLabel, yLabel: yLabel, x: nil, y: yAxis)
        let plot = frame.plot

        var svg = SVGWriter(width: Double(width), height: Double(height), style: style, title: title)
        if showsGrid { frame.drawGrid(&svg, vertical: false) }
        let slot = plot.width / Double(max(values.count, 1))
        let clampToAxis = { (value: Double) in value.clamped(to: yAxis.lower...yAxis.upper) }
        let baseline = frame.py(clampToAxis(0))
        var valueLabels: [(text: String, x: Double, y: Double, color: RGBColor?, bold: Bool)] = []
        svg.openGroup([("class", "bars")])
        for (index, value) in values.enumerated() where value.isFinite {
            let isHighlighted = index == highlighted
            let fill = isHighlighted ? highlightColor : color
            let end = frame.py(clampToAxis(value))
            let centre = plot.x + slot * (Double(index) + 0.5)
            svg.rect(x: centre - slot * 0.4, y: min(end, baseline), width: slot * 0.8,
                     height: abs(end - baseline), fill: fill,
                     extra: [("class", isHighlighted ? "bar highlighted" : "bar")])
            guard let valueFormat else { continue }
            // Outside the bar's end when there is room in the plot, otherwise just inside it.
            let size = style.valueSize
            let outside = value >= 0 ? end - 4 : end + size + 2
            let fits = value >= 0 ? outside - size >= plot.y : outside <= plot.maxY
            let inside = value >= 0 ? end + size + 2 : end - 4
            valueLabels.append((valueFormat.string(for: value), centre, fits ? outside : inside,
                                fits ? nil : (fill.prefersWhiteText ? .white : style.textColor), isHighlighted))
        }
        svg.closeGroup()
        if !valueLabels.isEmpty {
            svg.openGroup([("class", "values")])
            for label in valueLabels {
                svg.text(label.text, x: label.x, y: label.y, size: style.valueSize, anchor: .middle,
                         color: label.color, bold: label.bold)
            }
            svg.closeGroup()
        }
        frame.drawAxes(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
        svg.openGroup([("class", "x-ticks")])
        for (index, name) in names.enumerated() {
            frame.drawXTick(&svg, at: plot.x + slot * (Double(index) + 0.5), label: name)
        }
        svg.closeGroup()
        return svg.finished()
    }
}
