// The labels of `plot --metric`'s chart when the metric asked for is itself a validation
// metric: one curve, called what it is.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PerceptronNN
import PerceptronReport
import Testing

@Suite struct MetricChartLabelTests {
    @Test func validationLossIsDrawnAloneAndNamedSo() throws {
        let chart = try ParsedSVG(RunCharts.metricChart(fixedHistory(), metric: "val_loss"))
        #expect(chart.texts(inGroup: "legend") == ["validation loss"])
        #expect(chart.elements("polyline").count == 1)
        #expect(!chart.texts().contains { $0.contains("training") || $0.contains("val ") })
        #expect(chart.texts().contains("loss"), "the y axis names the metric")
    }

    @Test func validationAccuracyIsNamedWithoutTheTrainingWord() throws {
        let chart = try ParsedSVG(RunCharts.metricChart(fixedHistory(), metric: "val_categorical_accuracy"))
        #expect(chart.texts(inGroup: "legend") == ["validation categorical accuracy"])
        #expect(chart.texts().contains("categorical accuracy"))
    }

    @Test func aPlainMetricStillDrawsBothCurves() throws {
        let chart = try ParsedSVG(RunCharts.metricChart(fixedHistory(), metric: "loss"))
        #expect(chart.texts(inGroup: "legend") == ["validation loss", "training loss"])
    }
}
