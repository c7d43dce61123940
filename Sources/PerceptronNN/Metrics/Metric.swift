// Metrics with Keras's names: categorical, sparse categorical and binary accuracy, and
// `accuracy`, which resolves from the loss as Keras's `compile(metrics=['accuracy'])` does.

import PerceptronIO
import PerceptronTensor

/// A metric computed per batch and reported as the sample-weighted running mean of the epoch.
public enum Metric: String, Sendable, CaseIterable {
    /// Keras's `'accuracy'`, resolved from the shapes as Keras 3's `get_metric` does: binary
    /// (threshold 0.5) for a one-column output, sparse categorical for class-index targets,
    /// categorical otherwise; reported under the name `accuracy`.
    case accuracy
    /// argmax(p) == argmax(y), the first maximum winning ties.
    case categoricalAccuracy = "categorical_accuracy"
    /// argmax(p) == y for integer targets.
    case sparseCategoricalAccuracy = "sparse_categorical_accuracy"
    /// round(p > 0.5) == y per element.
    case binaryAccuracy = "binary_accuracy"

    /// The log key: `"categorical_accuracy"`, `"accuracy"`, ...
    public var name: String { rawValue }

    /// The metric actually computed for `loss` on an output of `outputWidth` values per sample.
    ///
    /// Keras 3 (`compile_utils.get_metric`) decides by shape, not by loss: a one-column output
    /// is binary; targets of lower rank than the output (class indices, the only targets the
    /// sparse loss takes) are sparse; anything else is categorical. So binary cross-entropy on
    /// three columns reports categorical accuracy, as in Keras.
    public func resolved(for loss: Loss, outputWidth: Int) -> Metric {
        guard self == .accuracy else { return self }
        if outputWidth == 1 { return .binaryAccuracy }
        return loss.takesClassIndices ? .sparseCategoricalAccuracy : .categoricalAccuracy
    }

    /// The sum over `rows` samples of the per-sample metric (0 or 1 for accuracies; binary
    /// accuracy is the per-sample mean over its columns).
    public func total(predictions p: UnsafePointer<Float>, targets y: UnsafePointer<Float>,
                      rows: Int, columns: Int) -> Double {
        var total = 0.0
        for r in 0..<rows {
            let pr = p + r * columns
            switch self {
            case .accuracy, .categoricalAccuracy:
                if Metric.argmax(pr, columns) == Metric.argmax(y + r * columns, columns) { total += 1 }
            case .sparseCategoricalAccuracy:
                if Float(Metric.argmax(pr, columns)) == y[r] { total += 1 }
            case .binaryAccuracy:
                var hits = 0
                for k in 0..<columns where (pr[k] > 0.5 ? Float(1) : 0) == y[r * columns + k] { hits += 1 }
                total += Double(hits) / Double(columns)
            }
        }
        return total
    }

    static func argmax(_ row: UnsafePointer<Float>, _ columns: Int) -> Int {
        var best = 0
        for k in 1..<max(columns, 1) where row[k] > row[best] { best = k }
        return best
    }
}
