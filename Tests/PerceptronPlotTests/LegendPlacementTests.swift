// Where `.best` puts a line chart's legend: matplotlib's first empty place among its nine, or
// beside the plot when none is empty, so that the legend never hides a point or a line. The
// geometry (segment against box) is checked on its own too.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PerceptronPlot

/// The legend box and the drawn data of a chart, in pixels, read back from its SVG.
struct DrawnChart {
    let legend: Rect
    let frame: Rect
    /// Every polyline as its points.
    let lines: [[(x: Double, y: Double)]]
    /// Every marker as its centre and radius.
    let markers: [(x: Double, y: Double, r: Double)]

    init(_ svg: String) throws {
        let parsed = try ParsedSVG(svg)
        func number(_ element: XMLElement, _ name: String) -> Double { Double(element.value(name) ?? "") ?? .nan }
        func rect(_ element: XMLElement) -> Rect {
            Rect(x: number(element, "x"), y: number(element, "y"), width: number(element, "width"),
                 height: number(element, "height"))
        }
        let legendGroup = try #require(parsed.groups("legend").first)
        legend = rect(try #require(parsed.elements("rect", in: legendGroup).first))
        frame = rect(try #require(parsed.elements("rect").first { $0.value("class") == "frame" }))
        let data = try #require(parsed.groups("data").first)
        lines = parsed.elements("polyline", in: data).map { line in
            (line.value("points") ?? "").split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").map { Double($0) ?? .nan }
                return (xy[0], xy[1])
            }
        }
        markers = parsed.elements("circle", in: data).map { (number($0, "cx"), number($0, "cy"), number($0, "r")) }
    }

    /// Points and segments (within their marker's radius) under the legend box.
    var hiddenData: [String] {
        var hidden: [String] = []
        for marker in markers {
            let grown = Rect(x: legend.x - marker.r, y: legend.y - marker.r, width: legend.width + 2 * marker.r,
                             height: legend.height + 2 * marker.r)
            if grown.contains((marker.x, marker.y)) { hidden.append("marker at \(marker.x), \(marker.y)") }
        }
        for line in lines {
            for (a, b) in zip(line, line.dropFirst()) where legend.meets(from: a, to: b) {
                hidden.append("segment \(a) to \(b)")
            }
        }
        return hidden
    }
}

@Suite("Legend placement")
struct LegendPlacementTests {
    /// Accuracy against rotation as a robustness sweep draws it: high in the middle, falling
    /// to each side, so the upper corners are crossed by the curves between 20 and 40 degrees.
    static func bellChart(legend: LegendPosition) -> LineChart {
        let angles = stride(from: -60.0, through: 60, by: 5).map { $0 }
        let curves = [("MLP", 0.030), ("MLP + augmentation", 0.022), ("CNN", 0.026), ("CNN + augmentation", 0.018)]
        var chart = LineChart(curves.map { name, width in
            LineSeries(name, x: angles, y: angles.map { 0.1 + 0.88 * exp(-width * width * $0 * $0) }, marker: .point)
        }, title: "Test accuracy under rotation", xLabel: "rotation (degrees)", yLabel: "accuracy")
        chart.yRange = 0...1
        chart.legend = legend
        return chart
    }

    @Test func theUpperRightCornerHidesTheBellCurves() throws {
        let drawn = try DrawnChart(Self.bellChart(legend: .upperRight).svg())
        #expect(!drawn.hiddenData.isEmpty, "the fixed corner must be the problem this suite is about")
    }

    @Test func bestHidesNoDataOfTheBellCurves() throws {
        let drawn = try DrawnChart(Self.bellChart(legend: .best).svg())
        #expect(drawn.hiddenData.isEmpty, "hidden: \(drawn.hiddenData.prefix(5))")
        // Inside the plot: the lower centre is empty (matplotlib's eighth place).
        #expect(drawn.legend.x > drawn.frame.x && drawn.legend.maxX < drawn.frame.maxX)
        #expect(abs(drawn.legend.maxY - (drawn.frame.maxY - 8)) < 0.2)
        #expect(abs(drawn.legend.midX - drawn.frame.midX) < 0.2)
    }

    /// A falling loss leaves the upper right empty: `.best` picks it, as matplotlib does,
    /// and draws the same document as `.upperRight`.
    @Test func bestKeepsTheUpperRightWhenItIsEmpty() {
        var loss = LineChart([LineSeries("loss", y: (0..<30).map { 1 / Double($0 + 1) }, marker: .point)])
        loss.legend = .upperRight
        let fixed = loss.svg()
        loss.legend = .best
        #expect(loss.svg() == fixed)
    }

    /// Lines through every place: the legend goes right of the plot, and hides nothing.
    @Test func bestMovesOutsideWhenNoPlaceIsEmpty() throws {
        let x = (0...40).map(Double.init)
        var chart = LineChart([
            LineSeries("rising", x: x, y: x, marker: .circle),
            LineSeries("falling", x: x, y: x.map { 40 - $0 }, marker: .circle),
            LineSeries("middle", x: x, y: x.map { _ in 20 }),
            LineSeries("top", x: x, y: x.map { _ in 38 }),
            LineSeries("bottom", x: x, y: x.map { _ in 2 }),
        ])
        chart.legend = .best
        let drawn = try DrawnChart(chart.svg())
        #expect(drawn.legend.x > drawn.frame.maxX, "legend at \(drawn.legend.x), plot ends at \(drawn.frame.maxX)")
        #expect(drawn.legend.maxX <= Double(chart.width))
        #expect(drawn.hiddenData.isEmpty)
        chart.legend = .outside
        #expect(try DrawnChart(chart.svg()).legend.x > drawn.frame.maxX)
    }

    @Test func candidatePlacesFollowMatplotlibsOrder() {
        let plot = Rect(x: 100, y: 50, width: 400, height: 300)
        let places = Legend.candidatePlaces(size: (100, 40), in: plot, inset: 8)
        #expect(places.count == 10)
        #expect(places[0] == (392, 58))    // upper right
        #expect(places[1] == (108, 58))    // upper left
        #expect(places[2] == (108, 302))   // lower left
        #expect(places[3] == (392, 302))   // lower right
        #expect(places[4] == (392, 180) && places[6] == (392, 180))   // right, centre right
        #expect(places[5] == (108, 180))   // centre left
        #expect(places[7] == (250, 302))   // lower centre
        #expect(places[8] == (250, 58))    // upper centre
        #expect(places[9] == (250, 180))   // centre
    }

    @Test func coverageCountsPointsAndCrossingLines() {
        let box = Rect(x: 10, y: 10, width: 10, height: 10)
        // Two points inside, and the line through them: 3.
        #expect(Legend.coverage(of: box, runs: [[[(0, 0), (12, 12), (18, 18), (30, 30)]]], reach: [0]) == 3)
        // A segment across the box with both ends outside: the line only.
        #expect(Legend.coverage(of: box, runs: [[[(0, 15), (30, 15)]]], reach: [0]) == 1)
        // A point 2 px outside, with a marker of radius 3: covered.
        #expect(Legend.coverage(of: box, runs: [[[(22, 15)]]], reach: [3]) == 1)
        #expect(Legend.coverage(of: box, runs: [[[(22, 15)]]], reach: [1]) == 0)
    }

    @Test(arguments: [
        ((0.0, 0.0), (30.0, 30.0), true),     // diagonal through
        ((0.0, 0.0), (9.0, 30.0), false),     // passes left of the box
        ((15.0, 0.0), (15.0, 9.0), false),    // stops above it
        ((15.0, 0.0), (15.0, 10.0), true),    // touches the top edge
        ((12.0, 12.0), (13.0, 13.0), true),   // wholly inside
        ((0.0, 25.0), (25.0, 0.0), true),     // clips the corner (20, 5)...(5, 20)
        ((0.0, 45.0), (45.0, 0.0), false),    // passes beyond the far corner
    ])
    func segmentMeetsBox(a: (Double, Double), b: (Double, Double), meets: Bool) {
        #expect(Rect(x: 10, y: 10, width: 10, height: 10).meets(from: a, to: b) == meets)
    }
}
