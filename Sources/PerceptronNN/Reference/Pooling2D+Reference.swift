// Max and average pooling as their definitions, in plain loops over Float: what PoolingKernels'
// two ways (any window; 2x2 stride-2 max) compute, for the tests. Slow on purpose.
// Legend: N batch, H/W input size, OH/OW output size, C channels.

import PerceptronTensor

extension Pooling2D {
    /// Pooling and its gradient, one window cell at a time, cells in row-major order.
    enum Reference {
        // x: [N, H, W, C] -> y: [N, OH, OW, C], chosen: [N OH OW C] (max: each output's input cell)
        /// Max: the first maximal real cell of each window (a cell replaces the best only when
        /// greater, so the first of a tie, and a NaN in the first cell, stay); average: the sum
        /// of the real cells divided by their count.
        static func forward(_ x: Tensor, kind: Kind, geometry g: WindowGeometry) -> (y: Tensor, chosen: [Int]) {
            let n = x.shape[0], xs = x.scalars
            let imageSize = g.inputHeight * g.inputWidth * g.channels
            var y = [Float](repeating: 0, count: n * g.outputPositions * g.channels)
            var chosen = [Int](repeating: 0, count: y.count)
            for image in 0..<n { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for c in 0..<g.channels {
                let cells = windowCells(g, oy, ox, c).map { image * imageSize + $0 }
                let out = ((image * g.outputHeight + oy) * g.outputWidth + ox) * g.channels + c
                if kind == .max {
                    var best = cells[0]
                    for cell in cells where xs[cell] > xs[best] { best = cell }
                    (y[out], chosen[out]) = (xs[best], best)
                } else {
                    var sum: Float = 0
                    for cell in cells { sum += xs[cell] }
                    y[out] = sum / Float(cells.count)
                }
            } } } }
            return (Tensor(shape: [n, g.outputHeight, g.outputWidth, g.channels], scalars: y), chosen)
        }

        // dy: [N, OH, OW, C] -> dx: [N, H, W, C]
        /// Max: each output's gradient added at the cell it chose; average: `dy · (1 / cells)`
        /// added to each real cell of its window (the kernels' reciprocal, so the sums agree).
        static func backward(_ dy: Tensor, input x: Tensor, kind: Kind, geometry g: WindowGeometry) -> Tensor {
            let chosen = forward(x, kind: kind, geometry: g).chosen
            let n = x.shape[0], gs = dy.scalars
            let imageSize = g.inputHeight * g.inputWidth * g.channels
            var dx = [Float](repeating: 0, count: x.count)
            for image in 0..<n { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for c in 0..<g.channels {
                let out = ((image * g.outputHeight + oy) * g.outputWidth + ox) * g.channels + c
                if kind == .max {
                    dx[chosen[out]] += gs[out]
                } else {
                    let cells = windowCells(g, oy, ox, c)
                    let share = gs[out] * (1 / Float(cells.count))
                    for cell in cells { dx[image * imageSize + cell] += share }
                }
            } } } }
            return Tensor(shape: x.shape, scalars: dx)
        }

        /// The offsets within an image `[H, W, C]` of channel `c` of output (oy, ox)'s window
        /// cells that lie inside the image, in row-major order.
        static func windowCells(_ g: WindowGeometry, _ oy: Int, _ ox: Int, _ c: Int) -> [Int] {
            var cells: [Int] = []
            for ky in 0..<g.windowHeight { for kx in 0..<g.windowWidth {
                let iy = oy * g.strideHeight + ky - g.padTop, ix = ox * g.strideWidth + kx - g.padLeft
                if iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth { cells.append((iy * g.inputWidth + ix) * g.channels + c) }
            } }
            return cells
        }
    }
}
