// Tests of the bar chart, heatmap and scatter plot: elements, labels, colours, value text,
// NaN handling, the size of large scatter plots. Shared axis layout is tested via LineChartTests.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PerceptronPlot

@Suite struct BarChartTests {
    let probabilities = [0.01, 0.02, 0.03, 0.88, 0.0, 0.02, 0.01, 0.01, 0.01, 0.01]

    @Test func probabilitiesWithHighlightedClass() throws {
        var chart = BarChart(probabilities, highlighted: 3, title: "prediction", xLabel: "class", yLabel: "probability")
        chart.yRange = 0...1
        let parsed = try ParsedSVG(chart.svg())
        let bars = parsed.elements("rect").filter { $0.value("class")?.hasPrefix("bar") == true }
        #expect(bars.count == 10)
        #expect(bars.filter { $0.value("class") == "bar highlighted" }.map { $0.value("fill") } == ["#d55e00"])
        #expect(Set(bars.map { $0.value("fill") }) == ["#0072b2", "#d55e00"])
        #expect(parsed.texts(inGroup: "values") == probabilities.map { ValueFormat.fixed(2).string(for: $0) })
        #expect(parsed.texts(inGroup: "x-ticks") == (0...9).map(String.init))
        #expect(parsed.texts(inGroup: "y-ticks") == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let texts = parsed.texts()
        #expect(texts.contains("prediction") && texts.contains("class") && texts.contains("probability"))
        // Bar heights are proportional to the values (0.88 and 0.03).
        let height = { (index: Int) in Double(bars[index].value("height") ?? "") ?? .nan }
        #expect(abs(height(3) / height(2) - 88.0 / 3) < 0.3)
    }

    @Test func labelsNegativeValuesAndNaN() throws {
        var chart = BarChart([1.5, -0.5, .nan], labels: ["a", "b & c", "d"])
        chart.valueFormat = .fixed(1)
        let parsed = try ParsedSVG(chart.svg())
        #expect(parsed.elements("rect").filter { $0.value("class") == "bar" }.count == 2)
        #expect(parsed.texts(inGroup: "values") == ["1.5", "-0.5"])
        #expect(parsed.texts(inGroup: "x-ticks") == ["a", "b & c", "d"])
        #expect(parsed.texts(inGroup: "y-ticks").first == "-0.5")
    }

    @Test func aFullBarHasItsValueInside() throws {
        var chart = BarChart([1.0, 0.5])
        chart.yRange = 0...1
        let parsed = try ParsedSVG(chart.svg())
        let values = parsed.elements("text", in: parsed.groups("values").first)
        #expect(values.map { $0.value("fill") } == ["#ffffff", nil])
    }
}

@Suite struct HeatmapTests {
    @Test func confusionMatrixCellsTextAndLabels() throws {
        let counts = [[50, 2, 0], [3, 45, 7], [0, 1, 60]]
        let heatmap = Heatmap(counts: counts, labels: ["cat", "dog", "owl"], title: "confusion",
                              xLabel: "predicted", yLabel: "true")
        let parsed = try ParsedSVG(heatmap.svg())
        let cells = parsed.elements("rect").filter { $0.value("class") == "cell" }
        #expect(cells.count == 9)
        #expect(parsed.texts(inGroup: "cell-values") == counts.joined().map(String.init))
        #expect(parsed.texts(inGroup: "row-labels") == ["cat", "dog", "owl"])
        #expect(parsed.texts(inGroup: "column-labels") == ["cat", "dog", "owl"])
        let texts = parsed.texts()
        #expect(texts.contains("predicted") && texts.contains("true") && texts.contains("confusion"))
        // Dark cells (high counts) get white text, light cells dark text.
        let colours = parsed.elements("text", in: parsed.groups("cell-values").first).map { $0.value("fill") }
        #expect(colours[8] == "#ffffff" && colours[0] == "#ffffff")
        #expect(colours[1] == "#222222" && colours[2] == "#222222")
        // The lowest count takes the light end of the Blues scale, the highest the dark end.
        #expect(cells[2].value("fill") == "#f7fbff" && cells[8].value("fill") == "#08306b")
    }

    @Test func accuracyGridWithChosenFormatAndMissingCell() throws {
        var grid = Heatmap([[0.97, 0.951], [0.5, .nan]], rowLabels: ["0°", "15°"], columnLabels: ["0", "2"],
                           xLabel: "shift", yLabel: "rotation")
        grid.range = 0...1
        grid.valueFormat = .fixed(2)
        let parsed = try ParsedSVG(grid.svg())
        #expect(parsed.elements("rect").filter { $0.value("class") == "cell" }.count == 4)
        #expect(parsed.texts(inGroup: "cell-values") == ["0.97", "0.95", "0.50"])
        #expect(parsed.texts(inGroup: "color-bar") == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        grid.valueFormat = .percent(0)
        #expect(try ParsedSVG(grid.svg()).texts(inGroup: "cell-values") == ["97%", "95%", "50%"])
    }

    @Test func emptyChartsAreValidDocuments() throws {
        #expect(try ParsedSVG(Heatmap([]).svg()).elements("rect").filter { $0.value("class") == "cell" }.isEmpty)
        #expect(try ParsedSVG(BarChart([]).svg()).texts(inGroup: "values").isEmpty)
        #expect(try ParsedSVG(ScatterPlot(x: [], y: [], classes: []).svg()).elements("path").isEmpty)
    }

    @Test func automaticFormatAndLongColumnLabels() throws {
        var heatmap = Heatmap([[1, 2], [3, 4.5]], columnLabels: ["a rather long label", "b"])
        heatmap.showsColorBar = false
        let parsed = try ParsedSVG(heatmap.svg())
        #expect(parsed.texts(inGroup: "cell-values") == ["1.00", "2.00", "3.00", "4.50"])
        #expect(parsed.elements("text", in: parsed.groups("column-labels").first).allSatisfy {
            $0.value("transform")?.hasPrefix("rotate(-90") == true
        })
        #expect(parsed.groups("color-bar").isEmpty)
    }
}

@Suite struct ScatterPlotTests {
    /// `count` points in ten clusters, from a fixed linear congruential generator.
    func clusters(_ count: Int) -> (x: [Double], y: [Double], classes: [Int]) {
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var x: [Double] = [], y: [Double] = [], classes: [Int] = []
        for index in 0..<count {
            let c = index % 10
            x.append(cos(Double(c)) * 10 + next() * 3)
            y.append(sin(Double(c)) * 10 + next() * 3)
            classes.append(c)
        }
        return (x, y, classes)
    }

    @Test func tenThousandPointsMakeACompactDocument() throws {
        let data = clusters(10_000)
        let plot = ScatterPlot(x: data.x, y: data.y, classes: data.classes, title: "embedding")
        let svg = plot.svg()
        #expect(svg.utf8.count < 180_000)
        #expect(svg == plot.svg())
        let parsed = try ParsedSVG(svg)
        let paths = parsed.elements("path").filter { $0.value("class") == "points" }
        #expect(paths.count == 10)
        #expect(paths.map { $0.value("stroke") } == Palette.tableau10.map(\.hexString))
        #expect(paths.map { $0.value("d")?.filter { $0 == "M" }.count } == Array(repeating: 1000, count: 10))
        #expect(parsed.texts(inGroup: "legend") == (0...9).map(String.init))
        // Coordinates carry one decimal at most.
        let d = try #require(paths.first?.value("d"))
        let numbers = d.split { "Mh ".contains($0) }
        #expect(numbers.allSatisfy { !$0.contains(".") || $0.split(separator: ".")[1].count == 1 })
    }

    @Test func classNamesAndNonFinitePoints() throws {
        var plot = ScatterPlot(x: [0, 1, .nan, 3], y: [0, 1, 2, .infinity], classes: [0, 2, 1, 1],
                               classNames: ["zero", "one", "two"], xLabel: "x", yLabel: "y")
        plot.colors = [.red, .green, .blue]
        let parsed = try ParsedSVG(plot.svg())
        let paths = parsed.elements("path").filter { $0.value("class") == "points" }
        #expect(paths.map { $0.value("stroke") } == ["#ff0000", "#0000ff"])
        #expect(parsed.texts(inGroup: "legend") == ["zero", "two"])
    }
}
