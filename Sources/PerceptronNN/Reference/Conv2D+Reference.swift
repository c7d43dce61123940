// Conv2D as its definition, in plain loops over Float: what ConvolutionProduct's two ways
// (short-window kernels, im2col and GEMM by chunks) compute, for the tests. Slow on purpose.
// Legend: N batch, H/W input size, OH/OW output size, C input channels, F filters,
// KH/KW window size; Keras's `same` padding puts the extra cell at the bottom and right.

import PerceptronTensor

extension Conv2D {
    /// `y = activation(conv(x, kernel) + bias)` and its gradients, one multiply-add at a time.
    enum Reference {
        // x: [N, H, W, C], w: [KH, KW, C, F], b: [F] or nil -> y: [N, OH, OW, F]
        /// `z[n, oy, ox, f] = b[f] + Σ_{ky, kx, c} x[n, oy sh + ky - pt, ox sw + kx - pl, c] w[ky, kx, c, f]`
        /// over the cells inside the image (padding reads as 0), then the activation.
        static func forward(_ x: Tensor, kernel w: Tensor, bias b: Tensor?, geometry g: WindowGeometry,
                            activation: ActivationFunction) -> Tensor {
            let (n, f) = (x.shape[0], w.shape[3])
            let (xs, ws, bs) = (x.scalars, w.scalars, b?.scalars)
            var z = [Float](repeating: 0, count: n * g.outputPositions * f)
            for image in 0..<n { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for o in 0..<f {
                var sum = bs?[o] ?? 0
                forEachTap(g, oy, ox) { input, tap in sum += xs[image * g.inputHeight * g.inputWidth * g.channels + input] * ws[tap * f + o] }
                z[((image * g.outputHeight + oy) * g.outputWidth + ox) * f + o] = sum
            } } } }
            return ActivationFunction.Reference.forward(activation, Tensor(shape: [n, g.outputHeight, g.outputWidth, f], scalars: z))
        }

        // dy, y: [N, OH, OW, F], x: [N, H, W, C], w: [KH, KW, C, F] -> dx: [N, H, W, C], dw: [KH, KW, C, F], db: [F]
        /// With `dz = dy ⊙ activation'(y)`: `dw[ky, kx, c, f] = Σ_{n, oy, ox} x[...] dz[n, oy, ox, f]`,
        /// `db[f] = Σ dz[..., f]`, and `dx` the sum of `dz w` over every output whose window covers the cell.
        static func backward(_ dy: Tensor, output y: Tensor, input x: Tensor, kernel w: Tensor, geometry g: WindowGeometry,
                             activation: ActivationFunction) -> (dx: Tensor, dw: Tensor, db: Tensor) {
            let dz = ActivationFunction.Reference.backward(activation, dy, output: y).scalars
            let (n, f) = (x.shape[0], w.shape[3])
            let (xs, ws) = (x.scalars, w.scalars)
            let imageSize = g.inputHeight * g.inputWidth * g.channels
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
            var db = [Float](repeating: 0, count: f)
            for image in 0..<n { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for o in 0..<f {
                let d = dz[((image * g.outputHeight + oy) * g.outputWidth + ox) * f + o]
                db[o] += d
                forEachTap(g, oy, ox) { input, tap in
                    dw[tap * f + o] += xs[image * imageSize + input] * d
                    dx[image * imageSize + input] += d * ws[tap * f + o]
                }
            } } } }
            return (Tensor(shape: x.shape, scalars: dx), Tensor(shape: w.shape, scalars: dw), Tensor(shape: [f], scalars: db))
        }

        /// Calls `body(input, tap)` for each cell of output (oy, ox)'s window inside the image:
        /// `input` its offset within an image `[H, W, C]`, `tap` the kernel row `(ky KW + kx) C + c`.
        static func forEachTap(_ g: WindowGeometry, _ oy: Int, _ ox: Int, _ body: (Int, Int) -> Void) {
            for ky in 0..<g.windowHeight { for kx in 0..<g.windowWidth {
                let iy = oy * g.strideHeight + ky - g.padTop, ix = ox * g.strideWidth + kx - g.padLeft
                guard iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth else { continue }
                for c in 0..<g.channels { body((iy * g.inputWidth + ix) * g.channels + c, (ky * g.windowWidth + kx) * g.channels + c) }
            } }
        }
    }
}
