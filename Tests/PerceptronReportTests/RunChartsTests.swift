// Tests of the run charts: the tutorial's loss plot (series, colours, labels), the accuracy
// chart, the confusion heatmap, and golden output of the terminal loss chart.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PerceptronNN
import PerceptronReport
import Testing

/// Five epochs of a made-up history, values chosen to be exact in binary where it matters.
func fixedHistory(validation: Bool = true) -> History {
    let loss = [0.9, 0.5, 0.35, 0.3, 0.25]
    let valLoss = [0.8, 0.55, 0.45, 0.42, 0.43]
    let accuracy = [0.7, 0.85, 0.9, 0.92, 0.93]
    let valAccuracy = [0.75, 0.84, 0.87, 0.88, 0.875]
    var history = History()
    for epoch in 0..<5 {
        var logs: Logs = [("categorical_accuracy", accuracy[epoch]), ("loss", loss[epoch])]
        if validation { logs += [("val_categorical_accuracy", valAccuracy[epoch]), ("val_loss", valLoss[epoch])] }
        history.append(epoch: epoch, logs: logs, seconds: 1.5)
    }
    return history
}

@Suite struct RunChartsTests {
    @Test func lossChartIsTheTutorialPlot() throws {
        let chart = try ParsedSVG(RunCharts.metricChart(fixedHistory()))
        let lines = chart.elements("polyline")
        #expect(lines.map { $0.value("stroke") } == ["#ff0000", "#0000ff"])
        #expect(chart.groups("markers").map { $0.value("fill") } == ["#ff0000", "#0000ff"])
        #expect(chart.groups("markers").map { chart.elements("circle", in: $0).count } == [5, 5])
        #expect(chart.texts(inGroup: "legend") == ["validation loss", "training loss"])
        let texts = chart.texts()
        #expect(texts.contains("epoch") && texts.contains("loss"))
        // x is the epoch index from 0 as in the tutorial's np.arange; y spans 0.25...0.9.
        #expect(chart.texts(inGroup: "x-ticks") == ["0", "1", "2", "3", "4"])
        #expect(chart.texts(inGroup: "y-ticks") == ["0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(chart.groups("grid").count == 1)
    }

    @Test func accuracyChartNamesTheMetricWithoutUnderscores() throws {
        let history = fixedHistory()
        #expect(RunCharts.accuracyKey(in: history) == "categorical_accuracy")
        let svg = RunCharts.metricChart(history, metric: "categorical_accuracy", title: "Accuracy per epoch")
        let chart = try ParsedSVG(svg)
        #expect(chart.texts(inGroup: "legend") == ["validation categorical accuracy", "training categorical accuracy"])
        #expect(chart.texts().contains("categorical accuracy"))
        #expect(chart.texts().contains("Accuracy per epoch"))
    }

    /// Accuracy curves climb to the top right, so their legend sits in the lower right,
    /// 8 px inside the plot frame; the loss legend stays in the upper right.
    @Test func accuracyLegendSitsInTheLowerRight() throws {
        func legendGap(_ svg: String) throws -> (top: Double, bottom: Double) {
            let chart = try ParsedSVG(svg)
            let frame = try #require(chart.elements("rect").first { $0.value("class") == "frame" })
            let box = try #require(chart.elements("rect", in: chart.groups("legend").first).first)
            let number = { (element: XMLElement, name: String) in Double(element.value(name) ?? "") ?? .nan }
            return (number(box, "y") - number(frame, "y"),
                    number(frame, "y") + number(frame, "height") - number(box, "y") - number(box, "height"))
        }
        let accuracy = try legendGap(RunCharts.metricChart(fixedHistory(), metric: "categorical_accuracy"))
        #expect(abs(accuracy.bottom - 8) < 0.2 && accuracy.top > 100)
        let loss = try legendGap(RunCharts.metricChart(fixedHistory()))
        #expect(abs(loss.top - 8) < 0.2 && loss.bottom > 100)
    }

    @Test func historyWithoutValidationHasOneSeries() throws {
        let chart = try ParsedSVG(RunCharts.metricChart(fixedHistory(validation: false)))
        #expect(chart.elements("polyline").map { $0.value("stroke") } == ["#0000ff"])
        #expect(chart.texts(inGroup: "legend") == ["training loss"])
    }

    @Test func accuracyKeyIsNilWithoutAccuracy() {
        var history = History()
        history.append(epoch: 0, logs: [("loss", 1), ("val_loss", 1), ("val_accuracy", 0.5)], seconds: 1)
        #expect(RunCharts.accuracyKey(in: history) == nil)
    }

    @Test func confusionChartShowsEveryCount() throws {
        let matrix = ConfusionMatrix(trueLabels: [0, 0, 1, 1, 1, 2], predicted: [0, 1, 1, 1, 2, 2], classes: 3)
        let chart = try ParsedSVG(RunCharts.confusionChart(matrix))
        #expect(chart.texts(inGroup: "cell-values") == ["1", "1", "0", "0", "2", "1", "0", "0", "1"])
        #expect(chart.texts(inGroup: "row-labels") == ["0", "1", "2"])
        let texts = chart.texts()
        #expect(texts.contains("Confusion matrix (test set)") && texts.contains("predicted") && texts.contains("true"))
    }

    /// The chart `perceptron train` prints, 30 x 6 cells. Training loss 0.9 → 0.25 (`*`),
    /// validation loss 0.8 → 0.43 (`o`), epochs numbered from 1 at cells 0, 7, 15, 22 and 29;
    /// y labels at the top, middle and bottom rows. In epochs 2 and 3 both losses fall in the
    /// same cell, where the validation marker is drawn over the training one.
    @Test func terminalLossChartGolden() {
        #expect(RunCharts.terminalLossChart(fixedHistory(), width: 30, height: 6) == """
            loss
            0.90 ┤*⢄
                 │o⠢⢕⣄⡀
            0.64 ┤   ⠈⠙⠢⣄⡀
                 │      ⠈o⢕⣒⠢⠤⢄⣀⡀
                 │          ⠉⠑⠒⠤⢌o⣉⠉⠑⠒⠒⠒o⠒⠒⠒⠒⠒⠒o
            0.25 ┤                 ⠉⠉⠉⠑⠒*⠒⠤⠤⠤⠤⣀*
                 └──────────────────────────────
                  1            epoch           5
                  * training loss   o validation loss
            """)
    }

    @Test func terminalChartWithoutValidationHasOneLegendEntry() {
        let text = RunCharts.terminalLossChart(fixedHistory(validation: false), width: 20, height: 4)
        #expect(text.hasSuffix("\n      * training loss"))
        #expect(!text.contains("validation"))
    }

    @Test func terminalChartColourIsOptIn() {
        #expect(!RunCharts.terminalLossChart(fixedHistory()).contains("\u{1B}["))
        let coloured = RunCharts.terminalLossChart(fixedHistory(), color: true)
        #expect(coloured.contains("\u{1B}[34m*\u{1B}[0m training loss"))
        #expect(coloured.contains("\u{1B}[31mo\u{1B}[0m validation loss"))
    }
}
