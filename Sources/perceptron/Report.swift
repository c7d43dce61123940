// `perceptron report RUN_DIR`: rebuilds a run folder's pictures and report.html from its
// model, history and run.json (the test predictions are computed again).

import ArgumentParser
import Foundation
import Perceptron

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the pictures and report.html of a run folder written by `perceptron train`.")

    @Argument(help: ArgumentHelp("The run folder (holding model.safetensors, history.csv, run.json).", valueName: "run-dir"))
    var runDirectory: String

    func run() throws {
        try checkBackend()
        let folder = URL(fileURLWithPath: runDirectory)
        try checkWritableFolder(runDirectory, option: "the run folder")
        let model = try Model.load(from: folder.appendingPathComponent("model.safetensors"))
        // history.json keeps the seconds per epoch; history.csv (as Keras's CSVLogger) does not.
        let jsonURL = folder.appendingPathComponent("history.json")
        let csvURL = folder.appendingPathComponent("history.csv")
        let history = FileManager.default.fileExists(atPath: jsonURL.path)
            ? try History.parseJSON(String(decoding: try FileIO.read(jsonURL, limit: 1 << 26), as: UTF8.self), path: jsonURL.path)
            : try History.parseCSV(String(decoding: try FileIO.read(csvURL, limit: 1 << 26), as: UTF8.self), path: csvURL.path)
        var record = try RunRecord.read(folder.appendingPathComponent("run.json"))
        let mnist = try MNIST.load(from: record.dataFolder.map { URL(fileURLWithPath: $0) })
        record.backend = SystemInfo.backendDescription
        let written = try RunReport.write(into: folder, model: model, history: history, record: record, dataset: mnist)
        for url in written { print(url.path) }
    }
}
