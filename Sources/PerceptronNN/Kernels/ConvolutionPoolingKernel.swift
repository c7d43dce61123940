// A short-window convolution feeding a 2x2 max pooling (the convnet's first two layers), as
// one kernel. Forward computes each image's maps into a per-thread buffer and pools them at
// once, so the N x OH x OW x F maps never go through memory; backward forms the kernel and
// bias gradients from the pooled gradient and the pooling's choices, without the maps'
// gradient. Windows are read in place from the images (unfolded only where they reach
// padding). The arithmetic is the two layers', step for step, so results are bit-identical.
// Legend: N batch, OH/OW the convolution's output, PH/PW the pooling's, F filters, K patch size.

import CPerceptronCPU
import PerceptronTensor

/// `pool(relu?(unfold(x) W + b))` and its weight gradients, with the maps never stored.
///
/// Applies where `SmallGEMM` does (K <= 32, F a multiple of 8) and the pooling is
/// `PoolingKernels.isPairwiseMax`. `ConvolutionPooling2D` calls it in training.
enum ConvolutionPoolingKernel {
    // x: [N, H, W, C], w: [K, F], b: [F] or empty -> pooled: [N, PH, PW, F], choices: [N PH PW F] (each
    // pooled value's cell within its image's maps), columns: [N OH OW, K] where windows reach padding, else empty
    static func forward(_ x: Tensor, kernel w: Tensor, bias b: Tensor, relu: Bool, maps g: WindowGeometry,
                        pooling pg: WindowGeometry, columns: inout Tensor, into pooled: inout Tensor,
                        choices: inout [Int32]) {
        let n = x.shape[0]
        let positions = g.outputPositions, patch = g.patchSize, filters = pg.channels
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let inPlace = g.windowsInsideImage
        Tensor.reuse(&columns, shape: inPlace ? [0] : [n * positions, patch])
        if inPlace && patch <= 12 && filters % 16 == 0 && VectorUnit.available.contains(.avx512) {
            multiplyAndPool(x, kernel: w, bias: b, relu: relu, maps: g, pooling: pg, into: &pooled, choices: &choices)
            return
        }
        columns.withUnsafeMutableBufferPointer { c in
            x.withUnsafeBufferPointer { input in
                w.withUnsafeBufferPointer { w in
                    b.withUnsafeBufferPointer { b in
                        let shared = UncheckedSendable((c.baseAddress, input.baseAddress!, w.baseAddress!, b.count == 0 ? nil : b.baseAddress))
                        poolEachImage(count: n, mapSize: positions * filters, costPerImage: positions * patch * filters, pooling: pg,
                                      into: &pooled, choices: &choices) { image, maps in
                            let (columns, input, w, b) = shared.value
                            let windows: PatchRows
                            if inPlace {
                                windows = PatchRows(windowsOf: input + image * imageSize, geometry: g)
                            } else {
                                let imageColumns = columns! + image * positions * patch
                                Im2Col.unfold(input + image * imageSize, count: 1, geometry: g, into: imageColumns)
                                windows = PatchRows(packed: imageColumns, k: patch)
                            }
                            SmallGEMM.multiplyRows(0..<positions, n: filters, k: patch, a: windows, b: w, bias: b, relu: relu, c: maps)
                        }
                    }
                }
            }
        }
    }

    // x: [N, H, W, C], w: [K, F], b: [F] or empty -> pooled: [N, PH, PW, F], choices: [N PH PW F], with the
    // convolution's direct kernels (a long window)
    /// `forward` for a convolution that runs direct (`ConvolutionProduct.usesDirectKernels`):
    /// each image's maps computed by the direct forward into a per-thread buffer and pooled at
    /// once, so they never go through memory.
    static func directForward(_ x: Tensor, product: ConvolutionProduct, kernel w: Tensor, bias b: Tensor, relu: Bool,
                              pooling pg: WindowGeometry, into pooled: inout Tensor, choices: inout [Int32]) {
        let g = product.geometry, n = x.shape[0]
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        x.withUnsafeBufferPointer { input in
            w.withUnsafeBufferPointer { w in
                b.withUnsafeBufferPointer { b in
                    let shared = UncheckedSendable((input.baseAddress!, w.baseAddress!, b.count == 0 ? nil : b.baseAddress, product))
                    poolEachImage(count: n, mapSize: g.outputPositions * product.filters,
                                  costPerImage: g.outputPositions * g.patchSize * product.filters, pooling: pg,
                                  into: &pooled, choices: &choices) { image, maps in
                        let (input, w, bias, product) = shared.value
                        product.directForward(image: input + image * imageSize, kernel: w, bias: bias, relu: relu, into: maps)
                    }
                }
            }
        }
    }

    // x: [N, H, W, C], w: [K, F], b: [F] or empty -> pooled: [N, PH, PW, F], choices: [N PH PW F]
    /// `forward` in one AVX-512 kernel (`perceptron_small_multiply_pool_avx512`) for windows in
    /// place, K <= 12 and filters in 16s: each pooled cell's four map values formed in registers
    /// and pooled there, the maps never written; the same values as the two steps, bit for bit.
    static func multiplyAndPool(_ x: Tensor, kernel w: Tensor, bias b: Tensor, relu: Bool, maps g: WindowGeometry,
                                pooling pg: WindowGeometry, into pooled: inout Tensor, choices: inout [Int32]) {
        let n = x.shape[0], filters = pg.channels
        let pooledSize = pg.outputPositions * filters
        precondition(pg.outputHeight == g.outputHeight / 2 && pg.outputWidth == g.outputWidth / 2, "a 2x2 pooling of the maps")
        Tensor.reuse(&pooled, shape: [n, pg.outputHeight, pg.outputWidth, filters])
        if choices.count != n * pooledSize { choices = [Int32](repeating: 0, count: n * pooledSize) }
        pooled.withUnsafeMutableBufferPointer { out in
            choices.withUnsafeMutableBufferPointer { choice in
                x.withUnsafeBufferPointer { input in
                    w.withUnsafeBufferPointer { w in
                        b.withUnsafeBufferPointer { b in
                            let windows = PatchRows(windowsOf: input.baseAddress!, geometry: g)
                            let shared = UncheckedSendable((out.baseAddress!, choice.baseAddress!, w.baseAddress!,
                                                            b.count == 0 ? nil : b.baseAddress))
                            Parallel.forEachChunk(n, costPerItem: g.outputPositions * g.patchSize * filters) { range in
                                let (out, choice, w, bias) = shared.value
                                perceptron_small_multiply_pool_avx512(windows.layout, range.lowerBound, range.upperBound,
                                                                      g.outputHeight, g.outputWidth, filters, g.patchSize, w, bias,
                                                                      relu ? 1 : 0, out, choice)
                            }
                        }
                    }
                }
            }
        }
    }

    // computeMaps(image, maps) writes one image's maps [OH, OW, F] -> pooled: [N, PH, PW, F], choices: [N PH PW F]
    /// Each image's maps, written by `computeMaps` into a per-thread buffer of `mapSize` values,
    /// pooled at once, the images split over the cores: the maps never go through memory.
    private static func poolEachImage(count n: Int, mapSize: Int, costPerImage: Int, pooling pg: WindowGeometry,
                                      into pooled: inout Tensor, choices: inout [Int32],
                                      _ computeMaps: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let pooledSize = pg.outputPositions * pg.channels
        Tensor.reuse(&pooled, shape: [n, pg.outputHeight, pg.outputWidth, pg.channels])
        if choices.count != n * pooledSize { choices = [Int32](repeating: 0, count: n * pooledSize) }
        pooled.withUnsafeMutableBufferPointer { out in
            choices.withUnsafeMutableBufferPointer { choice in
                let shared = UncheckedSendable((out.baseAddress!, choice.baseAddress!))
                Parallel.forEachChunk(n, costPerItem: costPerImage) { range in
                    let (out, choice) = shared.value
                    let maps = UnsafeMutablePointer<Float>.allocate(capacity: mapSize)
                    defer { maps.deallocate() }
                    for image in range {
                        computeMaps(image, maps)
                        PoolingKernels.pairwiseMaxForward(maps, geometry: pg, into: out + image * pooledSize,
                                                          choice: choice + image * pooledSize)
                    }
                }
            }
        }
    }

    // x: [N, H, W, C], dPooled: [N, PH, PW, F] -> dw: [K, F] += unfold(x)ᵀ dz, db: [F] += Σ dz (db empty: no
    // bias), where dz is the pooling's backward (dPooled at each window's chosen cell, 0 elsewhere) masked by
    // the ReLU; the windows read in place from x, or the forward's `columns` where they reach padding
    static func addWeightGradients(input x: Tensor, _ dy: Tensor, pooled: Tensor, choices: [Int32], columns: Tensor,
                                   relu: Bool, maps g: WindowGeometry, pooling pg: WindowGeometry,
                                   kernel dw: inout Tensor, bias db: inout Tensor) {
        let n = dy.shape[0]
        dy.withUnsafeBufferPointer { d in
            pooled.withUnsafeBufferPointer { pooled in
                choices.withUnsafeBufferPointer { choice in
                    x.withUnsafeBufferPointer { x in
                        columns.withUnsafeBufferPointer { c in
                            dw.withUnsafeMutableBufferPointer { dw in
                                db.withUnsafeMutableBufferPointer { db in
                                    let source = PooledGradient(dy: d.baseAddress!, pooled: pooled.baseAddress!,
                                                                choice: choice.baseAddress!, relu: relu, maps: g, pooling: pg)
                                    let windows = g.windowsInsideImage ? PatchRows(windowsOf: x.baseAddress!, geometry: g)
                                        : PatchRows(packed: c.baseAddress!, k: g.patchSize)
                                    SmallGEMM.weightGradients(m: n * g.outputPositions, n: pg.channels, k: g.patchSize, a: windows,
                                                              gradient: source, dw: dw.baseAddress!,
                                                              db: db.count == 0 ? nil : db.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The gradient of a convolution's maps behind a 2x2 max pooling, read from the pooling's
/// side: a cell gets the pooled gradient if its window chose it (0 + dPooled, as the pooling's
/// own backward writes it), else 0; with ReLU, 0 where the chosen value is not positive.
struct PooledGradient: OutputGradientSource {
    let dy: UnsafePointer<Float>, pooled: UnsafePointer<Float>, choice: UnsafePointer<Int32>
    let relu: Bool
    let mapWidth: Int, positions: Int, poolHeight: Int, poolWidth: Int, channels: Int
    /// Whether `loadTile` reads a tile in one AVX2 call (`perceptron_pooled_gradient_avx2`)
    /// rather than row by row; the same values either way.
    let vectorised: Bool
    /// Whether `addWeightSums` forms a thread's weight and bias sums in one AVX-512 call
    /// (`perceptron_pooled_weight_sums_avx512`, for K <= 12 and channels in 16s), reading the
    /// gradient as it goes rather than tile by tile; the same sums either way.
    let fusedSums: Bool

    init(dy: UnsafePointer<Float>, pooled: UnsafePointer<Float>, choice: UnsafePointer<Int32>, relu: Bool,
         maps: WindowGeometry, pooling: WindowGeometry, vectorised: Bool = VectorUnit.available.contains(.avx2),
         fusedSums: Bool = VectorUnit.available.contains(.avx512)) {
        (self.dy, self.pooled, self.choice, self.relu, self.vectorised) = (dy, pooled, choice, relu, vectorised)
        self.fusedSums = fusedSums
        (mapWidth, positions) = (maps.outputWidth, maps.outputPositions)
        (poolHeight, poolWidth, channels) = (pooling.outputHeight, pooling.outputWidth, pooling.channels)
    }

    /// One AVX-512 call for the thread's rows when `fusedSums` and the shapes fit.
    func addWeightSums(rows: Range<Int>, k: Int, n: Int, a: PatchRows, into local: UnsafeMutablePointer<Float>) -> Bool {
        guard fusedSums, k <= 12, n % 16 == 0, n == channels else { return false }
        let source = perceptron_pooled_source(dy: dy, pooled: pooled, choice: choice, positions: positions, mapWidth: mapWidth,
                                              poolHeight: poolHeight, poolWidth: poolWidth, relu: relu ? 1 : 0)
        perceptron_pooled_weight_sums_avx512(a.layout, rows.lowerBound, rows.upperBound, k, n, source, local)
        return true
    }

    /// Per row of a tile: the flat index of its window's pooled output (channel 0), or -1 for a
    /// cell no window covers, and the cell's offset within its image's maps.
    typealias TileState = UnsafeMutablePointer<perceptron_pooled_row>

    func makeTileState(capacity: Int) -> TileState { .allocate(capacity: capacity) }
    func release(_ state: inout TileState) { state.deallocate() }

    func prepare(rows: Range<Int>, into state: inout TileState) {
        for p in rows {
            let image = p / positions, cell = p % positions
            let py = cell / mapWidth / 2, px = cell % mapWidth / 2
            state[p - rows.lowerBound] = py < poolHeight && px < poolWidth
                ? perceptron_pooled_row(index: ((image * poolHeight + py) * poolWidth + px) * channels, offset: Int32(cell * channels))
                : perceptron_pooled_row(index: -1, offset: 0)
        }
    }

    /// The whole tile in one AVX2 call when `vectorised` (the same values and sum).
    func loadTile(rows: Range<Int>, column: Int, state: TileState, into tile: UnsafeMutablePointer<SIMD8<Float>>) -> SIMD8<Float> {
        guard vectorised else { return loadRowByRow(rows: rows, column: column, state: state, into: tile) }
        var sum = SIMD8<Float>()
        withUnsafeMutablePointer(to: &sum) { sum in
            UnsafeMutableRawPointer(tile).withMemoryRebound(to: Float.self, capacity: 8 * rows.count) { tile in
                UnsafeMutableRawPointer(sum).withMemoryRebound(to: Float.self, capacity: 8) { sum in
                    perceptron_pooled_gradient_avx2(rows.count, state, choice, dy, pooled, relu ? 1 : 0, column, tile, sum)
                }
            }
        }
        return sum
    }

    @inline(__always)
    func load(row: Int, tileRow: Int, column: Int, state: TileState) -> SIMD8<Float> {
        let (index, offset) = (state[tileRow].index, state[tileRow].offset)
        let zero = SIMD8<Float>()
        guard index >= 0 else { return zero }
        let chosen = UnsafeRawPointer(choice + index + column).loadUnaligned(as: SIMD8<Int32>.self)
        let here = SIMD8<Int32>(repeating: offset + Int32(column)) &+ PoolingKernels.lanes
        var g = zero.replacing(with: zero + PoolingKernels.load(dy + index + column), where: chosen .== here)
        if relu { g.replace(with: 0, where: PoolingKernels.load(pooled + index + column) .<= 0) }
        return g
    }
}
