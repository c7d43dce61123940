// The plot frame shared by line, bar and scatter charts: axis ranges, margins, grid, frame,
// tick and axis labels, title, clipping, legend box. Heatmaps lay themselves out.

import Foundation

/// A rectangle in pixels, y growing downwards as in SVG.
struct Rect {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    var maxX: Double { x + width }
    var maxY: Double { y + height }
    var midX: Double { x + width / 2 }
    var midY: Double { y + height / 2 }

    /// Whether `point` lies inside or on the border.
    func contains(_ point: (x: Double, y: Double)) -> Bool {
        point.x >= x && point.x <= maxX && point.y >= y && point.y <= maxY
    }

    /// Whether the segment from `a` to `b` touches the rectangle (Liang-Barsky clipping: the
    /// part of the segment inside each of the four half-planes must not be empty).
    func meets(from a: (x: Double, y: Double), to b: (x: Double, y: Double)) -> Bool {
        let dx = b.x - a.x, dy = b.y - a.y
        var enter = 0.0, leave = 1.0
        for (p, q) in [(-dx, a.x - x), (dx, maxX - a.x), (-dy, a.y - y), (dy, maxY - a.y)] {
            if p == 0 {
                if q < 0 { return false }
            } else if p < 0 {
                enter = max(enter, q / p)
            } else {
                leave = min(leave, q / p)
            }
            if enter > leave { return false }
        }
        return true
    }
}

/// One numeric axis: its range, ticks and tick labels, linear or logarithmic.
struct Axis {
    var lower: Double
    var upper: Double
    var ticks: [Double]
    var labels: [String]
    var logarithmic: Bool

    /// An axis for `values` (non-finite ones, and non-positive ones on a logarithmic axis,
    /// are ignored). Without `fixed` the range runs from the first to the last nice tick
    /// around the data; with `fixed` it is exactly `fixed` and only ticks inside it are kept.
    /// No usable values give 0...1 (linear) or 1...10 (logarithmic).
    init(values: [Double], fixed: ClosedRange<Double>?, logarithmic: Bool, integersOnly: Bool = false) {
        self.logarithmic = logarithmic
        let usable = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        var low = usable.min() ?? (logarithmic ? 1 : 0)
        var high = usable.max() ?? (logarithmic ? 10 : 1)
        var exact = false
        if let fixed, fixed.lowerBound.isFinite, fixed.upperBound.isFinite, fixed.lowerBound < fixed.upperBound,
           !logarithmic || fixed.upperBound > 0 {
            low = fixed.lowerBound
            high = fixed.upperBound
            if logarithmic && low <= 0 { low = min(usable.min() ?? high / 10, high / 10) }
            exact = true
        }
        var ticks = logarithmic
            ? Ticks.logarithmic(from: low, to: high)
            : Ticks.linear(from: low, to: high, integersOnly: integersOnly)
        if exact {
            let slack = logarithmic ? 1e-9 * high : 1e-9 * (high - low)
            ticks = ticks.filter { $0 >= low - slack && $0 <= high + slack }
        } else {
            low = ticks.first ?? low
            high = ticks.last ?? high
        }
        lower = low
        upper = high
        self.ticks = ticks
        labels = Ticks.labels(for: ticks, logarithmic: logarithmic)
    }

    /// Whether `value` can be drawn on this axis: finite, and positive if logarithmic.
    func accepts(_ value: Double) -> Bool {
        value.isFinite && (!logarithmic || value > 0)
    }

    /// The pixel of `value` when the axis runs from pixel `start` (at `lower`) to `end`.
    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        let t = logarithmic
            ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
            : (value - lower) / (upper - lower)
        return start + t * (end - start)
    }
}

/// The margins, scales and decorations of a chart with a plot area.
struct Frame {
    static let padding = 10.0
    static let tickLength = 5.0

    let width: Double
    let height: Double
    let plot: Rect
    /// The numeric x axis; nil when the chart draws its own categories (bar charts).
    let x: Axis?
    let y: Axis

    /// Lays out a `width` x `height` chart: room for the title on top, the y tick labels and
    /// y label on the left, the x tick labels and x label below, and `rightReserve` pixels
    /// on the right (an outside legend).
    init(width: Double, height: Double, style: ChartStyle, title: String?, xLabel: String?, yLabel: String?,
         x: Axis?, y: Axis, rightReserve: Double = 0) {
        self.width = width
        self.height = height
        self.x = x
        self.y = y
        let widestY = y.labels.map { style.textWidth($0, size: style.tickSize) }.max() ?? 0
        let lastX = x?.labels.last.map { style.textWidth($0, size: style.tickSize) / 2 } ?? 0
        let top = Frame.padding + (title.isBlank ? 4 : style.titleSize * 1.6)
        let left = Frame.padding + (yLabel.isBlank ? 0 : style.labelSize * 1.6) + widestY + Frame.tickLength + 4
        let bottom = Frame.padding + Frame.tickLength + 4 + style.tickSize + (xLabel.isBlank ? 0 : style.labelSize * 1.7)
        let right = Frame.padding + max(rightReserve, lastX)
        plot = Rect(x: left, y: top, width: max(width - left - right, 10), height: max(height - top - bottom, 10))
    }

    /// The pixel column of x value `value`; only for frames with a numeric x axis.
    func px(_ value: Double) -> Double { x!.position(value, from: plot.x, to: plot.maxX) }
    /// The pixel row of y value `value` (larger values higher up).
    func py(_ value: Double) -> Double { y.position(value, from: plot.maxY, to: plot.y) }

    /// Grid lines at the ticks, drawn first so the data lies on top.
    func drawGrid(_ svg: inout SVGWriter, vertical: Bool = true) {
        let color = svg.style.gridColor
        svg.openGroup([("class", "grid")])
        for tick in y.ticks {
            let yy = py(tick)
            svg.line(x1: plot.x, y1: yy, x2: plot.maxX, y2: yy, stroke: color)
        }
        if vertical, let x {
            for tick in x.ticks {
                let xx = px(tick)
                svg.line(x1: xx, y1: plot.y, x2: xx, y2: plot.maxY, stroke: color)
            }
        }
        svg.closeGroup()
    }

    /// Opens a group clipped to the plot area. The clip path's id is made of the plot
    /// rectangle itself, so two charts inlined in one HTML page that share an id also share
    /// the rectangle, and either definition clips correctly.
    func openClippedGroup(_ svg: inout SVGWriter) {
        let parts = [plot.x, plot.y, plot.width, plot.height].map {
            NumberText.coordinate($0).replacingOccurrences(of: ".", with: "_")
        }
        let id = "plot-" + parts.joined(separator: "-")
        svg.raw("<defs><clipPath id=\"\(id)\">")
        svg.raw("<rect x=\"\(NumberText.coordinate(plot.x))\" y=\"\(NumberText.coordinate(plot.y))\"")
        svg.raw(" width=\"\(NumberText.coordinate(plot.width))\" height=\"\(NumberText.coordinate(plot.height))\"/>")
        svg.raw("</clipPath></defs>\n")
        svg.openGroup([("class", "data"), ("clip-path", "url(#\(id))")])
    }

    /// The frame, tick marks and labels, axis labels and title.
    func drawAxes(_ svg: inout SVGWriter, title: String?, xLabel: String?, yLabel: String?) {
        let style = svg.style
        svg.rect(x: plot.x, y: plot.y, width: plot.width, height: plot.height, fill: nil,
                 stroke: style.axisColor, extra: [("class", "frame")])
        svg.openGroup([("class", "y-ticks")])
        for (tick, label) in zip(y.ticks, y.labels) {
            let yy = py(tick)
            svg.line(x1: plot.x - Frame.tickLength, y1: yy, x2: plot.x, y2: yy, stroke: style.axisColor)
            svg.text(label, x: plot.x - Frame.tickLength - 3, y: yy + style.tickSize * 0.35,
                     size: style.tickSize, anchor: .end)
        }
        svg.closeGroup()
        if let x {
            svg.openGroup([("class", "x-ticks")])
            for (tick, label) in zip(x.ticks, x.labels) {
                drawXTick(&svg, at: px(tick), label: label)
            }
            svg.closeGroup()
        }
        if let xLabel, !xLabel.isEmpty {
            let baseline = plot.maxY + Frame.tickLength + 4 + style.tickSize + style.labelSize * 1.3
            svg.text(xLabel, x: plot.midX, y: baseline, size: style.labelSize, anchor: .middle)
        }
        if let yLabel, !yLabel.isEmpty {
            svg.text(yLabel, x: Frame.padding + style.labelSize * 0.85, y: plot.midY, size: style.labelSize,
                     anchor: .middle, rotation: -90)
        }
        if let title, !title.isEmpty {
            svg.text(title, x: plot.midX, y: Frame.padding + style.titleSize, size: style.titleSize, anchor: .middle)
        }
    }

    /// A tick mark below the plot at pixel `xx`, with its label centred under it.
    func drawXTick(_ svg: inout SVGWriter, at xx: Double, label: String) {
        let style = svg.style
        svg.line(x1: xx, y1: plot.maxY, x2: xx, y2: plot.maxY + Frame.tickLength, stroke: style.axisColor)
        svg.text(label, x: xx, y: plot.maxY + Frame.tickLength + 3 + style.tickSize * 0.8,
                 size: style.tickSize, anchor: .middle)
    }
}

/// One line of a legend: a sample of the line and/or marker, then the label.
struct LegendEntry {
    var label: String
    var color: RGBColor
    var showsLine: Bool
    var marker: Marker
    var lineWidth: Double
}

/// Legend boxes: measured first (for placement), then drawn.
enum Legend {
    static let padding = 7.0
    static let sampleWidth = 24.0
    static let gap = 6.0

    /// Width and height of the legend box for `entries`.
    static func size(of entries: [LegendEntry], style: ChartStyle) -> (width: Double, height: Double) {
        let widest = entries.map { style.textWidth($0.label, size: style.legendSize) }.max() ?? 0
        let sample = entries.contains(where: \.showsLine) ? sampleWidth : 10
        return (2 * padding + sample + gap + widest, 2 * padding + Double(entries.count) * style.legendSize * 1.5)
    }

    /// matplotlib's candidate places for `loc='best'`, in its order of preference (codes 1 to
    /// 10: upper right, upper left, lower left, lower right, right, centre left, centre right,
    /// lower centre, upper centre, centre), as top-left corners of a `size` box `inset`
    /// pixels inside `plot`. "Right" and "centre right" are the same place, as in matplotlib.
    static func candidatePlaces(size: (width: Double, height: Double), in plot: Rect,
                                inset: Double) -> [(left: Double, top: Double)] {
        let left = plot.x + inset, right = plot.maxX - size.width - inset, centreX = plot.midX - size.width / 2
        let top = plot.y + inset, bottom = plot.maxY - size.height - inset, centreY = plot.midY - size.height / 2
        return [(right, top), (left, top), (left, bottom), (right, bottom), (right, centreY),
                (left, centreY), (right, centreY), (centreX, bottom), (centreX, top), (centreX, centreY)]
    }

    /// matplotlib's badness of a legend box: the data points it covers plus the lines it
    /// crosses (one per series with a segment through the box). A point of series `s` covers
    /// the box when it lies within `reach[s]` pixels of it (its marker or line would show
    /// under the box).
    static func coverage(of box: Rect, runs: [[[(x: Double, y: Double)]]], reach: [Double]) -> Int {
        var count = 0
        for (seriesRuns, margin) in zip(runs, reach) {
            let grown = Rect(x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin,
                             height: box.height + 2 * margin)
            count += seriesRuns.joined().filter { grown.contains($0) }.count
            let crosses = seriesRuns.contains { run in
                zip(run, run.dropFirst()).contains { grown.meets(from: $0, to: $1) }
            }
            if crosses { count += 1 }
        }
        return count
    }

    /// The first of `candidatePlaces` whose box covers no data (`coverage` 0): the place
    /// matplotlib's `loc='best'` picks when one is empty. Nil when every place covers data.
    static func emptyPlace(size: (width: Double, height: Double), in plot: Rect, inset: Double,
                           runs: [[[(x: Double, y: Double)]]], reach: [Double]) -> (left: Double, top: Double)? {
        candidatePlaces(size: size, in: plot, inset: inset).first { place in
            let box = Rect(x: place.left, y: place.top, width: size.width, height: size.height)
            return coverage(of: box, runs: runs, reach: reach) == 0
        }
    }

    /// Draws the legend with its top-left corner at (`left`, `top`), on a white, slightly
    /// transparent box with a light border (matplotlib's look) when `framed`.
    static func draw(_ entries: [LegendEntry], left: Double, top: Double, style: ChartStyle, framed: Bool,
                     into svg: inout SVGWriter) {
        guard !entries.isEmpty else { return }
        let (width, height) = size(of: entries, style: style)
        let sample = entries.contains(where: \.showsLine) ? sampleWidth : 10
        svg.openGroup([("class", "legend")])
        if framed {
            svg.rect(x: left, y: top, width: width, height: height, fill: style.background,
                     stroke: RGBColor(hex: 0xCCCCCC), extra: [("fill-opacity", "0.85"), ("rx", "3")])
        }
        let rowHeight = style.legendSize * 1.5
        for (index, entry) in entries.enumerated() {
            let centre = top + padding + rowHeight * (Double(index) + 0.5)
            let sampleLeft = left + padding
            if entry.showsLine {
                svg.line(x1: sampleLeft, y1: centre, x2: sampleLeft + sample, y2: centre, stroke: entry.color,
                         width: entry.lineWidth)
            }
            if entry.marker != .none {
                svg.circle(cx: sampleLeft + sample / 2, cy: centre, r: max(entry.marker.radius, 3),
                           fill: entry.color)
            }
            svg.text(entry.label, x: sampleLeft + sample + gap, y: centre + style.legendSize * 0.35,
                     size: style.legendSize)
        }
        svg.closeGroup()
    }
}

extension Optional where Wrapped == String {
    /// True for nil and for the empty string.
    var isBlank: Bool { self?.isEmpty ?? true }
}
