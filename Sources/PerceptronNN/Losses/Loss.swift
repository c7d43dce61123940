// Losses with Keras's names and formulas (TensorFlow backend): categorical and sparse
// categorical cross-entropy, binary cross-entropy, mean squared error. Value and gradient side by side.

import Foundation
import PerceptronIO
import PerceptronTensor

/// A loss between predictions `p: [N, K]` and targets, averaged over the batch
/// (Keras's `sum_over_batch_size` reduction).
///
/// Two paths, as in Keras with the TensorFlow backend:
/// - **From logits** when the model ends in the matching activation (softmax for the
///   categorical losses, sigmoid for binary cross-entropy): the loss is computed from the
///   pre-activation values `z` without clipping, e.g. `lse(z) - z_target`, and the gradient
///   with respect to `z` is the exact fused `(p - y) / N`.
/// - **From probabilities** otherwise, clipped to [ε, 1 - ε] with ε = 1e-7 (Keras's
///   `backend.epsilon()`), categorical cross-entropy renormalising rows first.
public enum Loss: String, Sendable, CaseIterable {
    /// Per sample `Σ_k y_k (lse(z) - z_k)` from logits, or `-Σ_k y_k log(clip(p_k / Σ p))`.
    case categoricalCrossentropy = "categorical_crossentropy"
    /// Integer class targets `[N]`: `lse(z) - z_t`, or `-log clip(p_t) + log Σ_k clip(p_k)`.
    case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
    /// Mean over k of `max(z, 0) - z y + log(1 + e^-|z|)` from logits, or of
    /// `-(y log clip p + (1 - y) log(1 - clip p))`.
    case binaryCrossentropy = "binary_crossentropy"
    /// Mean over k of `(y - p)^2`.
    case meanSquaredError = "mean_squared_error"

    /// Keras's `backend.epsilon()`.
    public static let epsilon: Float = 1e-7

    /// Whether targets are class indices rather than one row per sample.
    public var takesClassIndices: Bool { self == .sparseCategoricalCrossentropy }

    /// Whether the loss is computed from the logits of an output with `activation`.
    public func usesLogits(after activation: ActivationFunction) -> Bool {
        switch self {
        case .categoricalCrossentropy, .sparseCategoricalCrossentropy: return activation == .softmax
        case .binaryCrossentropy: return activation == .sigmoid
        case .meanSquaredError: return false
        }
    }

    // MARK: From logits

    /// Per-sample losses from logits `z: [rows, columns]`; see `usesLogits(after:)`.
    public func perSample(logits z: UnsafePointer<Float>, targets y: UnsafePointer<Float>,
                          rows: Int, columns: Int, into losses: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let zr = z + r * columns
            switch self {
            case .categoricalCrossentropy, .sparseCategoricalCrossentropy:
                var largest = -Float.infinity
                for k in 0..<columns { largest = max(largest, zr[k]) }
                var total: Float = 0
                for k in 0..<columns { total += Foundation.exp(zr[k] - largest) }
                let lse = largest + Foundation.log(total)
                if self == .sparseCategoricalCrossentropy {
                    losses[r] = lse - zr[Loss.classIndex(y[r], columns: columns)]
                } else {
                    let yr = y + r * columns
                    var loss: Float = 0
                    for k in 0..<columns where yr[k] != 0 { loss += yr[k] * (lse - zr[k]) }
                    losses[r] = loss
                }
            case .binaryCrossentropy:
                let yr = y + r * columns
                var sum: Float = 0
                for k in 0..<columns {
                    let v = zr[k]
                    sum += max(v, 0) - v * yr[k] + Foundation.log1p(Foundation.exp(-abs(v)))
                }
                losses[r] = sum / Float(columns)
            case .meanSquaredError:
                preconditionFailure("mean_squared_error is never computed from logits")
            }
        }
    }

    /// dLoss/dz of the batch mean from the output `p` (softmax or sigmoid of z):
    /// categorical `(p Σy - y) / N` (= `(p - y) / N` for one-hot rows), sparse
    /// `(p - onehot(t)) / N`, binary `(p - y) / (N K)`.
    public func logitsGradient(probabilities p: UnsafePointer<Float>, targets y: UnsafePointer<Float>,
                               rows: Int, columns: Int, batchSize: Int, into gradient: UnsafeMutablePointer<Float>) {
        let inverse = 1 / Float(batchSize)
        for r in 0..<rows {
            let pr = p + r * columns
            let gr = gradient + r * columns
            switch self {
            case .sparseCategoricalCrossentropy:
                let target = Loss.classIndex(y[r], columns: columns)
                for k in 0..<columns { gr[k] = (pr[k] - (k == target ? 1 : 0)) * inverse }
            case .categoricalCrossentropy:
                let yr = y + r * columns
                var mass: Float = 0
                for k in 0..<columns { mass += yr[k] }
                for k in 0..<columns { gr[k] = (pr[k] * mass - yr[k]) * inverse }
            case .binaryCrossentropy:
                let yr = y + r * columns
                let scale = inverse / Float(columns)
                for k in 0..<columns { gr[k] = (pr[k] - yr[k]) * scale }
            case .meanSquaredError:
                preconditionFailure("mean_squared_error has no logits gradient")
            }
        }
    }

    // MARK: From probabilities

    /// Per-sample losses from predictions `p: [rows, columns]`; targets `[rows, columns]`, or
    /// `[rows]` class indices for the sparse loss.
    public func perSample(predictions p: UnsafePointer<Float>, targets y: UnsafePointer<Float>,
                          rows: Int, columns: Int, into losses: UnsafeMutablePointer<Float>) {
        let eps = Loss.epsilon
        for r in 0..<rows {
            let pr = p + r * columns
            switch self {
            case .categoricalCrossentropy:
                var total: Float = 0
                for k in 0..<columns { total += pr[k] }
                let yr = y + r * columns
                var loss: Float = 0
                for k in 0..<columns where yr[k] != 0 {
                    loss -= yr[k] * Foundation.log(min(max(pr[k] / total, eps), 1 - eps))
                }
                losses[r] = loss
            case .sparseCategoricalCrossentropy:
                var total: Float = 0
                for k in 0..<columns { total += min(max(pr[k], eps), 1 - eps) }
                let t = Loss.classIndex(y[r], columns: columns)
                losses[r] = -Foundation.log(min(max(pr[t], eps), 1 - eps)) + Foundation.log(total)
            case .binaryCrossentropy:
                let yr = y + r * columns
                var sum: Float = 0
                for k in 0..<columns {
                    let q = min(max(pr[k], eps), 1 - eps)
                    sum += yr[k] * Foundation.log(q) + (1 - yr[k]) * Foundation.log(1 - q)
                }
                losses[r] = -sum / Float(columns)
            case .meanSquaredError:
                let yr = y + r * columns
                var sum: Float = 0
                for k in 0..<columns { let d = yr[k] - pr[k]; sum += d * d }
                losses[r] = sum / Float(columns)
            }
        }
    }

    /// dLoss/dp of the batch mean loss from predictions (the probability path), written into
    /// `gradient` (`[rows, columns]`); `batchSize` is the divisor N of the mean. Clipped
    /// values have zero gradient, as the clip's derivative is zero there.
    public func gradient(predictions p: UnsafePointer<Float>, targets y: UnsafePointer<Float>,
                         rows: Int, columns: Int, batchSize: Int, into gradient: UnsafeMutablePointer<Float>) {
        let eps = Loss.epsilon
        let n = Float(batchSize)
        func inside(_ q: Float) -> Bool { q > eps && q < 1 - eps }
        for r in 0..<rows {
            let pr = p + r * columns
            let gr = gradient + r * columns
            switch self {
            case .categoricalCrossentropy:
                // q = p / S, L = -Σ y log(clip q): dL/dp_j = (g_j - Σ_i g_i q_i) / S with
                // g_i = -y_i / q_i inside the clip range, 0 where clipped.
                var total: Float = 0
                for k in 0..<columns { total += pr[k] }
                var dot: Float = 0
                for k in 0..<columns {
                    let q = pr[k] / total
                    let g: Float = inside(q) ? -y[r * columns + k] / q : 0
                    gr[k] = g
                    dot += g * q
                }
                for k in 0..<columns { gr[k] = (gr[k] - dot) / total / n }
            case .sparseCategoricalCrossentropy:
                // L = -log c_t + log Σ c_k with c = clip(p): dL/dp_j = m_j (1/Σc - [j = t]/c_j).
                var total: Float = 0
                for k in 0..<columns { total += min(max(pr[k], eps), 1 - eps) }
                let t = Loss.classIndex(y[r], columns: columns)
                for k in 0..<columns {
                    gr[k] = inside(pr[k]) ? (1 / total - (k == t ? 1 / pr[k] : 0)) / n : 0
                }
            case .binaryCrossentropy:
                let yr = y + r * columns
                for k in 0..<columns {
                    let q = pr[k]
                    gr[k] = inside(q) ? (-(yr[k] / q) + (1 - yr[k]) / (1 - q)) / Float(columns) / n : 0
                }
            case .meanSquaredError:
                let yr = y + r * columns
                for k in 0..<columns { gr[k] = 2 * (pr[k] - yr[k]) / Float(columns) / n }
            }
        }
    }

    static func classIndex(_ value: Float, columns: Int) -> Int {
        let index = Int(value)
        precondition(value >= 0 && Float(index) == value && index < columns,
                     "sparse targets must be class indices in 0..<\(columns), got \(value)")
        return index
    }
}
