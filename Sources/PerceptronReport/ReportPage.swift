// The HTML of report.html: one self-contained page (inline SVG, PNG as data URIs, inline CSS,
// no scripts, no network) with the model, settings, curves, per-class scores and timing.

import Foundation
import PerceptronNN
import PerceptronPlot

enum ReportPage {
    static func html(model: Model, history: History, record: RunRecord, confusion: ConfusionMatrix,
                     lossSVG: String, accuracySVG: String, confusionSVG: String,
                     samplesPNG: [UInt8], misclassifiedPNG: [UInt8], misclassifiedCount: Int) -> String {
        var page = HTMLPage(title: "Perceptron run, \(record.date)")
        page.append(HTMLSection("Result", [
            .table(HTMLTable(headers: ["test loss", "test accuracy", "misclassified test images"],
                             rows: [[String(format: "%.4f", record.testLoss), String(format: "%.4f", record.testAccuracy),
                                     "\(misclassifiedCount) of \(confusion.total)"]],
                             numericColumns: [0, 1])),
        ]))
        page.append(HTMLSection("Model", [.preformatted(model.summaryText())]))
        page.append(HTMLSection("Settings", [
            .table(HTMLTable(headers: ["setting", "value"], rows: record.settings + [
                ["dataset", record.dataFolder ?? "bundled MNIST"], ["machine", record.machine], ["GEMM backend", record.backend],
            ])),
        ]))
        page.append(HTMLSection("Training curves", [.svg(lossSVG), .svg(accuracySVG)]))
        page.append(HTMLSection("Per epoch", [.table(epochTable(history))]))
        var perClass: [[String]] = (0..<confusion.classes).map { k in
            ["\(k)", String(format: "%.4f", confusion.precision(k)), String(format: "%.4f", confusion.recall(k)),
             String(format: "%.4f", confusion.f1(k)), "\(confusion.support(k))"]
        }
        let classes = Double(confusion.classes)
        perClass.append(["macro average",
                         String(format: "%.4f", (0..<confusion.classes).reduce(0) { $0 + confusion.precision($1) } / classes),
                         String(format: "%.4f", (0..<confusion.classes).reduce(0) { $0 + confusion.recall($1) } / classes),
                         String(format: "%.4f", (0..<confusion.classes).reduce(0) { $0 + confusion.f1($1) } / classes),
                         "\(confusion.total)"])
        page.append(HTMLSection("Test set, per class", [
            .table(HTMLTable(headers: ["class", "precision", "recall", "F1", "support"], rows: perClass,
                             numericColumns: [1, 2, 3, 4])),
            .svg(confusionSVG),
        ]))
        page.append(HTMLSection("Digits", [
            .paragraph("The first 25 training images with their labels, and up to 36 misclassified test images."),
            .png(samplesPNG, alt: "the first 25 training digits"),
            .png(misclassifiedPNG, alt: "misclassified test digits"),
        ]))
        return page.html()
    }

    static func epochTable(_ history: History) -> HTMLTable {
        let keys = history.keys
        var rows: [[String]] = []
        for (row, epoch) in history.epochs.enumerated() {
            var cells = ["\(epoch + 1)"]
            cells += keys.map { key in
                let value = history.history[key]![row]
                return value.isFinite ? String(format: "%.4f", value) : "\(value)"
            }
            let seconds = row < history.epochSeconds.count ? history.epochSeconds[row] : .nan
            cells.append(seconds.isFinite ? String(format: "%.2f", seconds) : "")
            rows.append(cells)
        }
        return HTMLTable(headers: ["epoch"] + keys + ["seconds"], rows: rows,
                         numericColumns: Set(0...(keys.count + 1)))
    }
}
