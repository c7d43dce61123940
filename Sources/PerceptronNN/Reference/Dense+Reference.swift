// Dense as its definition, in plain loops over Float: what DenseProduct's three ways (sparse
// few rows, sparse blocks, GEMM) and the activations compute, for the tests. Slow on purpose.
// Legend: N batch, D input width, U units.

import PerceptronTensor

extension Dense {
    /// `y = activation(x W + b)` and its gradients, one multiply-add at a time.
    enum Reference {
        // x: [N, D], w: [D, U], b: [U] or nil -> y: [N, U]
        /// `z[n, u] = b[u] + Σ_d x[n, d] w[d, u]` (d in order), then the activation.
        static func forward(_ x: Tensor, kernel w: Tensor, bias b: Tensor?, activation: ActivationFunction) -> Tensor {
            let (width, units) = (w.shape[0], w.shape[1])
            let rows = x.count / width
            let (xs, ws, bs) = (x.scalars, w.scalars, b?.scalars)
            var z = [Float](repeating: 0, count: rows * units)
            for n in 0..<rows {
                for u in 0..<units {
                    var sum = bs?[u] ?? 0
                    for d in 0..<width { sum += xs[n * width + d] * ws[d * units + u] }
                    z[n * units + u] = sum
                }
            }
            return ActivationFunction.Reference.forward(activation, Tensor(shape: [rows, units], scalars: z))
        }

        // dy, y: [N, U], x: [N, D], w: [D, U] -> dx: [N, D], dw: [D, U], db: [U]
        /// With `dz = dy ⊙ activation'(y)`: `dw[d, u] = Σ_n x[n, d] dz[n, u]`,
        /// `db[u] = Σ_n dz[n, u]`, `dx[n, d] = Σ_u dz[n, u] w[d, u]` (each sum in index order).
        static func backward(_ dy: Tensor, output y: Tensor, input x: Tensor, kernel w: Tensor,
                             activation: ActivationFunction) -> (dx: Tensor, dw: Tensor, db: Tensor) {
            let dz = ActivationFunction.Reference.backward(activation, dy, output: y)
            return backward(preactivationGradient: dz, input: x, kernel: w)
        }

        // dz: [N, U], x: [N, D], w: [D, U] -> dx: [N, D], dw: [D, U], db: [U]
        /// The same from `dz = dLoss/dz` (the logits' gradient).
        static func backward(preactivationGradient dz: Tensor, input x: Tensor, kernel w: Tensor)
            -> (dx: Tensor, dw: Tensor, db: Tensor) {
            let (width, units) = (w.shape[0], w.shape[1])
            let rows = x.count / width
            let (xs, ws, g) = (x.scalars, w.scalars, dz.scalars)
            var dw = [Float](repeating: 0, count: width * units), db = [Float](repeating: 0, count: units)
            var dx = [Float](repeating: 0, count: rows * width)
            for d in 0..<width {
                for u in 0..<units {
                    var sum: Float = 0
                    for n in 0..<rows { sum += xs[n * width + d] * g[n * units + u] }
                    dw[d * units + u] = sum
                }
            }
            for u in 0..<units {
                var sum: Float = 0
                for n in 0..<rows { sum += g[n * units + u] }
                db[u] = sum
            }
            for n in 0..<rows {
                for d in 0..<width {
                    var sum: Float = 0
                    for u in 0..<units { sum += g[n * units + u] * ws[d * units + u] }
                    dx[n * width + d] = sum
                }
            }
            return (Tensor(shape: x.shape, scalars: dx), Tensor(shape: w.shape, scalars: dw), Tensor(shape: [units], scalars: db))
        }
    }
}
