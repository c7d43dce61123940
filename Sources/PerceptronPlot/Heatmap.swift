// Heatmaps: a grid of coloured cells with the value written in each (confusion matrices,
// accuracy grids), row and column labels, a colour bar. No clustering or reordering of rows.

/// A grid of values drawn as coloured cells, rendered as SVG 1.1.
///
/// A confusion matrix, rows the true class and columns the predicted one:
/// ```swift
/// Heatmap(counts: confusion, title: "confusion matrix", xLabel: "predicted", yLabel: "true").svg()
/// ```
/// An accuracy grid (rotation x shift), values written as `0.97`:
/// ```swift
/// var grid = Heatmap(accuracy, rowLabels: angles, columnLabels: shifts, xLabel: "shift", yLabel: "rotation")
/// grid.valueFormat = .fixed(2)
/// grid.range = 0...1
/// ```
/// Row 0 is at the top. The size of the document follows from `cellSize` and the labels.
public struct Heatmap: Sendable, Hashable {
    /// The values, row by row; all rows have the same length. NaN and infinite cells are
    /// drawn light grey with no text.
    public var values: [[Double]]
    /// The label left of each row; nil numbers the rows from 0.
    public var rowLabels: [String]?
    /// The label under each column; nil numbers the columns from 0. Labels wider than a
    /// cell are written vertically.
    public var columnLabels: [String]?
    /// The title above the grid; nil or empty for none.
    public var title: String?
    /// The label under the column labels (`predicted`); nil or empty for none.
    public var xLabel: String?
    /// The label left of the row labels (`true`); nil or empty for none.
    public var yLabel: String?
    /// How values are written in the cells; nil writes whole numbers when every value is
    /// whole (counts) and two decimals otherwise.
    public var valueFormat: ValueFormat?
    /// Whether values are written in the cells; true by default. Text that would need a font
    /// under 6 px to fit its cell is left out.
    public var showsValues: Bool
    /// The colours, from low to high values; `.blues` by default.
    public var colorScale: ColorScale
    /// The values mapped to the two ends of the colour scale; nil uses the smallest and
    /// largest finite values. Values outside are clamped.
    public var range: ClosedRange<Double>?
    /// Side of a square cell in pixels; 40 by default (room for `0.97` at 11 px).
    public var cellSize: Double
    /// Whether a colour bar with tick labels is drawn right of the grid; true by default.
    public var showsColorBar: Bool
    /// Fonts and colours; the cell text is `style.valueSize` pixels, white on dark cells.
    public var style: ChartStyle

    /// A heatmap of `values`, row by row.
    ///
    /// - Precondition: every row has the same length; labels, when given, match the number
    ///   of rows and columns.
    public init(_ values: [[Double]], rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        valueFormat = nil
        showsValues = true
        colorScale = .blues
        range = nil
        cellSize = 40
        showsColorBar = true
        style = .standard
        _ = checkedShape()
    }

    /// A heatmap of counts, such as a confusion matrix (rows the true class, columns the
    /// predicted one), with the same `labels` on both axes and counts written as integers.
    ///
    /// - Precondition: the matrix is rectangular; `labels`, when given, fits both axes.
    public init(counts: [[Int]], labels: [String]? = nil, title: String? = nil, xLabel: String? = nil,
                yLabel: String? = nil) {
        self.init(counts.map { $0.map(Double.init) }, rowLabels: labels, columnLabels: labels, title: title,
                  xLabel: xLabel, yLabel: yLabel)
        valueFormat = .integer
    }

    private func checkedShape() -> (rows: Int, columns: Int) {
        let columns = values.first?.count ?? 0
        for (index, row) in values.enumerated() {
            precondition(row.count == columns, "Heatmap row \(index) has \(row.count) values, row 0 has \(columns)")
        }
        if let rowLabels {
            precondition(rowLabels.count == values.count,
                         "Heatmap has \(values.count) rows and \(rowLabels.count) row labels")
        }
        if let columnLabels {
            precondition(columnLabels.count == columns,
                         "Heatmap has \(columns) columns and \(columnLabels.count) column labels")
        }
        return (values.count, columns)
    }

    /// The heatmap as a standalone SVG 1.1 document; equal heatmaps give byte-identical
    /// documents. Each cell is a `<rect class="cell">`; the cell texts are the `<text>`
    /// elements of `<g class="cell-values">`, row by row.
    ///
    /// - Precondition: the grid is rectangular and the labels fit it; `cellSize` is positive.
    public func svg() -> String {
        let (rows, columns) = checkedShape()
        precondition(cellSize > 0, "Heatmap cellSize must be positive, got \(cellSize)")
        let rowNames = rowLabels ?? (0..<rows).map(String.init)
        let columnNames = columnLabels ?? (0..<columns).map(String.init)
        let finite = values.joined().filter(\.isFinite)
        let low = range?.lowerBound ?? finite.min() ?? 0
        let high = range?.upperBound ?? finite.max() ?? 1
        let format = valueFormat ?? (finite.allSatisfy { $0 == $0.rounded() } ? .integer : .fixed(2))

        let padding = Frame.padding
        let tick = style.tickSize
        let widestRow = rowNames.map { style.textWidth($0, size: tick) }.max() ?? 0
        let widestColumn = columnNames.map { style.textWidth($0, size: tick) }.max() ?? 0
        let verticalColumns = widestColumn > cellSize * 0.95
        let barTicks = low < high ? Ticks.linear(from: low, to: high, intervals: 4).filter {
            $0 >= low - 1e-9 * (high - low) && $0 <= high + 1e-9 * (high - low)
        } : [low]
        let barLabels = Ticks.labels(for: barTicks)
        let widestBar = barLabels.map { style.textWidth($0, size: tick) }.max() ?? 0

        let grid = Rect(x: padding + (yLabel.isBlank ? 0 : style.labelSize * 1.6) + widestRow + 6,
                        y: padding + (title.isBlank ? 4 : style.titleSize * 1.6),
                        width: Double(columns) * cellSize, height: Double(rows) * cellSize)
        let columnBand = 4 + (verticalColumns ? widestColumn : tick)
        let width = grid.maxX + (showsColorBar ? 12 + 14 + 4 + widestBar : 0) + padding
        let height = grid.maxY + columnBand + (xLabel.isBlank ? 0 : style.labelSize * 1.7) + padding

        var svg = SVGWriter(width: width, height: height, style: style, title: title)
        var texts: [(text: String, x: Double, y: Double, size: Double, color: RGBColor)] = []
        svg.openGroup([("class", "cells")])
        for (r, row) in values.enumerated() {
            for (c, value) in row.enumerated() {
                let x = grid.x + Double(c) * cellSize, y = grid.y + Double(r) * cellSize
                guard value.isFinite else {
                    svg.rect(x: x, y: y, width: cellSize, height: cellSize, fill: RGBColor(hex: 0xEEEEEE),
                             extra: [("class", "cell")])
                    continue
                }
                let position = high > low ? (value - low) / (high - low) : 0.5
                let fill = colorScale.color(at: position)
                svg.rect(x: x, y: y, width: cellSize, height: cellSize, fill: fill, extra: [("class", "cell")])
                let text = format.string(for: value)
                let size = min(style.valueSize, cellSize * 0.9 / max(0.6 * Double(text.count), 0.6))
                if showsValues && size >= 6 {
                    texts.append((text, x + cellSize / 2, y + cellSize / 2 + size * 0.35, size,
                                  fill.prefersWhiteText ? .white : style.textColor))
                }
            }
        }
        svg.closeGroup()
        svg.openGroup([("class", "cell-values")])
        for text in texts {
            svg.text(text.text, x: text.x, y: text.y, size: text.size, anchor: .middle, color: text.color)
        }
        svg.closeGroup()

        svg.openGroup([("class", "row-labels")])
        for (r, name) in rowNames.enumerated() {
            svg.text(name, x: grid.x - 6, y: grid.y + (Double(r) + 0.5) * cellSize + tick * 0.35, size: tick,
                     anchor: .end)
        }
        svg.closeGroup()
        svg.openGroup([("class", "column-labels")])
        for (c, name) in columnNames.enumerated() {
            let centre = grid.x + (Double(c) + 0.5) * cellSize
            if verticalColumns {
                svg.text(name, x: centre + tick * 0.35, y: grid.maxY + 4, size: tick, anchor: .end, rotation: -90)
            } else {
                svg.text(name, x: centre, y: grid.maxY + 3 + tick * 0.8, size: tick, anchor: .middle)
            }
        }
        svg.closeGroup()
        if let xLabel, !xLabel.isEmpty {
            svg.text(xLabel, x: grid.midX, y: grid.maxY + columnBand + style.labelSize * 1.3,
                     size: style.labelSize, anchor: .middle)
        }
        if let yLabel, !yLabel.isEmpty {
            svg.text(yLabel, x: padding + style.labelSize * 0.85, y: grid.midY, size: style.labelSize,
                     anchor: .middle, rotation: -90)
        }
        if let title, !title.isEmpty {
            svg.text(title, x: grid.midX, y: padding + style.titleSize, size: style.titleSize, anchor: .middle)
        }
        if showsColorBar {
            drawColorBar(&svg, beside: grid, low: low, high: high, ticks: barTicks, labels: barLabels)
        }
        return svg.finished()
    }

    /// A vertical bar of the colour scale, high values on top, with tick labels on its right.
    private func drawColorBar(_ svg: inout SVGWriter, beside grid: Rect, low: Double, high: Double,
                              ticks: [Double], labels: [String]) {
        let bar = Rect(x: grid.maxX + 12, y: grid.y, width: 14, height: grid.height)
        let steps = 32
        let step = bar.height / Double(steps)
        svg.openGroup([("class", "color-bar")])
        for k in 0..<steps {
            // Each band overlaps the next by a fraction of a pixel so no seams show.
            svg.rect(x: bar.x, y: bar.y + Double(k) * step, width: bar.width,
                     height: step + (k < steps - 1 ? 0.5 : 0),
                     fill: colorScale.color(at: 1 - (Double(k) + 0.5) / Double(steps)))
        }
        svg.rect(x: bar.x, y: bar.y, width: bar.width, height: bar.height, fill: nil, stroke: style.axisColor)
        for (value, label) in zip(ticks, labels) {
            let y = high > low ? bar.maxY - (value - low) / (high - low) * bar.height : bar.midY
            svg.line(x1: bar.maxX, y1: y, x2: bar.maxX + 3, y2: y, stroke: style.axisColor)
            svg.text(label, x: bar.maxX + 4, y: y + style.tickSize * 0.35, size: style.tickSize)
        }
        svg.closeGroup()
    }
}
