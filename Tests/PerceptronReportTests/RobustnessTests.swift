// Robustness sweeps against a direct evaluation (each image warped alone, then classified),
// the CSV and table they print, the names that keep two models apart, and the charts'
// legends, which must hide no curve.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PerceptronData
import PerceptronNN
@testable import PerceptronReport
import PerceptronTensor
import PerceptronVision
import Testing

@Suite("Robustness")
struct RobustnessTests {
    /// Accuracy computed the plain way: every test image warped on its own by the
    /// single-image `warpAffine`, predicted one at a time, compared with its label.
    static func directAccuracy(_ run: SyntheticRun, matrix: AffineMatrix) throws -> Double {
        let images = run.dataset.testImages
        var correct = 0
        for index in 0..<images.shape[0] {
            let warped = warpAffine(GreyImage(batch: images, index: index), matrix, interpolation: .linear, border: .constant(0))
            let probabilities = try run.model.predict(warped.tensor(scale: run.record.pixelScale).reshaped([1, 784])).scalars
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
            if best == Int(run.dataset.testLabels.bytes[index]) { correct += 1 }
        }
        return Double(correct) / Double(images.shape[0])
    }

    @Test func sweepMatchesADirectEvaluation() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let plan = SweepPlan(angles: [-90, 0, 15], shifts: [-14, 0, 4], gridAngles: [-90, 15], gridShifts: [-14, 2])
        let result = try Robustness.sweep(run.model, name: "quadrants", images: run.dataset.testImages,
                                          labels: run.dataset.testLabels, scale: run.record.pixelScale, plan: plan)
        #expect(result.clean == (try Self.directAccuracy(run, matrix: .identity)))
        for (angle, accuracy) in zip(plan.angles, result.angleAccuracy) {
            let matrix = rotationMatrix2D(center: (13.5, 13.5), angle: angle, scale: 1)
            #expect(accuracy == (try Self.directAccuracy(run, matrix: matrix)), "rotation \(angle)")
        }
        for (shift, accuracy) in zip(plan.shifts, result.horizontalAccuracy) {
            #expect(accuracy == (try Self.directAccuracy(run, matrix: .translation(x: Double(shift), y: 0))), "shift x \(shift)")
        }
        for (shift, accuracy) in zip(plan.shifts, result.verticalAccuracy) {
            #expect(accuracy == (try Self.directAccuracy(run, matrix: .translation(x: 0, y: Double(shift)))), "shift y \(shift)")
        }
        let rotated = rotationMatrix2D(center: (13.5, 13.5), angle: 15, scale: 1)
        #expect(result.grid[1][0] == (try Self.directAccuracy(run, matrix: AffineMatrix.translation(x: -14, y: 0) * rotated)))
        // The unrotated angle is the clean set; a quarter turn or a 14-pixel shift moves each
        // square into another quadrant.
        #expect(result.angleAccuracy[1] == result.clean)
        #expect(result.angleAccuracy[0] < result.clean && result.horizontalAccuracy[0] < result.clean)

        let rows = Robustness.csv([result]).split(separator: "\n")
        #expect(rows.first == "model,transform,angle,shift_x,shift_y,accuracy")
        #expect(rows.count == 1 + 1 + 3 + 3 + 3 + 4)
        #expect(rows.contains("quadrants,rotation,-90.0,0,0,\(String(format: "%.4f", result.angleAccuracy[0]))"))
        #expect(rows.contains("quadrants,shift_y,0.0,0,4,\(String(format: "%.4f", result.verticalAccuracy[2]))"))
        #expect(rows.contains("quadrants,rotation+shift_x,15.0,-14,0,\(String(format: "%.4f", result.grid[1][0]))"))
    }

    @Test func aModelForOtherImagesIsRefused() throws {
        let run = try SyntheticRun.make()
        defer { run.remove() }
        let small = ByteTensor(shape: [2, 14, 14], bytes: [UInt8](repeating: 0, count: 2 * 196))
        #expect(throws: RunFolderError.self) {
            try Robustness.sweep(run.model, name: "q", images: small, labels: ByteTensor(shape: [2], bytes: [0, 1]),
                                 scale: 1 / 255)
        }
    }

    @Test func summaryTableAveragesBothSigns() {
        let result = RobustnessResult(model: "m", angles: [-10, 0, 10], angleAccuracy: [0.5, 1, 0.7], shifts: [-2, 0, 2],
                                      horizontalAccuracy: [0.2, 1, 0.4], verticalAccuracy: [0.6, 1, 0.8],
                                      gridAngles: [], gridShifts: [], grid: [], clean: 1)
        let lines = Robustness.summaryTable([result]).split(separator: "\n")
        #expect(lines[0] == "| model | clean | ±10° | ±20° | ±30° | ±45° | ±2 px | ±4 px | ±6 px |")
        #expect(lines[2] == "| m | 100.00% | 60.00% | – | – | – | 50.00% | – | – |")
    }

    @Test(arguments: [
        (["xa/m/model.safetensors", "xb/m/model.safetensors"], [String](), ["xa/m", "xb/m"]),
        (["runs/mlp/model.safetensors", "runs/cnn/model.safetensors"], [], ["mlp", "cnn"]),
        (["p/x/m/a.safetensors", "q/x/m/a.safetensors", "r/y/m/a.safetensors"], [], ["p/x/m", "q/x/m", "y/m"]),
        (["runs/m/model.safetensors", "runs/m/model.safetensors"], [], ["m", "m-2"]),
        (["runs/m/model.safetensors", "runs/m/best.safetensors", "runs/m/last.safetensors"], [], ["m", "m-2", "m-3"]),
        (["a/model.safetensors", "b/model.safetensors"], ["MLP", "MLP"], ["MLP", "MLP-2"]),
        (["a/model.safetensors", "b/model.safetensors"], ["MLP", "CNN"], ["MLP", "CNN"]),
    ])
    func modelNamesAreDistinct(paths: [String], given: [String], expected: [String]) {
        #expect(Robustness.modelNames(forPaths: paths, given: given) == expected)
    }

    @Test func gridFileNamesAreDistinct() {
        #expect(Robustness.gridFileNames(for: ["xa/m", "xb/m"]) == ["grid-xa_m.svg", "grid-xb_m.svg"])
        #expect(Robustness.gridFileNames(for: ["a b", "a_b", "MLP + augmentation"])
                    == ["grid-a_b.svg", "grid-a_b-2.svg", "grid-MLP___augmentation.svg"])
        #expect(Robustness.distinct(["m", "m", "m-2"]) == ["m", "m-3", "m-2"])
    }

    /// The lesson experiment's rotation chart: four bell curves, falling from about 0.98 at 0°
    /// to 0.1...0.4 at ±60°. The legend used to sit in the upper right, on the curves
    /// between 20° and 40°.
    @Test func angleChartLegendHidesNoCurve() throws {
        let angles = stride(from: -60.0, through: 60, by: 5).map { $0 }
        let widths = [("MLP", 0.030), ("MLP + augmentation", 0.020), ("CNN", 0.027), ("CNN + augmentation", 0.017)]
        let results = widths.map { name, width in
            let accuracy = angles.map { 0.1 + 0.88 * exp(-width * width * $0 * $0) }
            return RobustnessResult(model: name, angles: angles, angleAccuracy: accuracy, shifts: [], horizontalAccuracy: [],
                                    verticalAccuracy: [], gridAngles: [], gridShifts: [], grid: [], clean: 0.98)
        }
        try expectLegendHidesNothing(Robustness.angleChart(results))
        let shifts = Array(-8...8)
        let shifted = widths.map { name, width in
            RobustnessResult(model: name, angles: [], angleAccuracy: [], shifts: shifts,
                             horizontalAccuracy: shifts.map { 0.1 + 0.88 * exp(-width * 50 * Double($0 * $0)) },
                             verticalAccuracy: shifts.map { 0.1 + 0.88 * exp(-width * 60 * Double($0 * $0)) },
                             gridAngles: [], gridShifts: [], grid: [], clean: 0.98)
        }
        try expectLegendHidesNothing(Robustness.shiftChart(shifted))
    }

    func expectLegendHidesNothing(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let parsed = try ParsedSVG(svg)
        func number(_ element: XMLElement, _ name: String) -> Double { Double(element.value(name) ?? "") ?? .nan }
        let legendGroup = try #require(parsed.groups("legend").first)
        let box = try #require(parsed.elements("rect", in: legendGroup).first)
        let (left, top) = (number(box, "x"), number(box, "y"))
        let (right, bottom) = (left + number(box, "width"), top + number(box, "height"))
        let data = try #require(parsed.elements("g").first { $0.value("class") == "data" })
        var hidden: [String] = []
        for marker in parsed.elements("circle", in: data) {
            let (x, y, r) = (number(marker, "cx"), number(marker, "cy"), number(marker, "r"))
            if x + r >= left && x - r <= right && y + r >= top && y - r <= bottom { hidden.append("point \(x),\(y)") }
        }
        for line in parsed.elements("polyline", in: data) {
            let points = (line.value("points") ?? "").split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            // Sampled along each segment: a crossing segment has a sample inside the box.
            for (a, b) in zip(points, points.dropFirst()) {
                for step in 0...100 {
                    let t = Double(step) / 100
                    let (x, y) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
                    if x >= left && x <= right && y >= top && y <= bottom { hidden.append("segment \(a) to \(b)"); break }
                }
            }
        }
        #expect(hidden.isEmpty, "the legend at \(left),\(top) hides \(hidden.prefix(4))", sourceLocation: sourceLocation)
    }
}
