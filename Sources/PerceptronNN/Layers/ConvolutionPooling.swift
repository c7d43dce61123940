// A first convolution with a short window feeding a 2x2 max pooling (the convnet's first two
// layers), fused in training. Forward computes each image's maps into a per-thread buffer and
// pools them at once, so the N x OH x OW x F maps never go through memory; backward forms the
// kernel and bias gradients from the pooled gradient and the pool's choices, without the
// maps' gradient. The arithmetic is the unfused layers', step for step, so weights and
// history are bit-identical to running the two layers one after the other.
// Legend: N batch, OH/OW the convolution's output, PH/PW the pooling's, F filters, K patch size.

import PerceptronTensor

extension Conv2D {
    /// Whether this layer, followed by `pool`, can run fused in training (when it is also the
    /// first layer with weights, so that no input gradient is needed).
    func canFuse(with pool: Pooling2D) -> Bool {
        usesSmallKernel && !keepsLogits && pool.isPairwiseMax
    }

    // x: [N, H, W, C] -> columns: [N OH OW, K] -> per image maps [OH, OW, F] -> pooled [N, PH, PW, F]
    func forwardPooled(_ x: Tensor, through pool: Pooling2D) -> Tensor {
        let g = geometry!, pg = pool.geometry!
        precondition(Array(x.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
                     "Conv2D '\(name)' expects [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], got \(x.shape)")
        let n = x.shape[0]
        let positions = g.outputPositions, patch = g.patchSize, filters = self.filters
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let pooledSize = pg.outputPositions * pg.channels
        let relu = activation == .relu
        var cols = Tensor.empty
        swap(&cols, &columns)
        Tensor.reuse(&cols, shape: [n * positions, patch])
        var y = Tensor.empty
        swap(&y, &pool.output)
        Tensor.reuse(&y, shape: [n, pg.outputHeight, pg.outputWidth, pg.channels])
        if pool.chosen.count != n * pooledSize { pool.chosen = [Int32](repeating: 0, count: n * pooledSize) }
        let biasValues = bias?.value ?? Tensor.empty
        y.withUnsafeMutableBufferPointer { out in
            cols.withUnsafeMutableBufferPointer { c in
                x.withUnsafeBufferPointer { input in
                    pool.chosen.withUnsafeMutableBufferPointer { choice in
                        kernel.value.withUnsafeBufferPointer { w in
                            biasValues.withUnsafeBufferPointer { b in
                                let shared = UncheckedSendable((out.baseAddress!, c.baseAddress!, input.baseAddress!,
                                                                choice.baseAddress!, w.baseAddress!, b.baseAddress))
                                Parallel.forEachChunk(n, costPerItem: positions * patch * filters) { range in
                                    let (out, columns, input, choice, w, b) = shared.value
                                    let maps = UnsafeMutablePointer<Float>.allocate(capacity: positions * filters)
                                    defer { maps.deallocate() }
                                    for image in range {
                                        let imageColumns = columns + image * positions * patch
                                        Im2Col.unfold(input + image * imageSize, count: 1, geometry: g, into: imageColumns)
                                        SmallGEMM.multiplyRows(0..<positions, n: filters, k: patch, a: imageColumns, b: w,
                                                               bias: b, relu: relu, c: maps)
                                        Pooling2D.pairwiseMaxForward(maps, geometry: pg, into: out + image * pooledSize,
                                                                     choice: choice + image * pooledSize)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        columns = cols
        cachedCount = n
        pool.output = y
        pool.cachedCount = n
        return y
    }

    // dPooled: [N, PH, PW, F] -> dKernel[K, F] += columnsᵀ dz, dBias += Σ dz, where dz is the
    // pooling's backward (dPooled at each window's chosen cell, 0 elsewhere) masked by the ReLU.
    func backwardPooled(_ dy: Tensor, through pool: Pooling2D) {
        let g = geometry!, pg = pool.geometry!
        let n = cachedCount
        precondition(dy.shape == [n, pg.outputHeight, pg.outputWidth, pg.channels],
                     "Conv2D '\(name)' backward through '\(pool.name)' expects \([n, pg.outputHeight, pg.outputWidth, pg.channels]), got \(dy.shape)")
        var biasGradient = bias?.gradient ?? Tensor.empty
        dy.withUnsafeBufferPointer { d in
            pool.output.withUnsafeBufferPointer { pooled in
                pool.chosen.withUnsafeBufferPointer { choice in
                    columns.withUnsafeBufferPointer { c in
                        kernel.gradient.withUnsafeMutableBufferPointer { dw in
                            biasGradient.withUnsafeMutableBufferPointer { db in
                                let source = PooledGradient(dy: d.baseAddress!, pooled: pooled.baseAddress!, choice: choice.baseAddress!,
                                                            relu: activation == .relu, maps: g, pooling: pg)
                                SmallGEMM.weightGradients(m: n * g.outputPositions, n: filters, k: g.patchSize, a: c.baseAddress!,
                                                          gradient: source, dw: dw.baseAddress!, db: useBias ? db.baseAddress : nil)
                            }
                        }
                    }
                }
            }
        }
        bias?.gradient = biasGradient
    }
}

/// The gradient of a convolution's maps behind a 2x2 max pooling, read from the pooling's
/// side: a cell gets the pooled gradient if its window chose it (0 + dPooled, as the pooling's
/// own backward writes it), else 0; with ReLU, 0 where the chosen value is not positive.
struct PooledGradient: OutputGradientSource {
    let dy: UnsafePointer<Float>, pooled: UnsafePointer<Float>, choice: UnsafePointer<Int32>
    let relu: Bool
    let mapWidth: Int, positions: Int, poolHeight: Int, poolWidth: Int, channels: Int

    init(dy: UnsafePointer<Float>, pooled: UnsafePointer<Float>, choice: UnsafePointer<Int32>, relu: Bool,
         maps: WindowGeometry, pooling: WindowGeometry) {
        (self.dy, self.pooled, self.choice, self.relu) = (dy, pooled, choice, relu)
        (mapWidth, positions) = (maps.outputWidth, maps.outputPositions)
        (poolHeight, poolWidth, channels) = (pooling.outputHeight, pooling.outputWidth, pooling.channels)
    }

    /// Per row of a tile: the flat index of its window's pooled output (channel 0), or -1 for a
    /// cell no window covers, and the cell's offset within its image's maps.
    typealias TileState = UnsafeMutablePointer<(index: Int, offset: Int32)>

    func makeTileState(capacity: Int) -> TileState { .allocate(capacity: capacity) }
    func release(_ state: inout TileState) { state.deallocate() }

    func prepare(rows: Range<Int>, into state: inout TileState) {
        for p in rows {
            let image = p / positions, cell = p % positions
            let py = cell / mapWidth / 2, px = cell % mapWidth / 2
            state[p - rows.lowerBound] = py < poolHeight && px < poolWidth
                ? (((image * poolHeight + py) * poolWidth + px) * channels, Int32(cell * channels)) : (-1, 0)
        }
    }

    @inline(__always)
    func load(row: Int, tileRow: Int, column: Int, state: TileState) -> SIMD8<Float> {
        let (index, offset) = state[tileRow]
        let zero = SIMD8<Float>()
        guard index >= 0 else { return zero }
        let chosen = UnsafeRawPointer(choice + index + column).loadUnaligned(as: SIMD8<Int32>.self)
        let here = SIMD8<Int32>(repeating: offset + Int32(column)) &+ Pooling2D.lanes
        var g = zero.replacing(with: zero + Pooling2D.load(dy + index + column), where: chosen .== here)
        if relu { g.replace(with: 0, where: Pooling2D.load(pooled + index + column) .<= 0) }
        return g
    }
}
