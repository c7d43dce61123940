// The activations as their definitions, in plain loops over Float: what the kernels of
// ActivationFunction and Kernels compute, for the tests to hold them to. Slow on purpose.
// Legend: R rows (every axis but the last), C columns (the last axis; softmax's classes).

import Foundation
import PerceptronTensor

extension ActivationFunction {
    /// The activations and their derivatives written as the definitions, one value at a time.
    enum Reference {
        // z: [R, C] -> y: [R, C]
        /// `linear z`, `relu max(0, z)` (NaN kept, as TensorFlow's relu), `sigmoid 1 / (1 + e^-z)`
        /// (as `e^z / (1 + e^z)` below 0, the same value without overflow), `tanh`, and per row
        /// `softmax e^(z - max) / Σ e^(z - max)`.
        static func forward(_ function: ActivationFunction, _ z: Tensor) -> Tensor {
            let columns = z.shape.last ?? 1
            var y = z.scalars
            switch function {
            case .linear: break
            case .relu: for i in y.indices where y[i] < 0 { y[i] = 0 }
            case .sigmoid:
                for i in y.indices {
                    let v = y[i]
                    y[i] = v >= 0 ? 1 / (1 + Foundation.exp(-v)) : Foundation.exp(v) / (1 + Foundation.exp(v))
                }
            case .tanh: for i in y.indices { y[i] = Foundation.tanh(y[i]) }
            case .softmax:
                for start in stride(from: 0, to: y.count, by: columns) {
                    var largest = -Float.infinity
                    for k in 0..<columns { largest = max(largest, y[start + k]) }
                    var total: Float = 0
                    for k in 0..<columns { total += Foundation.exp(y[start + k] - largest) }
                    for k in 0..<columns { y[start + k] = Foundation.exp(y[start + k] - largest) / total }
                }
            }
            return Tensor(shape: z.shape, scalars: y)
        }

        // dy, y: [R, C] -> dz: [R, C]
        /// dLoss/dz from dLoss/dy and the output y: relu `dy [y > 0]`, sigmoid `dy y (1 - y)`,
        /// tanh `dy (1 - y²)`, softmax per row `y_j (dy_j - Σ_k dy_k y_k)`.
        static func backward(_ function: ActivationFunction, _ dy: Tensor, output y: Tensor) -> Tensor {
            let columns = y.shape.last ?? 1
            let (g, p) = (dy.scalars, y.scalars)
            var dz = g
            switch function {
            case .linear: break
            case .relu: for i in dz.indices { dz[i] = p[i] > 0 ? g[i] : 0 }
            case .sigmoid: for i in dz.indices { dz[i] = g[i] * (p[i] * (1 - p[i])) }
            case .tanh: for i in dz.indices { dz[i] = g[i] * (1 - p[i] * p[i]) }
            case .softmax:
                for start in stride(from: 0, to: dz.count, by: columns) {
                    var dot: Float = 0
                    for k in 0..<columns { dot += g[start + k] * p[start + k] }
                    for k in 0..<columns { dz[start + k] = p[start + k] * (g[start + k] - dot) }
                }
            }
            return Tensor(shape: y.shape, scalars: dz)
        }
    }
}

extension Loss {
    /// Softmax with categorical cross-entropy, written as the definitions.
    enum Reference {
        // z, y: [N, K] -> the batch mean of -Σ_k y_k log softmax(z)_k
        /// The mean over the batch of `-Σ_k y_k log p_k`, `p = softmax(z)` per row.
        static func softmaxCrossEntropy(logits z: Tensor, targets y: Tensor) -> Float {
            let p = ActivationFunction.Reference.forward(.softmax, z).scalars, t = y.scalars
            let rows = z.shape[0], columns = z.count / max(rows, 1)
            var total: Float = 0
            for r in 0..<rows {
                var loss: Float = 0
                for k in 0..<columns where t[r * columns + k] != 0 { loss -= t[r * columns + k] * Foundation.log(p[r * columns + k]) }
                total += loss
            }
            return total / Float(rows)
        }

        // p, y: [N, K] -> dz: [N, K] = (p - y) / N
        /// The gradient of that mean with respect to the logits, from `p = softmax(z)`: the
        /// fused `(p - y) / N` (for targets whose rows sum to 1).
        static func softmaxCrossEntropyGradient(probabilities p: Tensor, targets y: Tensor) -> Tensor {
            let rows = p.shape[0]
            let (q, t) = (p.scalars, y.scalars)
            return Tensor(shape: p.shape, scalars: q.indices.map { (q[$0] - t[$0]) / Float(rows) })
        }
    }
}
