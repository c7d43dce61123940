// `perceptron plot`: draws a history file (history.csv, or Keras's CSVLogger output) as the
// tutorial's SVG chart of a metric per epoch, training and validation.

import ArgumentParser
import Foundation
import Perceptron

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw a history.csv as an SVG chart (training and validation).")

    @Argument(help: ArgumentHelp("A history CSV with an epoch column.", valueName: "history.csv"))
    var historyFile: String

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The SVG file to write.", valueName: "file"))
    var output: String

    @Option(help: "The metric to draw: loss, categorical_accuracy, ... (its val_ twin is drawn too).")
    var metric: String = "loss"

    func validate() throws {
        try checkExtension(output, option: "--output", allowed: ["svg"])
    }

    func run() throws {
        try checkWritableFile(output, option: "--output")
        let url = URL(fileURLWithPath: historyFile)
        let history = try History.parseCSV(String(decoding: try FileIO.read(url, limit: 1 << 26), as: UTF8.self), path: url.path)
        guard !history.epochs.isEmpty else {
            throw CLIError("\(historyFile) holds a header but no epochs; there is nothing to draw")
        }
        guard !history[metric].isEmpty || !history["val_" + metric].isEmpty else {
            let available = history.keys.filter { !$0.hasPrefix("val_") || !history.keys.contains(String($0.dropFirst(4))) }
            throw CLIError("\(historyFile) has no column '\(metric)'; it has: \(available.joined(separator: ", "))")
        }
        let svg = RunCharts.metricChart(history, metric: metric)
        try FileIO.writeAtomically(svg, to: URL(fileURLWithPath: output))
        printError("wrote \(output)")
    }
}
