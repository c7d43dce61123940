// Robustness sweeps: test-set accuracy of a model as its images are rotated and shifted
// (OpenCV-exact warps), as tables, CSV, SVG charts and a terminal chart.

import Foundation
import PerceptronData
import PerceptronNN
import PerceptronPlot
import PerceptronTensor
import PerceptronVision

/// The transformations a sweep measures.
public struct SweepPlan: Sendable {
    /// Rotation angles in degrees (counter-clockwise, OpenCV's convention) about the image centre.
    public var angles: [Double]
    /// Shifts in pixels, applied horizontally and, separately, vertically.
    public var shifts: [Int]
    /// The grid's angles in degrees: each is combined with every horizontal shift of `gridShifts`.
    public var gridAngles: [Double]
    /// The grid's horizontal shifts in pixels, applied after the rotation.
    public var gridShifts: [Int]

    /// Defaults: -60...60 degrees by 5, -8...8 pixels by 1, and a grid of -45...45 by 15 x -6...6 by 2.
    public init(angles: [Double] = stride(from: -60.0, through: 60, by: 5).map { $0 },
                shifts: [Int] = Array(-8...8),
                gridAngles: [Double] = stride(from: -45.0, through: 45, by: 15).map { $0 },
                gridShifts: [Int] = Array(stride(from: -6, through: 6, by: 2))) {
        self.angles = angles
        self.shifts = shifts
        self.gridAngles = gridAngles
        self.gridShifts = gridShifts
    }
}

/// One model's accuracies under the plan's transformations.
///
/// Each accuracy is the fraction of test images whose predicted class (the highest
/// probability) equals the label, in 0...1.
public struct RobustnessResult: Sendable {
    /// The name the model was measured under, as given to `Robustness.sweep`.
    public let model: String
    /// The plan's rotation angles in degrees.
    public let angles: [Double]
    /// `angleAccuracy[i]`: accuracy with every image rotated by `angles[i]` about its centre.
    public let angleAccuracy: [Double]
    /// The plan's shifts in pixels.
    public let shifts: [Int]
    /// `horizontalAccuracy[i]`: accuracy with every image moved `shifts[i]` pixels to the right
    /// (negative: left).
    public let horizontalAccuracy: [Double]
    /// `verticalAccuracy[i]`: accuracy with every image moved `shifts[i]` pixels down
    /// (negative: up).
    public let verticalAccuracy: [Double]
    /// The grid's angles in degrees (rows of `grid`).
    public let gridAngles: [Double]
    /// The grid's horizontal shifts in pixels (columns of `grid`).
    public let gridShifts: [Int]
    /// `grid[a][s]`: accuracy at `gridAngles[a]` and horizontal shift `gridShifts[s]`.
    public let grid: [[Double]]
    /// Accuracy on the untouched test set.
    public let clean: Double
}

/// Measures accuracy under rotations and shifts.
public enum Robustness {
    /// The rotation about the centre of a `width` x `height` image, `((w - 1) / 2, (h - 1) / 2)`
    /// (13.5, 13.5 for MNIST), as `cv2.getRotationMatrix2D`.
    public static func rotation(_ degrees: Double, width: Int, height: Int) -> AffineMatrix {
        rotationMatrix2D(center: (Double(width - 1) / 2, Double(height - 1) / 2), angle: degrees, scale: 1)
    }

    /// Accuracy of `model` on `images` `[N, H, W]` warped by `matrix` (linear, black border),
    /// with pixels multiplied by `scale` before the model.
    public static func accuracy(_ model: Model, images: ByteTensor, labels: [Int], scale: Float,
                                matrix: AffineMatrix, buffer: inout [UInt8]) throws -> Double {
        if buffer.count != images.count { buffer = [UInt8](repeating: 0, count: images.count) }
        if matrix == .identity {
            buffer = images.bytes
        } else {
            buffer.withUnsafeMutableBufferPointer { images.warpedImages(into: $0) { _ in matrix } }
        }
        let warped = ByteTensor(shape: images.shape, bytes: buffer)
        let probabilities = try model.predict(warped.scaled(by: scale).reshaped(sampleShape: model.inputShape), batchSize: 1000)
        let predicted = probabilities.argmax(axis: 1)
        let correct = zip(predicted, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(max(labels.count, 1))
    }

    /// Runs the whole plan on one model. `progress` is told each finished measurement.
    public static func sweep(_ model: Model, name: String, images: ByteTensor, labels: ByteTensor, scale: Float,
                             plan: SweepPlan = SweepPlan(), progress: ((String) -> Void)? = nil) throws -> RobustnessResult {
        guard images.rank == 3, model.inputShape.reduce(1, *) == images.rowWidth else {
            throw RunFolderError("model '\(name)' takes inputs of shape \(model.inputShape), the images are \(Array(images.shape.dropFirst()))")
        }
        let (height, width) = (images.shape[1], images.shape[2])
        let truth = labels.bytes.map(Int.init)
        var buffer: [UInt8] = []
        func measure(_ matrix: AffineMatrix) throws -> Double {
            try accuracy(model, images: images, labels: truth, scale: scale, matrix: matrix, buffer: &buffer)
        }
        let clean = try measure(.identity)
        let angleAccuracy = try plan.angles.map { angle -> Double in
            let value = try measure(rotation(angle, width: width, height: height))
            progress?(String(format: "%@: rotation %+.0f°: %.4f", name, angle, value))
            return value
        }
        let horizontal = try plan.shifts.map { try measure(.translation(x: Double($0), y: 0)) }
        let vertical = try plan.shifts.map { try measure(.translation(x: 0, y: Double($0))) }
        progress?("\(name): shifts done")
        let grid = try plan.gridAngles.map { angle in
            try plan.gridShifts.map { shift in
                try measure(AffineMatrix.translation(x: Double(shift), y: 0) * rotation(angle, width: width, height: height))
            }
        }
        return RobustnessResult(model: name, angles: plan.angles, angleAccuracy: angleAccuracy, shifts: plan.shifts,
                                horizontalAccuracy: horizontal, verticalAccuracy: vertical, gridAngles: plan.gridAngles,
                                gridShifts: plan.gridShifts, grid: grid, clean: clean)
    }

    /// Long-form CSV: `model,transform,angle,shift_x,shift_y,accuracy`, one row per measurement.
    public static func csv(_ results: [RobustnessResult]) -> String {
        var lines = ["model,transform,angle,shift_x,shift_y,accuracy"]
        func row(_ model: String, _ kind: String, _ angle: Double, _ dx: Int, _ dy: Int, _ value: Double) {
            lines.append("\(csvField(model)),\(kind),\(angle),\(dx),\(dy),\(String(format: "%.4f", value))")
        }
        for result in results {
            row(result.model, "none", 0, 0, 0, result.clean)
            for (angle, value) in zip(result.angles, result.angleAccuracy) { row(result.model, "rotation", angle, 0, 0, value) }
            for (shift, value) in zip(result.shifts, result.horizontalAccuracy) { row(result.model, "shift_x", 0, shift, 0, value) }
            for (shift, value) in zip(result.shifts, result.verticalAccuracy) { row(result.model, "shift_y", 0, 0, shift, value) }
            for (a, angle) in result.gridAngles.enumerated() {
                for (s, shift) in result.gridShifts.enumerated() { row(result.model, "rotation+shift_x", angle, shift, 0, result.grid[a][s]) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// The summary table: accuracy at 0, ±10, ±20, ±30, ±45 degrees and ±2, ±4, ±6 px
    /// (the mean of the two signs, and of horizontal and vertical for shifts), in Markdown.
    public static func summaryTable(_ results: [RobustnessResult]) -> String {
        let angleColumns: [Double] = [10, 20, 30, 45]
        let shiftColumns = [2, 4, 6]
        var header = "| model | clean |"
        var rule = "| --- | --- |"
        for angle in angleColumns { header += " ±\(Int(angle))° |"; rule += " --- |" }
        for shift in shiftColumns { header += " ±\(shift) px |"; rule += " --- |" }
        var lines = [header, rule]
        for result in results {
            var line = "| \(result.model) | \(percent(result.clean)) |"
            for angle in angleColumns {
                let values = [angle, -angle].compactMap { a in result.angles.firstIndex(of: a).map { result.angleAccuracy[$0] } }
                line += " \(values.isEmpty ? "–" : percent(values.reduce(0, +) / Double(values.count))) |"
            }
            for shift in shiftColumns {
                let indices = [shift, -shift].compactMap { result.shifts.firstIndex(of: $0) }
                let values = indices.flatMap { [result.horizontalAccuracy[$0], result.verticalAccuracy[$0]] }
                line += " \(values.isEmpty ? "–" : percent(values.reduce(0, +) / Double(values.count))) |"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }

    /// Accuracy against rotation angle, one curve per model; the legend where it hides no data.
    public static func angleChart(_ results: [RobustnessResult]) -> String {
        var chart = LineChart(results.map { LineSeries($0.model, x: $0.angles, y: $0.angleAccuracy, marker: .point) },
                              title: "Test accuracy under rotation", xLabel: "rotation (degrees)", yLabel: "accuracy")
        chart.yRange = 0...1
        chart.legend = .best
        return chart.svg()
    }

    /// Accuracy against shift, horizontal and vertical, per model; the legend where it hides no data.
    public static func shiftChart(_ results: [RobustnessResult]) -> String {
        var series: [LineSeries] = []
        for result in results {
            let x = result.shifts.map(Double.init)
            series.append(LineSeries("\(result.model), horizontal", x: x, y: result.horizontalAccuracy, marker: .point))
            series.append(LineSeries("\(result.model), vertical", x: x, y: result.verticalAccuracy, marker: .circle))
        }
        var chart = LineChart(series, title: "Test accuracy under shifts", xLabel: "shift (pixels)", yLabel: "accuracy")
        chart.yRange = 0...1
        chart.legend = .best
        return chart.svg()
    }

    /// The rotation x horizontal-shift grid of one model as a heatmap.
    public static func gridChart(_ result: RobustnessResult) -> String {
        var map = Heatmap(result.grid, rowLabels: result.gridAngles.map { "\(Int($0))°" },
                          columnLabels: result.gridShifts.map { "\($0)" },
                          title: "\(result.model): accuracy, rotation x shift", xLabel: "horizontal shift (pixels)",
                          yLabel: "rotation")
        map.valueFormat = .fixed(2)
        map.range = 0...1
        return map.svg()
    }

    /// Accuracy against angle in the terminal, one series per model.
    public static func terminalAngleChart(_ results: [RobustnessResult], color: Bool = false) -> String {
        var chart = TerminalChart(results.map { TerminalSeries($0.model, x: $0.angles, y: $0.angleAccuracy) },
                                  width: 60, height: 12, xLabel: "rotation (degrees)", yLabel: "accuracy")
        chart.yRange = 0...1
        chart.usesColor = color
        return chart.render()
    }
}
