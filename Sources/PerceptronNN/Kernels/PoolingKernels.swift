// Max and average pooling over channels-last windows on tensors, forward and backward: the
// general window loops and the 2x2 stride-2 max pooling of the convnets, eight channels at a
// time. The one place that chooses between them; Pooling2D and ConvolutionPooling2D call it.
// Legend: N batch, H/W input size, OH/OW output size, C channels.

import CPerceptronCPU
import PerceptronTensor

/// Pooling kernels on `[N, H, W, C]` tensors, one image per task over the cores.
///
/// Max pooling records, per output, the flat offset (within its image) of the first maximal
/// cell of its window in row-major order; a NaN in the window's first cell is kept, so NaN
/// propagates. Average pooling divides by the window's real (unpadded) cells. Both ways visit
/// a window's cells in the same order, so they agree bit for bit; `Pooling2D.Reference` is
/// the definition the tests hold them to.
enum PoolingKernels {
    static let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Max pooling over non-overlapping 2x2 windows that lie inside the image, with channels
    /// a multiple of 8: the common case, with constant window arithmetic and, in backward, every
    /// input cell written once instead of cleared and then accumulated.
    static func isPairwiseMax(_ kind: Pooling2D.Kind, _ g: WindowGeometry) -> Bool {
        kind == .max && g.windowHeight == 2 && g.windowWidth == 2 && g.strideHeight == 2 && g.strideWidth == 2
            && g.padTop == 0 && g.padLeft == 0 && g.channels % 8 == 0
            && 2 * g.outputHeight <= g.inputHeight && 2 * g.outputWidth <= g.inputWidth
    }

    // x: [N, H, W, C] -> y: [N, OH, OW, C]; choices: [N OH OW C] when recorded (max pooling)
    /// Pools every image of `x` into `y` (reused when it can be); for max pooling with
    /// `recordChoices`, each output's chosen input offset goes to `choices`.
    static func forward(_ x: Tensor, kind: Pooling2D.Kind, geometry g: WindowGeometry, recordChoices: Bool,
                        into y: inout Tensor, choices: inout [Int32]) {
        let n = x.shape[0]
        Tensor.reuse(&y, shape: [n, g.outputHeight, g.outputWidth, g.channels])
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let outputSize = g.outputPositions * g.channels
        let record = recordChoices && kind == .max
        if record && choices.count != n * outputSize { choices = [Int32](repeating: 0, count: n * outputSize) }
        let pairwise = isPairwiseMax(kind, g)
        let cost = pairwise ? outputSize * 4 : outputSize * g.windowHeight * g.windowWidth
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                choices.withUnsafeMutableBufferPointer { choice in
                    let shared = UncheckedSendable((out.baseAddress!, input.baseAddress!, record ? choice.baseAddress : nil))
                    Parallel.forEachChunk(n, costPerItem: cost) { range in
                        let (out, input, choice) = shared.value
                        for image in range {
                            let (source, target) = (input + image * imageSize, out + image * outputSize)
                            let chosen = choice.map { $0 + image * outputSize }
                            if pairwise {
                                pairwiseMaxForward(source, geometry: g, into: target, choice: chosen)
                            } else {
                                windowForward(source, kind: kind, geometry: g, into: target, choice: chosen)
                            }
                        }
                    }
                }
            }
        }
    }

    // dy: [N, OH, OW, C] -> dx: [N, H, W, C]; with reluOf y: [N, OH, OW, C], dx ⊙ (x > 0) for x the ReLU's output
    /// The input gradient of the last forward: max pooling sends each output's gradient to the
    /// cell it chose (`choices`), average pooling shares it evenly over the window's real cells.
    /// With `reluOf` (2x2 max pooling only: its own output `y`), also the backward of a ReLU
    /// before the pooling: a chosen cell's gradient is 0 where its value, the pooled one, is not
    /// positive (as `Kernels.reluGradient` masks, so NaN passes), every other cell's is 0 anyway.
    static func backward(_ dy: Tensor, kind: Pooling2D.Kind, geometry g: WindowGeometry, choices: [Int32],
                         reluOf y: Tensor? = nil, into dx: inout Tensor) {
        let n = dy.shape[0]
        Tensor.reuse(&dx, shape: [n, g.inputHeight, g.inputWidth, g.channels])
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let outputSize = g.outputPositions * g.channels
        let pairwise = isPairwiseMax(kind, g)
        precondition(y == nil || (pairwise && y!.shape == dy.shape), "a ReLU's backward folds only into 2x2 max pooling's")
        let mask = y ?? Tensor.empty
        dx.withUnsafeMutableBufferPointer { dx in
            // The general way accumulates into zeros; the pairwise way writes every cell.
            if !pairwise { dx.update(repeating: 0) }
            dy.withUnsafeBufferPointer { grad in
                choices.withUnsafeBufferPointer { choice in
                    mask.withUnsafeBufferPointer { mask in
                        let shared = UncheckedSendable((dx.baseAddress!, grad.baseAddress!, choice.baseAddress,
                                                        y == nil ? nil : mask.baseAddress))
                        Parallel.forEachChunk(n, costPerItem: pairwise ? imageSize : outputSize * 4) { range in
                            let (dx, grad, choice, pooled) = shared.value
                            for image in range {
                                let (source, target) = (grad + image * outputSize, dx + image * imageSize)
                                let chosen = choice.map { $0 + image * outputSize }
                                if pairwise {
                                    pairwiseMaxBackward(source, choice: chosen!, geometry: g, reluOf: pooled.map { $0 + image * outputSize },
                                                        into: target)
                                } else {
                                    windowBackward(source, kind: kind, geometry: g, choice: chosen, into: target)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The input rows and columns a window covers, clipped to the image.
    @inline(__always)
    static func window(_ oy: Int, _ ox: Int, _ g: WindowGeometry) -> (Range<Int>, Range<Int>) {
        let y0 = oy * g.strideHeight - g.padTop, x0 = ox * g.strideWidth - g.padLeft
        return (max(y0, 0)..<min(y0 + g.windowHeight, g.inputHeight), max(x0, 0)..<min(x0 + g.windowWidth, g.inputWidth))
    }

    // x: [H, W, C] -> y: [OH, OW, C]; choice: [OH OW C], the flat offset of each output's first maximum
    /// Any window, stride and padding: eight channels at a time (a window's cells are contiguous
    /// channel vectors in the channels-last layout), then one by one.
    static func windowForward(_ source: UnsafePointer<Float>, kind: Pooling2D.Kind, geometry g: WindowGeometry,
                              into out: UnsafeMutablePointer<Float>, choice: UnsafeMutablePointer<Int32>?) {
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let (rows, cols) = window(oy, ox, g)
                let base = (oy * g.outputWidth + ox) * g.channels
                var c = 0
                // Eight channels at a time: the window's cells are contiguous
                // channel vectors in the channels-last layout.
                while c + 8 <= g.channels {
                    let first = (rows.lowerBound * g.inputWidth + cols.lowerBound) * g.channels + c
                    var best = load(source + first)
                    if kind == .max {
                        var offsets = SIMD8<Int32>(repeating: Int32(first)) &+ Self.lanes
                        for iy in rows {
                            for ix in cols {
                                let offset = (iy * g.inputWidth + ix) * g.channels + c
                                let value = load(source + offset)
                                let better = value .> best
                                best.replace(with: value, where: better)
                                offsets.replace(with: SIMD8<Int32>(repeating: Int32(offset)) &+ Self.lanes, where: better)
                            }
                        }
                        if let choice {
                            UnsafeMutableRawPointer(choice + base + c).storeBytes(of: offsets, as: SIMD8<Int32>.self)
                        }
                    } else {
                        best = SIMD8<Float>()
                        for iy in rows {
                            for ix in cols { best += load(source + (iy * g.inputWidth + ix) * g.channels + c) }
                        }
                        best /= Float(rows.count * cols.count)
                    }
                    UnsafeMutableRawPointer(out + base + c).storeBytes(of: best, as: SIMD8<Float>.self)
                    c += 8
                }
                while c < g.channels {
                    let first = (rows.lowerBound * g.inputWidth + cols.lowerBound) * g.channels + c
                    if kind == .max {
                        var best = source[first]
                        var bestOffset = first
                        for iy in rows {
                            for ix in cols {
                                let offset = (iy * g.inputWidth + ix) * g.channels + c
                                if source[offset] > best { best = source[offset]; bestOffset = offset }
                            }
                        }
                        out[base + c] = best
                        if let choice { choice[base + c] = Int32(bestOffset) }
                    } else {
                        var sum: Float = 0
                        for iy in rows { for ix in cols { sum += source[(iy * g.inputWidth + ix) * g.channels + c] } }
                        out[base + c] = sum / Float(rows.count * cols.count)
                    }
                    c += 1
                }
            }
        }
    }

    // dy: [OH, OW, C] -> dx: [H, W, C] += each output's share (dx holds zeros on entry)
    /// Max pooling adds each gradient at its chosen cell; average pooling adds `dy / cells`
    /// to every real cell of the window.
    static func windowBackward(_ grad: UnsafePointer<Float>, kind: Pooling2D.Kind, geometry g: WindowGeometry,
                               choice: UnsafePointer<Int32>?, into target: UnsafeMutablePointer<Float>) {
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let base = (oy * g.outputWidth + ox) * g.channels
                if kind == .max {
                    for c in 0..<g.channels { target[Int(choice![base + c])] += grad[base + c] }
                } else {
                    let (rows, cols) = window(oy, ox, g)
                    let share = 1 / Float(rows.count * cols.count)
                    for c in 0..<g.channels {
                        let value = grad[base + c] * share
                        for iy in rows { for ix in cols { target[(iy * g.inputWidth + ix) * g.channels + c] += value } }
                    }
                }
            }
        }
    }

    // MARK: 2x2 max pooling with stride 2 (the convnet's), eight channels at a time

    // x: [H, W, C] -> y: [OH, OW, C]; choice: the flat input offset of each output's first maximum
    // (the cells visited in the general path's order, so ties and NaN resolve the same way).
    static func pairwiseMaxForward(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, into y: UnsafeMutablePointer<Float>,
                                   choice: UnsafeMutablePointer<Int32>?, vectorUnit: VectorUnit = .widest) {
        let c = g.channels, rowSize = g.inputWidth * c
        if vectorUnit != .baseline {
            // The same selects on AVX2, which has a blend instruction (SSE2 has none): bit for bit.
            perceptron_pairwise_max_avx2(x, g.outputHeight, g.outputWidth, c, rowSize, y, choice)
            return
        }
        let right = SIMD8<Int32>(repeating: Int32(c)), below = SIMD8<Int32>(repeating: Int32(rowSize))
        var o = 0
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let first = 2 * oy * rowSize + 2 * ox * c
                for channel in stride(from: 0, to: c, by: 8) {
                    let p = x + first + channel
                    let topRight = load(p + c), bottomLeft = load(p + rowSize), bottomRight = load(p + rowSize + c)
                    var best = load(p)
                    var offsets = SIMD8<Int32>(repeating: Int32(first + channel)) &+ lanes
                    let start = offsets
                    var better = topRight .> best
                    best.replace(with: topRight, where: better)
                    offsets.replace(with: start &+ right, where: better)
                    better = bottomLeft .> best
                    best.replace(with: bottomLeft, where: better)
                    offsets.replace(with: start &+ below, where: better)
                    better = bottomRight .> best
                    best.replace(with: bottomRight, where: better)
                    offsets.replace(with: start &+ below &+ right, where: better)
                    UnsafeMutableRawPointer(y + o).storeBytes(of: best, as: SIMD8<Float>.self)
                    if let choice { UnsafeMutableRawPointer(choice + o).storeBytes(of: offsets, as: SIMD8<Int32>.self) }
                    o += 8
                }
            }
        }
    }

    // dy: [OH, OW, C] -> dx: [H, W, C], each cell the gradient of the output that chose it or 0
    // (0 + dy, as the general path's accumulation into zeros gives), and 0 where the pooled value
    // `reluOf` is not positive when given; a last odd row or column, which no window covers, is cleared.
    static func pairwiseMaxBackward(_ dy: UnsafePointer<Float>, choice: UnsafePointer<Int32>, geometry g: WindowGeometry,
                                    reluOf pooled: UnsafePointer<Float>? = nil, into dx: UnsafeMutablePointer<Float>) {
        let c = g.channels, rowSize = g.inputWidth * c
        // Cells no window covers (rows past 2 OH, columns past 2 OW) are cleared; the windows write the rest.
        for row in 2 * g.outputHeight..<g.inputHeight { (dx + row * rowSize).update(repeating: 0, count: rowSize) }
        if 2 * g.outputWidth < g.inputWidth {
            let (start, count) = (2 * g.outputWidth * c, (g.inputWidth - 2 * g.outputWidth) * c)
            for row in 0..<2 * g.outputHeight { (dx + row * rowSize + start).update(repeating: 0, count: count) }
        }
        let right = SIMD8<Int32>(repeating: Int32(c)), below = SIMD8<Int32>(repeating: Int32(rowSize))
        let zero = SIMD8<Float>()
        var o = 0
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let first = 2 * oy * rowSize + 2 * ox * c
                for channel in stride(from: 0, to: c, by: 8) {
                    var gradient = zero + load(dy + o)
                    if let pooled { gradient.replace(with: 0, where: load(pooled + o) .<= 0) }
                    let chosen = UnsafeRawPointer(choice + o).loadUnaligned(as: SIMD8<Int32>.self)
                    let start = SIMD8<Int32>(repeating: Int32(first + channel)) &+ lanes
                    let p = UnsafeMutableRawPointer(dx + first + channel)
                    p.storeBytes(of: zero.replacing(with: gradient, where: chosen .== start), as: SIMD8<Float>.self)
                    (p + 4 * c).storeBytes(of: zero.replacing(with: gradient, where: chosen .== start &+ right),
                                           as: SIMD8<Float>.self)
                    (p + 4 * rowSize).storeBytes(of: zero.replacing(with: gradient, where: chosen .== start &+ below),
                                                 as: SIMD8<Float>.self)
                    (p + 4 * (rowSize + c)).storeBytes(of: zero.replacing(with: gradient, where: chosen .== start &+ below &+ right),
                                                       as: SIMD8<Float>.self)
                    o += 8
                }
            }
        }
    }
}
