// The pictures of the command line end to end: the run folder `train` writes (charts, digit
// pictures, report.html), `report` rebuilding it, `plot`, `show --png`, `predict --png`, and
// the loss chart printed in the terminal after training.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PerceptronData
import PerceptronVision
import Testing

/// The files of a run folder without the report, and those the report adds.
let modelFiles = ["model.safetensors", "history.csv", "run.json"]
let pictureFiles = ["history.json", "loss.svg", "accuracy.svg", "confusion.svg", "samples.png", "misclassified.png", "report.html"]

/// The texts of every `<text>` element of an SVG document, which must parse as XML.
func svgTexts(_ url: URL) throws -> [String] {
    let document = try XMLDocument(data: try Data(contentsOf: url), options: [])
    let root = try #require(document.rootElement())
    #expect((root.localName ?? root.name) == "svg")
    var texts: [String] = []
    func walk(_ element: XMLElement) {
        if (element.localName ?? element.name) == "text" { texts.append(element.stringValue ?? "") }
        for child in element.children ?? [] {
            if let child = child as? XMLElement { walk(child) }
        }
    }
    walk(root)
    return texts
}

func decodedPNG(_ url: URL) throws -> ColorImage {
    try PNG.decodeColor(Array(try Data(contentsOf: url)))
}

func folderListing(_ url: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}

@Suite("perceptron pictures", .serialized)
struct PicturesTests {
    /// One small run checked from every side: the files, the terminal chart, `report`
    /// rebuilding the same pictures, `plot` and `predict --png` on its files.
    @Test func trainWritesThePicturesAndReport() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let train = try await CLI.run(["train", "--hidden", "16", "--epochs", "2", "--batch-size", "500", "--output", run.path])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let listing = try folderListing(run)
        #expect(Set(modelFiles + pictureFiles).isSubset(of: listing), "the run folder holds \(listing)")
        #expect(train.stderr.contains("wrote the report and pictures in "))
        #expect(train.stderr.contains(run.appendingPathComponent("report.html").path))

        // The terminal chart: braille lines, the epoch axis from 1 to 2, the legend.
        #expect(train.stdout.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "no braille in: \(train.stdout)")
        #expect(train.stdout.contains("* training loss   o validation loss\n"))
        #expect(train.stdout.contains("loss\n"))
        #expect(train.stdout.contains(" epoch "))
        #expect(!train.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
        #expect(train.stdout.split(separator: "\n").last?.hasPrefix("Test accuracy: 0.") == true)

        #expect(try svgTexts(run.appendingPathComponent("loss.svg")).contains("validation loss"))
        #expect(try svgTexts(run.appendingPathComponent("accuracy.svg")).contains("training categorical accuracy"))
        let confusion = try svgTexts(run.appendingPathComponent("confusion.svg"))
        #expect(confusion.contains("predicted") && confusion.contains("true"))
        let samples = try decodedPNG(run.appendingPathComponent("samples.png"))
        #expect(samples.width == 456 && samples.height == 551)
        let misclassified = try decodedPNG(run.appendingPathComponent("misclassified.png"))
        #expect(misclassified.width == 6 * 131 + 7 * 20 && misclassified.height == 6 * 130 + 7 * 20,
                "36 mistakes in 6 rows of 6: \(misclassified.width)x\(misclassified.height)")
        let page = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        let accuracyLine = try #require(train.stdout.split(separator: "\n").last)
        let accuracy = String(accuracyLine.dropFirst("Test accuracy: ".count))
        #expect(page.contains("<td class=\"num\">\(accuracy)</td>"), "the page claims the accuracy train printed")
        #expect(!page.contains("http:") && !page.contains("https:") && !page.contains("<script"))

        // `report` rebuilds the same pictures from the saved files.
        let before = try pictureFiles.filter { $0 != "report.html" }.map { try Data(contentsOf: run.appendingPathComponent($0)) }
        try FileManager.default.removeItem(at: run.appendingPathComponent("report.html"))
        try FileManager.default.removeItem(at: run.appendingPathComponent("loss.svg"))
        let report = try await CLI.run(["report", run.path])
        #expect(report.status == 0, "stderr: \(report.stderr)")
        #expect(report.stdout.split(separator: "\n").map { URL(fileURLWithPath: String($0)).lastPathComponent } == pictureFiles)
        #expect(try folderListing(run) == listing)
        let after = try pictureFiles.filter { $0 != "report.html" }.map { try Data(contentsOf: run.appendingPathComponent($0)) }
        for (index, name) in pictureFiles.dropLast().enumerated() where name != "history.json" {
            #expect(before[index] == after[index], "\(name) differs after `report`")
        }
        let rebuilt = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(rebuilt.contains("<td class=\"num\">\(accuracy)</td>"))
        #expect(rebuilt.ranges(of: "<svg").count == 3)

        // `plot` draws any metric of the history; an unknown one is one clean line.
        let chart = folder.appendingPathComponent("accuracy-plot.svg")
        let plot = try await CLI.run(["plot", run.appendingPathComponent("history.csv").path, "-o", chart.path,
                                "--metric", "categorical_accuracy"])
        #expect(plot.status == 0, "stderr: \(plot.stderr)")
        let texts = try svgTexts(chart)
        #expect(texts.contains("validation categorical accuracy") && texts.contains("training categorical accuracy"))
        #expect(texts.contains("epoch") && texts.contains("categorical accuracy"))
        expectCleanFailure(try await CLI.run(["plot", run.appendingPathComponent("history.csv").path, "-o", chart.path,
                                        "--metric", "f1"]), mentioning: "no column 'f1'")
        expectCleanFailure(try await CLI.run(["plot", folder.appendingPathComponent("missing.csv").path, "-o", chart.path]),
                           mentioning: "missing.csv")

        // `predict --png`: the digit at 10x under its caption, 280 + 2 * 8 wide; 280 + 4 (gap)
        // + 16 (caption at scale 2) + 2 * 8 high.
        let digit = folder.appendingPathComponent("prediction.png")
        let predict = try await CLI.run(["predict", "--model", run.appendingPathComponent("model.safetensors").path,
                                   "--index", "0", "--png", digit.path])
        #expect(predict.status == 0, "stderr: \(predict.stderr)")
        #expect(predict.stdout.hasPrefix("prediction: "))
        let image = try decodedPNG(digit)
        #expect(image.width == 296 && image.height == 316)
        #expect(image[0, 0] == .white)
    }

    @Test func noReportWritesOnlyTheModelAndHistory() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = try await CLI.run(["train", "--hidden", "16", "--epochs", "1", "--batch-size", "500", "--output", folder.path,
                                 "--no-report"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let listing = try folderListing(folder)
        #expect(Set(modelFiles).isSubset(of: listing), "the run folder holds \(listing)")
        #expect(Set(pictureFiles).isDisjoint(with: listing), "the run folder holds \(listing)")
        #expect(!train.stderr.contains("wrote the report"))
    }

    /// `plt.imshow(X_train[0], cmap='Greys')` as a file: 28 x 28 at 10x, 0 white, 255 black.
    @Test func showWritesTheDigitAsPNG() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("digit.png")
        let show = try await CLI.run(["show", "--index", "0", "--png", file.path, "--scale", "10"])
        #expect(show.status == 0, "stderr: \(show.stderr)")
        #expect(show.stdout.hasPrefix("train image 0, label 5\n"))
        let image = try decodedPNG(file)
        #expect(image.width == 280 && image.height == 280)
        #expect(image[0, 0] == .white)
        let digit = GreyImage(batch: try MNIST.load().trainImages, index: 0)
        let (x, y) = try #require((0..<28 * 28).lazy.map { ($0 % 28, $0 / 28) }.first { digit[$0.0, $0.1] == 255 })
        #expect(image[x * 10 + 5, y * 10 + 5] == .black)
        #expect(image[x * 10, y * 10] == image[x * 10 + 9, y * 10 + 9], "each pixel is a 10 x 10 block")
        expectCleanFailure(try await CLI.run(["show", "--index", "0", "--png", file.path, "--scale", "0"]), mentioning: "--scale")
    }
}
