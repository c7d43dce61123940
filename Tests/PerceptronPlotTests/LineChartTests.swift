// Tests of the SVG line chart: the tutorial's loss plot, markers, legend, ticks, log scale,
// NaN gaps, empty series, escaping, determinism. Tick arithmetic itself is in TicksTests.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PerceptronPlot

/// Thirty epochs of a made-up training history, shaped like the tutorial's CNN run.
let trainingLoss: [Double] = (0..<30).map { (epoch: Int) -> Double in
    0.30 * exp(-Double(epoch) / 6) + 0.013
}
let validationLoss: [Double] = (0..<30).map { (epoch: Int) -> Double in
    let decay: Double = 0.25 * exp(-Double(epoch) / 5)
    return decay + 0.03 + 0.0004 * Double(epoch)
}

/// The tutorial's plot: `plt.plot(x_len, val_loss, marker='.', c='red', label='validation loss')` etc.
func tutorialChart() -> LineChart {
    LineChart([
        LineSeries("validation loss", y: validationLoss, color: .red, marker: .point),
        LineSeries("training loss", y: trainingLoss, color: .blue, marker: .point),
    ], xLabel: "epoch", yLabel: "loss")
}

@Suite struct LineChartTests {
    @Test func tutorialPlotHasBothSeriesLegendGridAndLabels() throws {
        let svg = tutorialChart().svg()
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<svg "))
        let parsed = try ParsedSVG(svg)
        #expect(parsed.root.value("viewBox") == "0 0 640 480")
        #expect(parsed.root.value("width") == "640" && parsed.root.value("height") == "480")
        #expect(parsed.root.uri == "http://www.w3.org/2000/svg")

        let lines = parsed.elements("polyline")
        #expect(lines.count == 2)
        #expect(lines.map { $0.value("stroke") } == ["#ff0000", "#0000ff"])
        let markers = parsed.groups("markers")
        #expect(markers.map { $0.value("fill") } == ["#ff0000", "#0000ff"])
        #expect(markers.map { parsed.elements("circle", in: $0).count } == [30, 30])

        #expect(parsed.texts(inGroup: "legend") == ["validation loss", "training loss"])
        let texts = parsed.texts()
        #expect(texts.contains("epoch") && texts.contains("loss"))
        // Epochs 0...29 on whole-number ticks; loss 0.015...0.313 on steps of 0.1.
        #expect(parsed.texts(inGroup: "x-ticks") == ["0", "5", "10", "15", "20", "25", "30"])
        #expect(parsed.texts(inGroup: "y-ticks") == ["0.0", "0.1", "0.2", "0.3", "0.4"])
        #expect(parsed.elements("line", in: parsed.groups("grid").first).count == 7 + 5)
    }

    @Test func legendSitsInTheUpperRightOfThePlot() throws {
        let parsed = try ParsedSVG(tutorialChart().svg())
        let frame = try #require(parsed.elements("rect").first { $0.value("class") == "frame" })
        let box = try #require(parsed.elements("rect", in: parsed.groups("legend").first).first)
        let number = { (element: XMLElement, name: String) in Double(element.value(name) ?? "") ?? .nan }
        let frameRight = number(frame, "x") + number(frame, "width")
        #expect(abs(number(box, "x") + number(box, "width") - (frameRight - 8)) < 0.2)
        #expect(abs(number(box, "y") - (number(frame, "y") + 8)) < 0.2)
    }

    @Test func outputIsDeterministic() {
        #expect(tutorialChart().svg() == tutorialChart().svg())
        var other = tutorialChart()
        other.series[0].y[3] += 0.01
        #expect(other.svg() != tutorialChart().svg())
    }

    @Test func nonFiniteValuesBreakTheLine() throws {
        let chart = LineChart([LineSeries("gaps", y: [1, 2, .nan, 3, 4, .infinity, 5])])
        let svg = chart.svg()
        let parsed = try ParsedSVG(svg)
        let lines = parsed.elements("polyline")
        #expect(lines.count == 2)
        #expect(lines.map { $0.value("points")?.split(separator: " ").count } == [2, 2])
        // The lone last point is drawn as a dot.
        #expect(parsed.elements("circle", in: parsed.groups("series").first).count == 1)
        #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
        #expect(parsed.texts(inGroup: "y-ticks") == ["1", "2", "3", "4", "5"])
    }

    @Test func emptyAndSinglePointSeries() throws {
        let parsed = try ParsedSVG(LineChart([LineSeries("empty", y: []), LineSeries("one", y: [0.5])]).svg())
        #expect(parsed.elements("polyline").isEmpty)
        #expect(parsed.groups("series").count == 2)
        #expect(parsed.elements("circle", in: parsed.groups("data").first).count == 1)
        #expect(parsed.texts(inGroup: "legend") == ["empty", "one"])
        let nothing = try ParsedSVG(LineChart().svg())
        #expect(nothing.elements("polyline").isEmpty && nothing.groups("legend").isEmpty)
    }

    @Test func logarithmicYHasDecadeTicksAndSkipsZero() throws {
        var chart = LineChart([LineSeries("loss", y: [1, 0.2, 0.03, 0.004, 0])], yLabel: "loss")
        chart.yScale = .logarithmic
        let parsed = try ParsedSVG(chart.svg())
        #expect(parsed.texts(inGroup: "y-ticks") == ["0.001", "0.01", "0.1", "1"])
        let lines = parsed.elements("polyline")
        #expect(lines.count == 1 && lines[0].value("points")?.split(separator: " ").count == 4)
    }

    @Test func explicitXAndFixedYRange() throws {
        var chart = LineChart([
            LineSeries("cnn", x: [-30, -15, 0, 15, 30], y: [0.6, 0.93, 0.99, 0.94, 0.62], marker: .circle),
            LineSeries("mlp", x: [-30, -15, 0, 15, 30], y: [0.3, 0.8, 0.98, 0.79, 0.31]),
        ], title: "accuracy vs angle", xLabel: "angle", yLabel: "accuracy")
        chart.yRange = 0...1
        let parsed = try ParsedSVG(chart.svg())
        #expect(parsed.texts(inGroup: "x-ticks") == ["-30", "-20", "-10", "0", "10", "20", "30"])
        #expect(parsed.texts(inGroup: "y-ticks") == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(parsed.elements("title").first?.stringValue == "accuracy vs angle")
        // Default colours come from the Okabe-Ito palette, in order.
        #expect(parsed.elements("polyline").map { $0.value("stroke") } == ["#0072b2", "#d55e00"])
        // The data group is clipped to a clip path defined in the document.
        let data = try #require(parsed.groups("data").first)
        let clipID = try #require(parsed.elements("clipPath").first?.value("id"))
        #expect(data.value("clip-path") == "url(#\(clipID))")
    }

    @Test func textIsEscaped() throws {
        let title = "a < b & \"c\" 'd' > e"
        let svg = LineChart([LineSeries("x<y", y: [1, 2])], title: title).svg()
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot; &#39;d&#39; &gt; e"))
        let parsed = try ParsedSVG(svg)
        #expect(parsed.texts().contains(title))
        #expect(parsed.texts(inGroup: "legend") == ["x<y"])
        #expect(SVG.escape("bell\u{07}tab\t") == "belltab\t")
    }

    @Test func firstIndexNumbersEpochsFromOne() throws {
        var chart = LineChart([LineSeries("loss", y: [0.5, 0.4, 0.3])], xLabel: "epoch")
        chart.firstIndex = 1
        let parsed = try ParsedSVG(chart.svg())
        #expect(parsed.texts(inGroup: "x-ticks") == ["1", "2", "3"])
    }
}
