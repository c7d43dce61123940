// The separation measures on data with answers known by hand: the between/within variance
// ratio, nearest-centroid accuracy, and the linear probe on separable, XOR and random data.

import Foundation
import PerceptronTensor
import Testing
@testable import PerceptronReport

/// Points around centres with a seeded spread, and their labels.
private func blobs(_ centres: [[Float]], perClass: Int, spread: Float, seed: UInt64) -> (Tensor, [Int]) {
    var generator = SeededGenerator(seed: seed)
    var rows: [[Float]] = []
    var labels: [Int] = []
    for _ in 0..<perClass {
        for (label, centre) in centres.enumerated() {
            rows.append(centre.map { $0 + spread * Float(generator.nextNormal()) })
            labels.append(label)
        }
    }
    return (Tensor(rows: rows), labels)
}

@Suite("Separation measures and the linear probe")
struct RepresentationMeasuresTests {
    /// Class 0 at 0 and 2, class 1 at 10 and 12: class means 1 and 11, overall mean 6.
    /// trace(S_W) = 4 · 1² = 4, trace(S_B) = 2 · 5² + 2 · 5² = 100, ratio 25.
    @Test func varianceRatioByHand() {
        let x = Tensor(shape: [4, 1], scalars: [0, 2, 10, 12])
        #expect(SeparationMeasures.varianceRatio(x, labels: [0, 0, 1, 1]) == 25)
        // Two features: the second adds within-class scatter 4 · 3² = 36 and no between-class
        // scatter (both class means are 0): 100 / (4 + 36).
        let wider = Tensor(rows: [[0, 3], [2, -3], [10, 3], [12, -3]])
        #expect(SeparationMeasures.varianceRatio(wider, labels: [0, 0, 1, 1]) == 2.5)
        // Unequal classes: {0} and {4, 6, 8}. Means 0 and 6, overall 4.5;
        // S_B = 1 · 4.5² + 3 · 1.5² = 27, S_W = 0 + 4 + 0 + 4 = 8.
        #expect(SeparationMeasures.varianceRatio(Tensor(shape: [4, 1], scalars: [0, 4, 6, 8]), labels: [0, 1, 1, 1]) == 27.0 / 8)
    }

    @Test func varianceRatioInvariances() {
        let (x, labels) = blobs([[0, 0], [3, 1], [1, 4]], perClass: 30, spread: 1, seed: 1)
        let base = SeparationMeasures.varianceRatio(x, labels: labels)
        // Scaling by one factor, translating, and rotating by 90 degrees change nothing.
        let moved = Tensor(rows: (0..<x.sampleCount).map { [-x[$0, 1] * 4 + 7, x[$0, 0] * 4 - 2] })
        #expect(abs(SeparationMeasures.varianceRatio(moved, labels: labels) - base) < 1e-6 * base)
        // Stretching one feature does.
        let stretched = Tensor(rows: (0..<x.sampleCount).map { [x[$0, 0] * 10, x[$0, 1]] })
        #expect(abs(SeparationMeasures.varianceRatio(stretched, labels: labels) - base) > 0.01 * base)
        // Identical class means give 0; points sitting on their class mean give infinity.
        #expect(SeparationMeasures.varianceRatio(Tensor(shape: [4, 1], scalars: [1, -1, 1, -1]), labels: [0, 0, 1, 1]) == 0)
        #expect(SeparationMeasures.varianceRatio(Tensor(shape: [4, 1], scalars: [1, 1, 5, 5]), labels: [0, 0, 1, 1]) == .infinity)
    }

    /// Centroids (0, 0) for class 0 and (10, 0) for class 1.
    @Test func nearestCentroidByHand() {
        let train = Tensor(rows: [[-1, 0], [1, 0], [9, 1], [11, -1]])
        let test = Tensor(rows: [[4, 0], [6, 0], [1, 1], [5, 0]])
        let predicted = SeparationMeasures.nearestCentroid(fittedOn: train, labels: [0, 0, 1, 1], predicting: test)
        #expect(predicted == [0, 1, 0, 0], "(5, 0) is as far from both: the lower class")
        let accuracy = SeparationMeasures.nearestCentroidAccuracy(train: train, trainLabels: [0, 0, 1, 1], test: test,
                                                                  testLabels: [0, 1, 1, 0])
        #expect(accuracy == 0.75)
        // Class 1 is absent from training: only classes 0 and 2 can be predicted.
        let gapped = SeparationMeasures.nearestCentroid(fittedOn: Tensor(rows: [[0], [10]]), labels: [0, 2],
                                                        predicting: Tensor(rows: [[4], [6], [100]]))
        #expect(gapped == [0, 2, 2])
    }

    @Test func probeSeparatesBlobs() throws {
        let centres: [[Float]] = [[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]]
        let (train, trainLabels) = blobs(centres, perClass: 50, spread: 1, seed: 2)
        let (test, testLabels) = blobs(centres, perClass: 25, spread: 1, seed: 3)
        let probe = LinearProbe(epochs: 40, batchSize: 32, learningRate: 0.01, seed: 1)
        let accuracy = try probe.accuracy(train: train, trainLabels: trainLabels, test: test, testLabels: testLabels, classes: 4)
        #expect(accuracy == 1)
        #expect(SeparationMeasures.nearestCentroidAccuracy(train: train, trainLabels: trainLabels, test: test,
                                                           testLabels: testLabels) == 1)
    }

    /// XOR: class = (x > 0) != (y > 0). No straight cut does better than 3 of 4 quadrants,
    /// and the class means all sit at the origin; with the feature x·y added, one cut suffices.
    @Test func probeNeedsTheRightRepresentationForXOR() throws {
        let corners: [[Float]] = [[3, 3], [-3, -3], [3, -3], [-3, 3]]
        let (train, trainCorners) = blobs(corners, perClass: 60, spread: 0.7, seed: 4)
        let (test, testCorners) = blobs(corners, perClass: 30, spread: 0.7, seed: 5)
        let trainLabels = trainCorners.map { $0 / 2 }, testLabels = testCorners.map { $0 / 2 }
        let probe = LinearProbe(epochs: 60, batchSize: 32, learningRate: 0.01, seed: 1)
        let raw = try probe.accuracy(train: train, trainLabels: trainLabels, test: test, testLabels: testLabels, classes: 2)
        #expect(raw <= 0.8, "a linear cut cannot solve XOR: \(raw)")
        #expect(SeparationMeasures.varianceRatio(test, labels: testLabels) < 0.05)
        func lifted(_ x: Tensor) -> Tensor { Tensor(rows: (0..<x.sampleCount).map { [x[$0, 0], x[$0, 1], x[$0, 0] * x[$0, 1]] }) }
        let better = try probe.accuracy(train: lifted(train), trainLabels: trainLabels, test: lifted(test), testLabels: testLabels,
                                        classes: 2)
        #expect(better >= 0.98, "with x·y the classes are linearly separable: \(better)")
    }

    @Test func probeIsAtChanceOnRandomLabelsAndDeterministic() throws {
        var generator = SeededGenerator(seed: 6)
        let train = Tensor(rows: (0..<400).map { _ in (0..<5).map { _ in Float(generator.nextNormal()) } })
        let test = Tensor(rows: (0..<400).map { _ in (0..<5).map { _ in Float(generator.nextNormal()) } })
        let trainLabels = (0..<400).map { _ in generator.next(below: 4) }
        let testLabels = (0..<400).map { _ in generator.next(below: 4) }
        let probe = LinearProbe(epochs: 5, seed: 3)
        let first = try probe.predictions(train: train, trainLabels: trainLabels, test: test, classes: 4)
        let second = try probe.predictions(train: train, trainLabels: trainLabels, test: test, classes: 4)
        #expect(first == second)
        let accuracy = SeparationMeasures.accuracy(first, testLabels)
        #expect(accuracy > 0.15 && accuracy < 0.35, "chance is 0.25: \(accuracy)")
    }

    /// Standardisation: features of wildly different scales and a constant one.
    @Test func standardisationUsesTrainingMoments() {
        let x = Tensor(rows: [[1, 1000, 5], [3, 3000, 5]])
        let (mean, deviation) = LinearProbe.moments(x)
        #expect(mean == [2, 2000, 5] && deviation == [1, 1000, 1])
        #expect(LinearProbe.standardized(x, mean: mean, deviation: deviation).scalars == [-1, -1, 0, 1, 1, 0])
    }
}
