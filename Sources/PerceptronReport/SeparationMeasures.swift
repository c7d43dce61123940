// How far apart the classes lie in a set of features: the between/within variance ratio and
// nearest-class-centroid accuracy, in Double. The trained linear probe is in LinearProbe.swift.

import Foundation
import PerceptronTensor

/// Class separation of feature vectors (a layer's activations, flattened to `[N, D]`).
///
/// Notation: samples `x_i` with classes `y_i ∈ 0..<K`, `n_c` samples in class c, class means
/// `μ_c = Σ_{y_i = c} x_i / n_c` and the overall mean `μ = Σ_i x_i / N`.
public enum SeparationMeasures {
    /// `trace(S_B) / trace(S_W)`: how far apart the class means are, relative to the spread
    /// of each class around its own mean.
    ///
    /// - `S_W = Σ_i (x_i - μ_{y_i})(x_i - μ_{y_i})ᵀ`, so `trace(S_W) = Σ_i ‖x_i - μ_{y_i}‖²`;
    /// - `S_B = Σ_c n_c (μ_c - μ)(μ_c - μ)ᵀ`, so `trace(S_B) = Σ_c n_c ‖μ_c - μ‖²`.
    ///
    /// `trace(S_B) + trace(S_W)` is the total scatter `Σ_i ‖x_i - μ‖²`. The ratio is the
    /// Calinski-Harabasz index without its `(N - K) / (K - 1)` factor, and Fisher's criterion
    /// with traces instead of a determinant. It is unchanged by scaling all features by one
    /// factor, by translation and by rotation; scaling features unequally changes it. 0 when
    /// every class mean is the overall mean, infinity when each class is a single point.
    ///
    /// - Precondition: one label (0 or more) per row.
    public static func varianceRatio(_ x: Tensor, labels: [Int]) -> Double {
        let (means, counts) = classMeans(x, labels: labels)
        let d = x.rowWidth
        var overall = [Double](repeating: 0, count: d)
        for (mean, count) in zip(means, counts) {
            for j in 0..<d { overall[j] += mean[j] * Double(count) }
        }
        let n = Double(max(labels.count, 1))
        for j in 0..<d { overall[j] /= n }
        var between = 0.0
        for (mean, count) in zip(means, counts) where count > 0 {
            var squared = 0.0
            for j in 0..<d { squared += (mean[j] - overall[j]) * (mean[j] - overall[j]) }
            between += Double(count) * squared
        }
        var within = 0.0
        x.withUnsafeBufferPointer { values in
            for (row, label) in labels.enumerated() {
                let mean = means[label]
                for j in 0..<d {
                    let difference = Double(values[row * d + j]) - mean[j]
                    within += difference * difference
                }
            }
        }
        if within == 0 { return between == 0 ? .nan : .infinity }
        return between / within
    }

    /// The share of `test` rows whose nearest class mean (Euclidean distance) is the mean
    /// of their own class, the means taken over `train`: the nearest-centroid classifier.
    ///
    /// Features are used as they are (not standardised), so the measure sees the geometry
    /// the layer produces. A class absent from `train` has no centroid and is never predicted;
    /// ties go to the lower class.
    ///
    /// - Precondition: rows of equal width in both sets; one label (0 or more) per row.
    public static func nearestCentroidAccuracy(train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int]) -> Double {
        precondition(train.rowWidth == test.rowWidth, "train rows have width \(train.rowWidth), test rows \(test.rowWidth)")
        let predicted = nearestCentroid(fittedOn: train, labels: trainLabels, predicting: test)
        return accuracy(predicted, testLabels)
    }

    /// The nearest-centroid class of each row of `x`, with centroids from `train`.
    /// `‖x - μ_c‖² = ‖x‖² - 2 x·μ_c + ‖μ_c‖²`, and `‖x‖²` is the same for every c.
    public static func nearestCentroid(fittedOn train: Tensor, labels: [Int], predicting x: Tensor) -> [Int] {
        let (means, counts) = classMeans(train, labels: labels)
        let d = x.rowWidth
        let present = counts.indices.filter { counts[$0] > 0 }
        let squaredNorms = means.map { $0.reduce(0) { $0 + $1 * $1 } }
        var predicted = [Int](repeating: 0, count: x.sampleCount)
        var row = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { values in
            for i in 0..<x.sampleCount {
                for j in 0..<d { row[j] = Double(values[i * d + j]) }
                var best = (class: present.first ?? 0, score: Double.infinity)
                for c in present {
                    let mean = means[c]
                    var dot = 0.0
                    for j in 0..<d { dot += row[j] * mean[j] }
                    let score = squaredNorms[c] - 2 * dot
                    if score < best.score { best = (c, score) }
                }
                predicted[i] = best.class
            }
        }
        return predicted
    }

    /// The class means `μ_c` (Double, `[K][D]`, K = largest label + 1) and counts `n_c`.
    public static func classMeans(_ x: Tensor, labels: [Int]) -> (means: [[Double]], counts: [Int]) {
        precondition(labels.count == x.sampleCount, "\(x.sampleCount) rows need as many labels, got \(labels.count)")
        precondition(labels.allSatisfy { $0 >= 0 }, "labels must be 0 or more")
        let classes = (labels.max() ?? -1) + 1
        let d = x.rowWidth
        var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        x.withUnsafeBufferPointer { values in
            for (row, label) in labels.enumerated() {
                counts[label] += 1
                for j in 0..<d { sums[label][j] += Double(values[row * d + j]) }
            }
        }
        for c in 0..<classes where counts[c] > 0 {
            sums[c] = sums[c].map { $0 / Double(counts[c]) }
        }
        return (sums, counts)
    }

    /// The share of positions where `predicted` equals `labels` (0 for none).
    public static func accuracy(_ predicted: [Int], _ labels: [Int]) -> Double {
        precondition(predicted.count == labels.count, "\(predicted.count) predictions for \(labels.count) labels")
        let correct = zip(predicted, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return labels.isEmpty ? 0 : Double(correct) / Double(labels.count)
    }
}
