// `perceptron robustness`: test-set accuracy of one or more models under rotations and shifts,
// as a table, CSV, SVG charts, heatmaps and a terminal chart.

import ArgumentParser
import Foundation
import Perceptron

struct Robust: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "Measure test accuracy as the digits are rotated and shifted, for one or more models.")

    @Option(name: .customLong("model"), help: ArgumentHelp("A saved model; repeat for several (their curves are overlaid).", valueName: "file"))
    var models: [String] = []

    @Option(name: .customLong("name"), help: ArgumentHelp("A display name per --model, in order (default: the file's folder, with more of its path where two are alike).", valueName: "name"))
    var names: [String] = []

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Angles in degrees: from,to,step.", valueName: "a,b,s"))
    var angles: String = "-60,60,5"

    @Option(help: ArgumentHelp("Shifts in pixels: from,to,step.", valueName: "a,b,s"))
    var shifts: String = "-8,8,1"

    @Option(help: ArgumentHelp("Folder for robustness.csv, the charts and the heatmaps.", valueName: "dir"))
    var output: String = "robustness"

    @Option(help: "Use only the first N test images (default: all).")
    var limit: Int?

    static func range(_ text: String, option: String) throws -> [Double] {
        let v = try Transform.numbers(text, count: 3, option: option)
        guard v[2] > 0, v[0] <= v[1], (v[1] - v[0]) / v[2] <= 1000 else {
            throw ValidationError("\(option) takes from,to,step with from <= to, step > 0 and at most 1000 steps; got '\(text)'")
        }
        return stride(from: v[0], through: v[1] + v[2] * 1e-9, by: v[2]).map { ($0 * 1e6).rounded() / 1e6 }
    }

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model") }
        guard names.isEmpty || names.count == models.count else {
            throw ValidationError("give one --name per --model (\(models.count)), or none")
        }
        _ = try Robust.range(angles, option: "--angles")
        let shiftValues = try Robust.range(shifts, option: "--shifts")
        guard shiftValues.allSatisfy({ $0 == $0.rounded() }) else { throw ValidationError("--shifts must be whole pixels") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        try checkBackend()
        try checkWritableFolder(output, option: "--output")
        // Every model is loaded and checked before the first sweep.
        let loaded = try models.map { try Model.load(from: URL(fileURLWithPath: $0)) }
        let modelNames = Robustness.modelNames(forPaths: models, given: names)
        let mnist = try data.load()
        let pixels = mnist.testImages.rowWidth
        for (model, path) in zip(loaded, models) where model.inputShape.reduce(1, *) != pixels {
            throw CLIError("\(path): the model takes inputs of shape \(model.inputShape), the test images have \(pixels) pixels")
        }
        let count = min(limit ?? mnist.testImages.shape[0], mnist.testImages.shape[0])
        let images = mnist.testImages.rows(0..<count)
        let labels = mnist.testLabels.rows(0..<count)
        var plan = SweepPlan()
        plan.angles = try Robust.range(angles, option: "--angles")
        plan.shifts = try Robust.range(shifts, option: "--shifts").map { Int($0) }
        let folder = URL(fileURLWithPath: output)
        try FileIO.prepareFolder(folder)
        var results: [RobustnessResult] = []
        for (model, name) in zip(loaded, modelNames) {
            let start = Date()
            let result = try Robustness.sweep(model, name: name, images: images, labels: labels, scale: model.pixelScale,
                                              plan: plan) { printError($0) }
            printError(name + String(format: ": swept in %.1f s", Date().timeIntervalSince(start)))
            results.append(result)
        }
        for (result, file) in zip(results, Robustness.gridFileNames(for: modelNames)) {
            try FileIO.writeAtomically(Robustness.gridChart(result), to: folder.appendingPathComponent(file))
        }
        try FileIO.writeAtomically(Robustness.csv(results), to: folder.appendingPathComponent("robustness.csv"))
        try FileIO.writeAtomically(Robustness.angleChart(results), to: folder.appendingPathComponent("rotation.svg"))
        try FileIO.writeAtomically(Robustness.shiftChart(results), to: folder.appendingPathComponent("shift.svg"))
        print(Robustness.terminalAngleChart(results, color: standardOutputUsesColor))
        print(Robustness.summaryTable(results), terminator: "")
        printError("wrote \(folder.path)/robustness.csv, rotation.svg, shift.svg and grid-*.svg")
    }
}
