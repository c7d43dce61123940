// Tests of a run folder's pictures and report on a small synthetic run: every file written,
// SVG that parses as XML, PNG that decodes at the expected size, and one self-contained page
// whose numbers agree with predictions counted here by hand.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PerceptronData
import PerceptronNN
import PerceptronReport
import PerceptronTensor
import PerceptronVision
import Testing

@Suite struct RunReportTests {
    @Test func writesEveryFileAndNothingElse() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        #expect(RunReport.fileNames == ["history.json", "loss.svg", "accuracy.svg", "confusion.svg",
                                        "samples.png", "misclassified.png", "report.html"])
        #expect(run.written.map(\.lastPathComponent) == RunReport.fileNames)
        for url in run.written {
            let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
            #expect(size > 0, "\(url.lastPathComponent) is empty")
        }
        let listed = try FileManager.default.contentsOfDirectory(atPath: run.folder.path).sorted()
        #expect(listed == (RunReport.fileNames + ["data"]).sorted(), "no temporary files left behind")
    }

    @Test func historyJSONHoldsEveryEpoch() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        #expect(try run.text("history.json") == run.history.json())
        struct HistoryFile: Decodable {
            let epochs: [Int]
            let keys: [String]
            let history: [String: [Double]]
            let epochSeconds: [Double?]
            enum CodingKeys: String, CodingKey { case epochs, keys, history, epochSeconds = "epoch_seconds" }
        }
        let file = try JSONDecoder().decode(HistoryFile.self, from: Data(try run.bytes("history.json")))
        #expect(file.epochs == [0, 1, 2])
        #expect(file.keys == ["categorical_accuracy", "loss", "val_categorical_accuracy", "val_loss"])
        for key in file.keys { #expect(file.history[key] == run.history[key], "\(key)") }
        #expect(file.epochSeconds == run.history.epochSeconds.map { Optional($0) })
    }

    @Test func chartsAreValidSVGWithTheirSeries() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let loss = try ParsedSVG(try run.text("loss.svg"))
        #expect(loss.texts(inGroup: "legend") == ["validation loss", "training loss"])
        #expect(loss.elements("polyline").map { $0.value("stroke") } == ["#ff0000", "#0000ff"])
        #expect(loss.texts().contains("Loss per epoch"))
        #expect(loss.texts(inGroup: "x-ticks") == ["0", "1", "2"])

        let accuracy = try ParsedSVG(try run.text("accuracy.svg"))
        #expect(accuracy.texts(inGroup: "legend") == ["validation categorical accuracy", "training categorical accuracy"])
        #expect(accuracy.texts().contains("Accuracy per epoch") && accuracy.texts().contains("categorical accuracy"))
        #expect(accuracy.groups("markers").map { accuracy.elements("circle", in: $0).count } == [3, 3])

        let confusion = try ParsedSVG(try run.text("confusion.svg"))
        #expect(confusion.texts(inGroup: "row-labels") == ["0", "1", "2", "3"])
        #expect(confusion.texts(inGroup: "column-labels") == ["0", "1", "2", "3"])
        #expect(confusion.elements("rect").filter { $0.value("class") == "cell" }.count == 16)
    }

    /// The heatmap's cell texts, row by row, are the counts of (true, predicted) pairs; they
    /// add up to the test set and each row to its class's images.
    @Test func confusionCountsAddUp() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let confusion = try ParsedSVG(try run.text("confusion.svg"))
        let cells = confusion.texts(inGroup: "cell-values").compactMap { Int($0) }
        #expect(cells.count == 16)
        #expect(cells.reduce(0, +) == SyntheticDigits.testCount)
        var expected = [Int](repeating: 0, count: 16)
        for (label, guess) in zip(run.testLabels, try run.predicted) { expected[label * 4 + guess] += 1 }
        #expect(cells == expected)
        for row in 0..<4 {
            #expect(cells[row * 4..<row * 4 + 4].reduce(0, +) == SyntheticDigits.testCount / 4)
        }
    }

    /// 25 digits of 28 x 28 at scale 3 (84 px) in 5 columns, padding 6: 5 * 84 + 6 * 6 = 456
    /// wide; each row 84 + 3 (gap) + 16 (one caption line at scale 2) = 103, so 5 * 103 + 36 = 551 high.
    @Test func samplesPictureShowsTwentyFiveDigits() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let image = try PNG.decodeColor(try run.bytes("samples.png"))
        #expect(image.width == 456 && image.height == 551)
        #expect(image[0, 0] == .white)
        // Training image 0 is class 0: its square covers rows and columns 2...11, drawn black
        // (Greys: 255 is black) at 3x from (6, 6).
        #expect(image[6 + 3 * 5, 6 + 3 * 5] == .black)
        #expect(image[6 + 3 * 20, 6 + 3 * 20] != .black)
    }

    /// Each misclassified digit at scale 4 (112 px) under a caption such as
    /// "true 1 → pred 2 (0.93)": 22 characters of 6 px less 1 = 131 px, wider than the digit,
    /// so cells are 131 wide and 112 + 10 (gap) + 8 = 130 high, with 20 px of padding.
    @Test func misclassifiedPictureHasOneTilePerMistake() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let mistakes = min(36, zip(run.testLabels, try run.predicted).filter { $0 != $1 }.count)
        try #require(mistakes > 0, "the mislabelled test images should be misclassified")
        let columns = min(6, mistakes), rows = (mistakes + columns - 1) / columns
        let image = try PNG.decodeColor(try run.bytes("misclassified.png"))
        #expect(image.width == columns * 131 + (columns + 1) * 20)
        #expect(image.height == rows * 130 + (rows + 1) * 20)
        #expect(image.channels == 3)
        // Captions are matplotlib's 'tab:red' (#d62728), the colour its plots give mistakes.
        var captionPixels = 0
        for y in 0..<image.height { for x in 0..<image.width where image[x, y] == .tabRed { captionPixels += 1 } }
        #expect(captionPixels > 0)
        #expect(RGBColor.tabRed == RGBColor(red: 0xD6, green: 0x27, blue: 0x28))
    }

    @Test func reportIsOneSelfContainedPage() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let page = try run.text("report.html")
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(!page.contains("http:") && !page.contains("https:"))
        #expect(!page.lowercased().contains("<script"))
        #expect(!page.contains("href=") && !page.contains("@import"))
        let sources = page.ranges(of: "src=\"").map { page[$0.upperBound...].prefix(22) }
        #expect(sources.count == 2)
        #expect(sources.allSatisfy { $0 == "data:image/png;base64," }, "\(sources)")
        // The only url() references are the charts' own clip paths.
        #expect(page.ranges(of: "url(").allSatisfy { page[$0.upperBound...].hasPrefix("#") })

        // The embedded pictures are the PNG files, byte for byte.
        let embedded = page.ranges(of: "src=\"data:image/png;base64,").map { range -> [UInt8] in
            let base64 = page[range.upperBound...].prefix { $0 != "\"" }
            return Array(Data(base64Encoded: String(base64)) ?? Data())
        }
        #expect(embedded == [try run.bytes("samples.png"), try run.bytes("misclassified.png")])
    }

    @Test func reportHasEverySectionAndChart() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let page = try run.text("report.html")
        for heading in ["Result", "Model", "Settings", "Training curves", "Per epoch", "Test set, per class", "Digits"] {
            #expect(page.contains("<h2>\(heading)</h2>"), "missing section \(heading)")
        }
        #expect(page.contains("<h1>Perceptron run, 2024-05-01T12:00:00Z</h1>"))
        #expect(page.ranges(of: "<svg").count == 3)
        #expect(page.ranges(of: "<img ").count == 2)
        // Each inlined chart is still well-formed XML; the first is the loss chart.
        let charts = try page.ranges(of: "<svg").map { start -> ParsedSVG in
            let end = try #require(page[start.lowerBound...].range(of: "</svg>"))
            return try ParsedSVG(String(page[start.lowerBound..<end.upperBound]))
        }
        #expect(charts[0].texts(inGroup: "legend") == ["validation loss", "training loss"])
        #expect(charts[1].texts(inGroup: "legend") == ["validation categorical accuracy", "training categorical accuracy"])
        #expect(charts[2].texts(inGroup: "row-labels") == ["0", "1", "2", "3"])

        #expect(page.contains("<pre>" + escaped(run.model.summaryText()) + "</pre>"))
        #expect(page.contains("<tr><td>epochs</td><td>3</td></tr>"))
        #expect(page.contains("<tr><td>machine</td><td>test machine, 2 cores</td></tr>"))
        #expect(page.contains("<tr><td>GEMM backend</td><td>portable (1 thread)</td></tr>"))
        #expect(page.contains("<tr><td>dataset</td><td>\(escaped(run.record.dataFolder!))</td></tr>"))
    }

    @Test func reportStatesTheTestResultsItClaims() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let page = try run.text("report.html")
        let correct = zip(run.testLabels, try run.predicted).filter { $0 == $1 }.count
        #expect(abs(run.record.testAccuracy - Double(correct) / Double(SyntheticDigits.testCount)) < 1e-9)
        let accuracy = String(format: "%.4f", run.record.testAccuracy)
        let loss = String(format: "%.4f", run.record.testLoss)
        let mistakes = SyntheticDigits.testCount - correct
        #expect(page.contains("<tr><td class=\"num\">\(loss)</td><td class=\"num\">\(accuracy)</td>"
                              + "<td>\(mistakes) of \(SyntheticDigits.testCount)</td></tr>"))
    }

    /// Precision, recall and F1 of each class, counted here from the predictions.
    @Test func reportListsPerClassScores() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let page = try run.text("report.html")
        let pairs = Array(zip(run.testLabels, try run.predicted))
        var sums = (precision: 0.0, recall: 0.0, f1: 0.0)
        for k in 0..<4 {
            let hits = pairs.filter { $0 == k && $1 == k }.count
            let predictedK = pairs.filter { $1 == k }.count, actualK = pairs.filter { $0.0 == k }.count
            let precision = predictedK == 0 ? 0 : Double(hits) / Double(predictedK)
            let recall = Double(hits) / Double(actualK)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            sums = (sums.precision + precision, sums.recall + recall, sums.f1 + f1)
            let row = "<tr><td>\(k)</td>" + [precision, recall, f1].map { "<td class=\"num\">\(String(format: "%.4f", $0))</td>" }.joined()
                + "<td class=\"num\">\(actualK)</td></tr>"
            #expect(page.contains(row), "missing \(row)")
        }
        let average = "<tr><td>macro average</td>" + [sums.precision, sums.recall, sums.f1].map {
            "<td class=\"num\">\(String(format: "%.4f", $0 / 4))</td>"
        }.joined() + "<td class=\"num\">\(SyntheticDigits.testCount)</td></tr>"
        #expect(page.contains(average), "missing \(average)")
    }

    @Test func perEpochTableHasOneRowPerEpoch() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let page = try run.text("report.html")
        #expect(page.contains("<thead><tr><th class=\"num\">epoch</th><th class=\"num\">categorical_accuracy</th>"
                              + "<th class=\"num\">loss</th><th class=\"num\">val_categorical_accuracy</th>"
                              + "<th class=\"num\">val_loss</th><th class=\"num\">seconds</th></tr></thead>"))
        for epoch in 0..<3 {
            let cells = ["\(epoch + 1)"] + ["categorical_accuracy", "loss", "val_categorical_accuracy", "val_loss"].map {
                String(format: "%.4f", run.history[$0][epoch])
            } + [String(format: "%.2f", run.history.epochSeconds[epoch])]
            let row = "<tr>" + cells.map { "<td class=\"num\">\($0)</td>" }.joined() + "</tr>"
            #expect(page.contains(row), "missing \(row)")
        }
    }

    @Test func modelThatDoesNotFitTheImagesIsAnError() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let input = Input(shape: [100], name: "narrow")
        let output = Dense(4, activation: .softmax, name: "narrow_out")
        var generator = SeededGenerator(seed: 1)
        output.build(inputShape: [100], generator: &generator)
        let model = Model(inputs: input, outputs: output(input), name: "narrow_model")
        #expect(throws: RunFolderError.self) {
            try RunReport.write(into: run.folder, model: model, history: run.history, record: run.record, dataset: run.dataset)
        }
    }
}

/// HTML escaping written out here, so the page is checked against text it did not produce.
func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&#39;")
}
