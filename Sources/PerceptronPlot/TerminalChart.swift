// Terminal charts: series in braille with marker characters at the data points, labelled axes,
// a legend line, optional ANSI colour. No bars, no log scale, no input from the terminal.

import Foundation

/// An ANSI terminal colour (the standard foreground colours, codes 31...36).
public enum TerminalColor: Sendable, Hashable, CaseIterable {
    /// ANSI red, `ESC[31m`.
    case red
    /// ANSI green, `ESC[32m`.
    case green
    /// ANSI yellow, `ESC[33m`.
    case yellow
    /// ANSI blue, `ESC[34m`.
    case blue
    /// ANSI magenta, `ESC[35m`.
    case magenta
    /// ANSI cyan, `ESC[36m`.
    case cyan

    /// The escape sequence that switches the foreground to this colour.
    var escape: String {
        let code: Int
        switch self {
        case .red: code = 31
        case .green: code = 32
        case .yellow: code = 33
        case .blue: code = 34
        case .magenta: code = 35
        case .cyan: code = 36
        }
        return "\u{1B}[\(code)m"
    }
}

/// One series of a terminal chart.
public struct TerminalSeries: Sendable, Hashable {
    /// The legend label.
    public var label: String
    /// The x value of each y value; nil places them at consecutive integers from the chart's
    /// `firstIndex`.
    public var x: [Double]?
    /// The values. NaN and infinite values are skipped, breaking the line.
    public var y: [Double]
    /// The character drawn at each data point; nil takes the next of
    /// `TerminalChart.defaultMarkers`.
    public var marker: Character?
    /// The colour when the chart uses colour; nil takes the next of
    /// `TerminalChart.defaultColors`.
    public var color: TerminalColor?

    /// A series; `TerminalSeries("training loss", y: history.loss)`.
    ///
    /// - Precondition: `x`, when given, has as many values as `y`.
    public init(_ label: String, x: [Double]? = nil, y: [Double], marker: Character? = nil,
                color: TerminalColor? = nil) {
        if let x {
            precondition(x.count == y.count, "TerminalSeries '\(label)' has \(x.count) x values and \(y.count) y values")
        }
        self.label = label
        self.x = x
        self.y = y
        self.marker = marker
        self.color = color
    }
}

/// A compact chart for the terminal, plain text plus optional ANSI colour.
///
/// Lines are drawn in braille (each cell 2 dots wide and 4 high); each data point is then
/// shown by its series' marker character, so series stay apart without colour. Later series
/// are drawn over earlier ones. Six epochs of loss, width 24, height 6 (the first points
/// share a cell, where `o` is drawn over `*`):
/// ```
/// loss
/// 0.90 ┤o⡀
///      │⠈⠺⣄
/// 0.63 ┤  ⠈⢦⡀
///      │    o⣑⠒⠤⠤o⣀⣀         ⢀⣀o
///      │      ⠉⠒⠤*⣀⣀⠉⠉o⠉⠉⠉⠉o⠉⠁
/// 0.22 ┤            ⠉⠉*⠑⠒⠒⠤*⠤⢄⣀*
///      └────────────────────────
///       1         epoch        6
///       * training loss   o validation loss
/// ```
/// The y axis is labelled with the top and bottom of the range (and the middle row when
/// there are five rows or more); the x axis with the first and last x value. Trailing spaces
/// are trimmed from every line; the result has no final newline.
public struct TerminalChart: Sendable, Hashable {
    /// The series, drawn in order.
    public var series: [TerminalSeries]
    /// Width of the plot area in character cells (2 dots each), at least 2.
    public var width: Int
    /// Height of the plot area in lines (4 dots each), at least 2.
    public var height: Int
    /// The x axis label (`epoch`), written between the first and last x value; nil for none.
    public var xLabel: String?
    /// The y axis label (`loss`), written above the axis; nil for none.
    public var yLabel: String?
    /// The x value of the first point of series without x values; 0 by default, 1 to
    /// number epochs from one.
    public var firstIndex: Int
    /// A fixed y range; nil fits the data. Values outside are drawn at the edge.
    public var yRange: ClosedRange<Double>?
    /// Whether each data point is shown by its marker character; true by default. Without
    /// markers (and without colour) series are told apart only by position.
    public var showsMarkers: Bool
    /// Whether series are coloured with ANSI escapes; false by default, so output is plain
    /// text. Turn it on only when standard output is a terminal.
    public var usesColor: Bool

    /// Markers given in turn to series without their own: `*`, `o`, `+`, `x`, `#`, `@`, `%`, `&`
    /// (ASCII, so every terminal and font shows them one cell wide).
    public static let defaultMarkers: [Character] = ["*", "o", "+", "x", "#", "@", "%", "&"]
    /// Colours given in turn to series without their own: blue, red, green, magenta, yellow, cyan.
    public static let defaultColors: [TerminalColor] = [.blue, .red, .green, .magenta, .yellow, .cyan]

    /// A chart of `series` in a plot area `width` cells by `height` lines.
    public init(_ series: [TerminalSeries], width: Int = 60, height: Int = 12, xLabel: String? = nil,
                yLabel: String? = nil) {
        self.series = series
        self.width = width
        self.height = height
        self.xLabel = xLabel
        self.yLabel = yLabel
        firstIndex = 0
        yRange = nil
        showsMarkers = true
        usesColor = false
    }

    /// The chart as lines of text joined by newlines (no final newline).
    ///
    /// - Precondition: `width` and `height` are at least 2.
    public func render() -> String {
        precondition(width >= 2 && height >= 2, "TerminalChart needs at least 2x2 cells, got \(width)x\(height)")
        let points: [[(x: Double, y: Double)?]] = series.map { line in
            let xs = line.x ?? (0..<line.y.count).map { Double(firstIndex + $0) }
            return zip(xs, line.y).map { $0.isFinite && $1.isFinite ? ($0, $1) : nil }
        }
        let usable = points.joined().compactMap { $0 }
        let xLow = usable.map(\.x).min() ?? Double(firstIndex)
        let xHigh = usable.map(\.x).max() ?? Double(firstIndex)
        var yLow = yRange?.lowerBound ?? usable.map(\.y).min() ?? 0
        var yHigh = yRange?.upperBound ?? usable.map(\.y).max() ?? 1
        if !(yLow < yHigh) {
            let pad = yLow == 0 ? 1 : yLow.magnitude * 0.05
            yLow -= pad
            yHigh += pad
        }

        var canvas = BrailleCanvas(columns: width, rows: height)
        func dot(_ point: (x: Double, y: Double)) -> (x: Int, y: Int) {
            let fx = xHigh > xLow ? (point.x - xLow) / (xHigh - xLow) : 0.5
            let fy = (yHigh - point.y) / (yHigh - yLow)
            let x = Int((fx * Double(canvas.dotWidth - 1)).rounded())
            let y = Int((fy * Double(canvas.dotHeight - 1)).rounded())
            return (x, y.clamped(to: 0...(canvas.dotHeight - 1)))
        }
        for (index, line) in points.enumerated() {
            var previous: (x: Int, y: Int)?
            for point in line {
                guard let point else {
                    previous = nil
                    continue
                }
                let current = dot(point)
                canvas.drawLine(from: previous ?? current, to: current, series: index)
                previous = current
            }
        }
        if showsMarkers {
            for (index, line) in points.enumerated() {
                for point in line.compactMap({ $0 }) {
                    let position = dot(point)
                    canvas.mark(x: position.x, y: position.y, character: marker(index), series: index)
                }
            }
        }

        let labels = axisLabels(low: yLow, high: yHigh)
        let labelWidth = labels.values.map(\.count).max() ?? 0
        let indent = String(repeating: " ", count: labelWidth + 2)
        var lines: [String] = []
        if let yLabel, !yLabel.isEmpty { lines.append(yLabel) }
        for row in 0..<height {
            var text: String
            if let label = labels[row] {
                text = String(repeating: " ", count: labelWidth - label.count) + label + " ┤"
            } else {
                text = String(repeating: " ", count: labelWidth) + " │"
            }
            text += rowText(canvas, row: row)
            lines.append(text)
        }
        lines.append(String(repeating: " ", count: labelWidth) + " └" + String(repeating: "─", count: width))
        lines.append(indent + xAxisLine(low: xLow, high: xHigh))
        if !series.isEmpty {
            let entries = series.indices.map { index in
                paint(showsMarkers ? String(marker(index)) : "─", index) + " " + series[index].label
            }
            lines.append(indent + entries.joined(separator: "   "))
        }
        return lines.map { $0.trimmingTrailingSpaces() }.joined(separator: "\n")
    }

    private func marker(_ index: Int) -> Character {
        series[index].marker ?? Self.defaultMarkers[index % Self.defaultMarkers.count]
    }

    /// `text` in the colour of series `index` when colour is on.
    private func paint(_ text: String, _ index: Int) -> String {
        guard usesColor else { return text }
        let color = series[index].color ?? Self.defaultColors[index % Self.defaultColors.count]
        return color.escape + text + "\u{1B}[0m"
    }

    /// One row of cells, empty cells at the end dropped, colour switched only where it changes.
    private func rowText(_ canvas: BrailleCanvas, row: Int) -> String {
        let cells = (0..<width).map { canvas.cell(column: $0, row: row) }
        guard let last = cells.lastIndex(where: { $0.character != " " }) else { return "" }
        var text = ""
        var run = "", runSeries: Int? = nil
        for cell in cells[...last] {
            let series = cell.character == " " ? runSeries : cell.series
            if series != runSeries {
                text += runSeries.map { paint(run, $0) } ?? run
                run = ""
                runSeries = series
            }
            run.append(cell.character)
        }
        return text + (runSeries.map { paint(run, $0) } ?? run)
    }

    /// Labels of the y axis by row: the top and bottom of the range and, from five rows, the
    /// middle row (each row labelled with the value at its own position, top to bottom).
    /// Decimals: enough for two significant digits of the range's span.
    private func axisLabels(low: Double, high: Double) -> [Int: String] {
        let span = high - low
        var rows = [0, height - 1]
        if height >= 5 { rows.append((height - 1) / 2) }
        let decimals = min(max(0, 1 - Int(log10(span).rounded(.down))), 8)
        let scientific = max(low.magnitude, high.magnitude) >= 1e6
        var labels: [Int: String] = [:]
        for row in rows {
            let value = high - Double(row) / Double(height - 1) * span
            labels[row] = scientific ? NumberText.scientific(value) : NumberText.fixed(value, decimals: decimals)
        }
        return labels
    }

    /// The line under the x axis: the first x value under the first cell, the last one ending
    /// under the last cell, and the x label centred between them (after them when too long).
    private func xAxisLine(low: Double, high: Double) -> String {
        func text(_ value: Double) -> String {
            value == value.rounded() && value.magnitude < 1e15
                ? NumberText.fixed(value, decimals: 0) : NumberText.trimmed(value, decimals: 3)
        }
        let first = text(low), last = text(high)
        var cells = Array(repeating: Character(" "), count: max(width, first.count + 1 + last.count))
        cells.replaceSubrange(0..<first.count, with: Array(first))
        cells.replaceSubrange((cells.count - last.count)..<cells.count, with: Array(last))
        guard let xLabel, !xLabel.isEmpty else { return String(cells) }
        let free = cells.count - first.count - last.count - 2
        if xLabel.count <= free {
            let start = first.count + 1 + (free - xLabel.count + 1) / 2
            cells.replaceSubrange(start..<(start + xLabel.count), with: Array(xLabel))
            return String(cells)
        }
        return String(cells) + "  " + xLabel
    }
}

extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
