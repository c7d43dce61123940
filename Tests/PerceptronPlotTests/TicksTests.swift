// Tests of nice linear ticks, decade ticks, tick labels and the number formats.
// Chart layout is tested with each chart.

import Foundation
import Testing
@testable import PerceptronPlot

@Suite struct TicksTests {
    @Test(arguments: [
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.013, 0.35, [0.0, 0.1, 0.2, 0.3, 0.4]),
        (1.0, 30.0, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]),
        (0.0, 3.0, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]),
        (-3.0, -0.5, [-3.0, -2.5, -2.0, -1.5, -1.0, -0.5]),
        (-1.0, 1.0, [-1.0, -0.5, 0.0, 0.5, 1.0]),
        // 6 intervals of 50 and 4 of 100 are equally far from 5: the tighter fit wins.
        (-250.0, 40.0, [-250.0, -200.0, -150.0, -100.0, -50.0, 0.0, 50.0]),
        (-30.0, 30.0, [-30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0]),
        (0.9712, 0.9893, [0.97, 0.975, 0.98, 0.985, 0.99]),
    ])
    func linearTicksOnKnownRanges(lower: Double, upper: Double, expected: [Double]) {
        #expect(Ticks.linear(from: lower, to: upper) == expected)
        #expect(Ticks.linear(from: upper, to: lower) == expected)
    }

    @Test func zeroWidthRangesAreWidened() {
        // 5 +- 5 % is 4.75...5.25; steps 0.1 (6 intervals) and 0.2 (4) are equally close to
        // 5 intervals, and 0.1 fits tighter.
        #expect(Ticks.linear(from: 5, to: 5) == [4.7, 4.8, 4.9, 5.0, 5.1, 5.2, 5.3])
        #expect(Ticks.linear(from: 0, to: 0) == [-1.0, -0.5, 0.0, 0.5, 1.0])
        #expect(Ticks.linear(from: 0, to: 0, integersOnly: true) == [-1.0, 0.0, 1.0])
        #expect(Ticks.linear(from: 7, to: 7, integersOnly: true) == [6.0, 7.0, 8.0])
    }

    @Test func integerTicksForEpochAxes() {
        #expect(Ticks.linear(from: 0, to: 3, integersOnly: true) == [0.0, 1.0, 2.0, 3.0])
        #expect(Ticks.linear(from: 1, to: 2, integersOnly: true) == [1.0, 2.0])
        #expect(Ticks.linear(from: 1, to: 30, integersOnly: true) == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0])
        #expect(Ticks.linear(from: 0, to: 0.001, integersOnly: true) == [0.0, 1.0])
    }

    @Test func zeroIsNeverNegative() {
        let ticks = Ticks.linear(from: -1, to: 1)
        let zero = try! #require(ticks.first { $0 == 0 })
        #expect(zero.sign == .plus)
        #expect(Ticks.labels(for: ticks) == ["-1.0", "-0.5", "0.0", "0.5", "1.0"])
    }

    @Test func nonFiniteRangesGiveNoTicks() {
        #expect(Ticks.linear(from: .nan, to: 1).isEmpty)
        #expect(Ticks.linear(from: 0, to: .infinity).isEmpty)
        #expect(Ticks.logarithmic(from: 0, to: 10).isEmpty)
        #expect(Ticks.logarithmic(from: -1, to: 10).isEmpty)
    }

    @Test(arguments: [(0.0, 1.0), (0.013, 0.35), (-7.3, 12.9), (1e-6, 3e-6), (12_345.0, 98_765.0), (-1e9, -2e8)])
    func linearTicksCoverTheRangeOnANiceStep(lower: Double, upper: Double) throws {
        let ticks = Ticks.linear(from: lower, to: upper)
        #expect(ticks.count >= 3 && ticks.count <= 9)
        #expect(ticks.first! <= lower && ticks.last! >= upper)
        let step = ticks[1] - ticks[0]
        for (a, b) in zip(ticks, ticks.dropFirst()) {
            #expect(abs((b - a) - step) <= 1e-9 * step)
        }
        let mantissa = step / NumberText.powerOfTen(Int(log10(step).rounded(.down)))
        #expect([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-9 })
    }

    @Test func decadeTicks() {
        #expect(Ticks.logarithmic(from: 0.013, to: 0.35) == [0.01, 0.1, 1])
        #expect(Ticks.logarithmic(from: 1, to: 1000) == [1, 10, 100, 1000])
        #expect(Ticks.logarithmic(from: 1000, to: 1) == [1, 10, 100, 1000])
        #expect(Ticks.logarithmic(from: 0.5, to: 0.5) == [0.1, 1])
        #expect(Ticks.logarithmic(from: 1, to: 1) == [0.1, 1, 10])
        // 16 decades in at most 8 ticks: every third decade, aligned on 1.
        #expect(Ticks.logarithmic(from: 1e-8, to: 1e8) == [1e-9, 1e-6, 1e-3, 1, 1e3, 1e6, 1e9])
    }

    @Test func tickLabels() {
        #expect(Ticks.labels(for: [0, 0.2, 0.4, 0.6, 0.8, 1]) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(Ticks.labels(for: [0, 5, 10]) == ["0", "5", "10"])
        #expect(Ticks.labels(for: [0.97, 0.975, 0.98]) == ["0.970", "0.975", "0.980"])
        #expect(Ticks.labels(for: [0, 2e6, 4e6]) == ["0", "2e6", "4e6"])
        #expect(Ticks.labels(for: [0.001, 0.01, 0.1, 1, 10, 100, 1000], logarithmic: true)
                == ["0.001", "0.01", "0.1", "1", "10", "100", "1000"])
        #expect(Ticks.labels(for: [1e-9, 1e-6, 1e6], logarithmic: true) == ["1e-9", "1e-6", "1e6"])
    }

    @Test func valueFormats() {
        #expect(ValueFormat.integer.string(for: 12.5) == "13")
        #expect(ValueFormat.integer.string(for: -0.4) == "0")
        #expect(ValueFormat.fixed(2).string(for: 0.9731) == "0.97")
        #expect(ValueFormat.fixed(2).string(for: -1.005) == "-1.00")
        #expect(ValueFormat.fixed(0).string(for: 1234.5) == "1235")
        #expect(ValueFormat.percent(1).string(for: 0.9731) == "97.3%")
        #expect(ValueFormat.fixed(2).string(for: .nan) == "nan")
        #expect(ValueFormat.integer.string(for: -.infinity) == "-inf")
    }

    @Test func coordinatesHaveOneDecimalAtMost() {
        #expect(NumberText.coordinate(12) == "12")
        #expect(NumberText.coordinate(12.25) == "12.3")
        #expect(NumberText.coordinate(-3.04) == "-3")
        #expect(NumberText.coordinate(-0.04) == "0")
        #expect(NumberText.coordinate(639.96) == "640")
        #expect(NumberText.scientific(25_000) == "2.5e4")
        #expect(NumberText.scientific(-0.000_12) == "-1.2e-4")
        #expect(NumberText.scientific(9.999e5) == "1e6")
    }
}
