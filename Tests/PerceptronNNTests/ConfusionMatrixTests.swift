// Tests of the confusion matrix and its per-class scores on a hand-counted example, including
// the classes where precision or recall is undefined (reported as 0, like scikit-learn's
// `classification_report(..., zero_division=0)`).

import Testing
import PerceptronNN

@Suite struct ConfusionMatrixTests {
    /// Nine samples, five classes. Rows are the true class, columns the prediction:
    /// ```
    ///        0  1  2  3  4
    ///   0    2  1  0  0  0
    ///   1    1  1  0  0  0
    ///   2    0  1  2  1  0
    ///   3    0  0  0  0  0     (never the true class)
    ///   4    0  0  0  0  0     (never the true class, never predicted)
    /// ```
    static let matrix = ConfusionMatrix(trueLabels: [0, 0, 0, 1, 1, 2, 2, 2, 2],
                                        predicted: [0, 0, 1, 1, 0, 2, 2, 1, 3], classes: 5)

    @Test func countsEachPair() {
        #expect(Self.matrix.counts == [[2, 1, 0, 0, 0], [1, 1, 0, 0, 0], [0, 1, 2, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
        #expect(Self.matrix.total == 9)
        #expect(Self.matrix.accuracy == 5.0 / 9.0)
        #expect((0..<5).map(Self.matrix.support) == [3, 2, 4, 0, 0])
    }

    /// Precision: column k's diagonal over its sum, 2/3, 1/3, 2/2, 0/1 and 0/0 → 0.
    /// Recall: row k's diagonal over its sum, 2/3, 1/2, 2/4, 0/0 → 0 and 0/0 → 0.
    /// F1 = 2PR / (P + R): 2/3; 2 (1/3)(1/2) / (5/6) = 2/5; 2 (1)(1/2) / (3/2) = 2/3; 0; 0.
    @Test func perClassScoresMatchHandCounts() {
        let m = Self.matrix
        let expected: [(precision: Double, recall: Double, f1: Double)] = [
            (2.0 / 3, 2.0 / 3, 2.0 / 3), (1.0 / 3, 1.0 / 2, 2.0 / 5), (1, 1.0 / 2, 2.0 / 3), (0, 0, 0), (0, 0, 0),
        ]
        for (k, value) in expected.enumerated() {
            #expect(abs(m.precision(k) - value.precision) < 1e-15, "precision of class \(k)")
            #expect(abs(m.recall(k) - value.recall) < 1e-15, "recall of class \(k)")
            #expect(abs(m.f1(k) - value.f1) < 1e-15, "F1 of class \(k)")
        }
    }

    @Test func perfectPredictionsScoreOne() {
        let labels = [0, 1, 2, 2, 1, 0, 2]
        let m = ConfusionMatrix(trueLabels: labels, predicted: labels, classes: 3)
        #expect(m.accuracy == 1)
        for k in 0..<3 { #expect(m.precision(k) == 1 && m.recall(k) == 1 && m.f1(k) == 1) }
        #expect(m.counts == [[2, 0, 0], [0, 2, 0], [0, 0, 3]])
    }

    @Test func emptyMatrixHasZeroAccuracy() {
        let m = ConfusionMatrix(trueLabels: [], predicted: [], classes: 2)
        #expect(m.total == 0 && m.accuracy == 0)
        #expect(m.counts == [[0, 0], [0, 0]])
        #expect(m.precision(0) == 0 && m.recall(1) == 0 && m.f1(0) == 0)
    }
}
