// The confusion matrix of a classifier and the per-class precision, recall and F1 derived
// from it (as scikit-learn's classification_report defines them, 0 where undefined).

/// Counts of (true class, predicted class) pairs.
public struct ConfusionMatrix: Equatable, Sendable {
    /// Number of classes.
    public let classes: Int
    /// `counts[t][p]`: samples of true class t predicted as p.
    public private(set) var counts: [[Int]]

    /// The matrix of `predicted` against `trueLabels`; every label must lie in `0..<classes`.
    public init(trueLabels: [Int], predicted: [Int], classes: Int) {
        precondition(trueLabels.count == predicted.count,
                     "ConfusionMatrix needs as many predictions (\(predicted.count)) as labels (\(trueLabels.count))")
        precondition(classes > 0, "ConfusionMatrix needs at least one class")
        self.classes = classes
        counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (t, p) in zip(trueLabels, predicted) {
            precondition((0..<classes).contains(t) && (0..<classes).contains(p),
                         "labels must lie in 0..<\(classes), got true \(t), predicted \(p)")
            counts[t][p] += 1
        }
    }

    /// All samples.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Correct predictions over all samples.
    public var accuracy: Double {
        total == 0 ? 0 : Double((0..<classes).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }
    /// Samples whose true class is `k`.
    public func support(_ k: Int) -> Int { counts[k].reduce(0, +) }
    /// TP / (TP + FP): of the samples predicted `k`, the share that are `k`.
    public func precision(_ k: Int) -> Double {
        let predictedK = (0..<classes).reduce(0) { $0 + counts[$1][k] }
        return predictedK == 0 ? 0 : Double(counts[k][k]) / Double(predictedK)
    }
    /// TP / (TP + FN): of the samples of class `k`, the share predicted `k`.
    public func recall(_ k: Int) -> Double {
        let actual = support(k)
        return actual == 0 ? 0 : Double(counts[k][k]) / Double(actual)
    }
    /// The harmonic mean of precision and recall.
    public func f1(_ k: Int) -> Double {
        let p = precision(k), r = recall(k)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}
