// Batch normalisation and Dropout as their definitions, in plain loops: what their kernels
// compute, for the tests. Slow on purpose. Legend: M rows (every axis but the last), F features.

import PerceptronTensor

extension BatchNormalization {
    /// Batch normalisation over the last axis and its gradient, one value at a time.
    enum Reference {
        // x: [M, F], gamma, beta: [F] -> y: [M, F], batch mean and biased variance: [F] (in Double)
        /// Training: per feature, `mean = Σ x / M` and `var = Σ (x - mean)² / M` (in Double, in
        /// row order), `x̂ = (x - mean) / sqrt(var + ε)`, `y = gamma x̂ + beta`.
        static func trainingForward(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float)
            -> (y: Tensor, normalized: Tensor, mean: [Double], variance: [Double]) {
            let features = gamma.count, rows = x.count / features
            let (xs, g, b) = (x.scalars, gamma.scalars, beta.scalars)
            var mean = [Double](repeating: 0, count: features), variance = mean
            for f in 0..<features {
                for r in 0..<rows { mean[f] += Double(xs[r * features + f]) }
                mean[f] /= Double(max(rows, 1))
                for r in 0..<rows { let d = Double(xs[r * features + f]) - mean[f]; variance[f] += d * d }
                variance[f] /= Double(max(rows, 1))
            }
            var xhat = xs, y = xs
            for f in 0..<features {
                let inverseDeviation = Float(1 / (variance[f] + Double(epsilon)).squareRoot())
                for r in 0..<rows {
                    let i = r * features + f
                    xhat[i] = (xs[i] - Float(mean[f])) * inverseDeviation
                    y[i] = g[f] * xhat[i] + b[f]
                }
            }
            return (Tensor(shape: x.shape, scalars: y), Tensor(shape: x.shape, scalars: xhat), mean, variance)
        }

        // x: [M, F], gamma, beta, mean, variance: [F] -> y: [M, F]
        /// Inference: `y = gamma (x - mean) / sqrt(variance + ε) + beta` with the moving statistics.
        static func inferenceForward(_ x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor,
                                     epsilon: Float) -> Tensor {
            let features = gamma.count
            let (xs, g, b, m, v) = (x.scalars, gamma.scalars, beta.scalars, mean.scalars, variance.scalars)
            let y = xs.indices.map { i in
                let f = i % features
                return g[f] * (xs[i] - m[f]) / (v[f] + epsilon).squareRoot() + b[f]
            }
            return Tensor(shape: x.shape, scalars: y)
        }

        // dy, x̂: [M, F], gamma: [F], variance: [F] -> dx: [M, F], dgamma, dbeta: [F]
        /// `dgamma = Σ dy x̂`, `dbeta = Σ dy` (row order), and
        /// `dx = gamma / (M sqrt(var + ε)) (M dy - Σ dy - x̂ Σ dy x̂)`.
        static func backward(_ dy: Tensor, normalized xhat: Tensor, gamma: Tensor, variance: [Double], epsilon: Float)
            -> (dx: Tensor, dgamma: Tensor, dbeta: Tensor) {
            let features = gamma.count, rows = dy.count / features
            let (g, h, gammas) = (dy.scalars, xhat.scalars, gamma.scalars)
            var dgamma = [Float](repeating: 0, count: features), dbeta = dgamma
            for f in 0..<features {
                for r in 0..<rows {
                    dbeta[f] += g[r * features + f]
                    dgamma[f] += g[r * features + f] * h[r * features + f]
                }
            }
            let m = Float(rows)
            var dx = g
            for i in dx.indices {
                let f = i % features
                let inverseDeviation = Float(1 / (variance[f] + Double(epsilon)).squareRoot())
                dx[i] = gammas[f] * inverseDeviation / m * (m * g[i] - dbeta[f] - h[i] * dgamma[f])
            }
            return (Tensor(shape: dy.shape, scalars: dx), Tensor(shape: [features], scalars: dgamma),
                    Tensor(shape: [features], scalars: dbeta))
        }
    }
}

extension Dropout {
    /// Inverted dropout, one draw per value.
    enum Reference {
        // x: [...] -> y: [...], mask: [...]
        /// Each value is kept when a draw `u = generator.nextFloat()` (uniform in [0, 1)) is
        /// below `1 - rate`, and then scaled by `1 / (1 - rate)`; otherwise it is 0. The
        /// mask holds the factor per value; the gradient is `dy ⊙ mask`.
        static func forward(_ x: Tensor, rate: Float, generator: inout SeededGenerator) -> (y: Tensor, mask: Tensor) {
            let xs = x.scalars
            var mask = xs, y = xs
            for i in xs.indices {
                mask[i] = generator.nextFloat() < 1 - rate ? 1 / (1 - rate) : 0
                y[i] = xs[i] * mask[i]
            }
            return (Tensor(shape: x.shape, scalars: y), Tensor(shape: x.shape, scalars: mask))
        }
    }
}
