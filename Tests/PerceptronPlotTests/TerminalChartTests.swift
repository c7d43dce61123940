// Golden tests of the braille terminal chart: a hand-checked line, a two-series training
// history, colour, NaN gaps, empty input, explicit x. The canvas is tested only through them.

import Testing
@testable import PerceptronPlot

@Suite struct TerminalChartTests {
    /// y = 0, 1 on a 2 x 2 cell canvas (4 x 8 dots): the points land on dots (0, 7) and (3, 0);
    /// Bresenham's line between them sets (0,7) (0,6) (1,5) (1,4) (2,3) (2,2) (3,1) (3,0).
    /// Each cell then holds dots 3, 7 (left) and 4, 5 (right): 0x04 | 0x40 | 0x08 | 0x10 =
    /// 0x5C, U+285C, in the top right and bottom left cells.
    @Test func handCheckedDiagonal() {
        var chart = TerminalChart([TerminalSeries("s", y: [0, 1])], width: 2, height: 2)
        chart.showsMarkers = false
        #expect(chart.render() == """
            1.0 ┤ ⡜
            0.0 ┤⡜
                └──
                 0 1
                 ─ s
            """)
    }

    /// Six epochs of training and validation loss, 24 x 6 cells. The first points share a
    /// cell, where the later series (validation, `o`) is drawn over the earlier.
    static func history() -> TerminalChart {
        var chart = TerminalChart([
            TerminalSeries("training loss", y: [0.9, 0.5, 0.35, 0.3, 0.25, 0.22]),
            TerminalSeries("validation loss", y: [0.8, 0.55, 0.45, 0.42, 0.43, 0.47]),
        ], width: 24, height: 6, xLabel: "epoch", yLabel: "loss")
        chart.firstIndex = 1
        return chart
    }

    @Test func goldenTrainingHistory() {
        #expect(Self.history().render() == """
            loss
            0.90 ┤o⡀
                 │⠈⠺⣄
            0.63 ┤  ⠈⢦⡀
                 │    o⣑⠒⠤⠤o⣀⣀         ⢀⣀o
                 │      ⠉⠒⠤*⣀⣀⠉⠉o⠉⠉⠉⠉o⠉⠁
            0.22 ┤            ⠉⠉*⠑⠒⠒⠤*⠤⢄⣀*
                 └────────────────────────
                  1         epoch        6
                  * training loss   o validation loss
            """)
    }

    @Test func colourIsOffByDefaultAndWrapsSeriesWhenOn() {
        var chart = Self.history()
        #expect(!chart.render().contains("\u{1B}"))
        chart.usesColor = true
        chart.series[1].color = .red
        let coloured = chart.render()
        #expect(coloured.contains("\u{1B}[34m* training loss") == false)
        #expect(coloured.contains("\u{1B}[34m*\u{1B}[0m training loss"))
        #expect(coloured.contains("\u{1B}[31mo\u{1B}[0m validation loss"))
        // Stripped of escapes, the coloured chart is the plain one.
        let stripped = coloured.replacingEscapes()
        chart.usesColor = false
        #expect(stripped == chart.render())
    }

    @Test func nonFiniteValuesAreSkipped() {
        let chart = TerminalChart([TerminalSeries("acc", y: [0.5, .nan, 0.7, .infinity, 0.9])], width: 10, height: 3)
        let rendered = chart.render()
        let plotRows = rendered.split(separator: "\n").prefix(3)
        #expect(plotRows.map { $0.filter { $0 == "*" }.count }.reduce(0, +) == 3)
        #expect(!rendered.contains("nan") && !rendered.contains("inf"))
    }

    @Test func emptyChartStillHasAxes() {
        #expect(TerminalChart([], width: 4, height: 2).render() == """
            1.0 ┤
            0.0 ┤
                └────
                 0  0
            """)
    }

    @Test func explicitXValuesLabelTheAxis() {
        let chart = TerminalChart([
            TerminalSeries("cnn", x: [-30, 0, 30], y: [0.6, 0.99, 0.62], marker: "#"),
            TerminalSeries("mlp", x: [-30, 0, 30], y: [0.3, 0.98, 0.31]),
        ], width: 30, height: 5, xLabel: "angle")
        let lines = chart.render().split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("0.99 ┤"))
        #expect(lines[2].hasPrefix("0.65 ┤"))  // 0.99 - 0.69 / 2
        #expect(lines[4].hasPrefix("0.30 ┤"))
        #expect(lines[6] == "      -30          angle          30")
        #expect(lines[7] == "      # cnn   o mlp")
        #expect(chart.render() == chart.render())
    }
}

extension String {
    /// The string without ANSI colour escapes (`ESC [ digits m`).
    func replacingEscapes() -> String {
        var result = ""
        var inEscape = false
        for character in self {
            if character == "\u{1B}" {
                inEscape = true
            } else if inEscape {
                if character == "m" { inEscape = false }
            } else {
                result.append(character)
            }
        }
        return result
    }
}
