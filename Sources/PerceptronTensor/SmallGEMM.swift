// Products with a short inner dimension (K <= 32), as a first convolution has (a 3x3 window
// on one channel: K = 9): BLAS spends most of such a product packing and scaling C, so these
// kernels stream the rows once, 8 output columns at a time, with the bias and ReLU fused in.
// The forward rows and the weight gradient's inner sums run on AVX2 when the CPU has it (same
// results, bit for bit).

import CPerceptronCPU

/// Kernels for `[M, K] x [K, N]` with small K and N a multiple of 8 (at most 128).
public enum SmallGEMM {
    /// Whether the kernels apply: K in 1...32, N a positive multiple of 8 up to 128.
    @inlinable
    public static func applies(k: Int, n: Int) -> Bool { (1...32).contains(k) && n % 8 == 0 && (8...128).contains(n) }

    /// Eight output columns, the width every kernel here works in.
    public typealias Vector = SIMD8<Float>

    @inlinable @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
    @inlinable @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// `c[p, :] = relu?(bias + Σ_k a[p, k] b[k, :])` for every row p of `m`.
    public static func multiply(m: Int, n: Int, k: Int, a: PatchRows, b: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, relu: Bool, c: UnsafeMutablePointer<Float>,
                                vectorUnit: VectorUnit = .widest) {
        precondition(applies(k: k, n: n), "SmallGEMM needs K in 1...32 and N a multiple of 8 up to 128, got K \(k), N \(n)")
        let shared = UncheckedSendable((b, bias, c))
        Parallel.forEachChunk(m, costPerItem: k * n) { rows in
            let (b, bias, c) = shared.value
            multiplyRows(rows, n: n, k: k, a: a, b: b, bias: bias, relu: relu, c: c, vectorUnit: vectorUnit)
        }
    }

    /// `multiply` for `rows` only, on the calling thread (row `p` of `c` at `p * n`). Each
    /// output is computed the same way whatever the range.
    @inline(__always)
    public static func multiplyRows(_ rows: Range<Int>, n: Int, k: Int, a: PatchRows, b: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>?, relu: Bool, c: UnsafeMutablePointer<Float>,
                                    vectorUnit: VectorUnit = .widest) {
        if vectorUnit != .baseline {
            // The same loop on 8-lane AVX2 registers, bit for bit.
            perceptron_small_multiply_rows_avx2(rows.lowerBound, rows.upperBound, n, k, a.layout, b, bias, relu ? 1 : 0, c)
            return
        }
        let offsets = (0..<k).map(a.offset(ofValue:))
        // 32 output columns at a time in four vector accumulators; each row of `a` is read
        // once per 32 columns.
        var block = 0
        while block < n {
            let width = min(32, n - block)
            let b0 = bias.map { load($0 + block) } ?? Vector()
            let b1 = width > 8 ? bias.map { load($0 + block + 8) } ?? Vector() : Vector()
            let b2 = width > 16 ? bias.map { load($0 + block + 16) } ?? Vector() : Vector()
            let b3 = width > 24 ? bias.map { load($0 + block + 24) } ?? Vector() : Vector()
            for p in rows {
                let row = a.start(ofRow: p)
                var s0 = b0, s1 = b1, s2 = b2, s3 = b3
                var column = b + block
                for q in 0..<k {
                    let x = row[offsets[q]]
                    s0 += x * load(column)
                    if width > 8 { s1 += x * load(column + 8) }
                    if width > 16 { s2 += x * load(column + 16) }
                    if width > 24 { s3 += x * load(column + 24) }
                    column += n
                }
                if relu {
                    s0.replace(with: 0, where: s0 .< 0)
                    s1.replace(with: 0, where: s1 .< 0)
                    s2.replace(with: 0, where: s2 .< 0)
                    s3.replace(with: 0, where: s3 .< 0)
                }
                let out = c + p * n + block
                store(s0, out)
                if width > 8 { store(s1, out + 8) }
                if width > 16 { store(s2, out + 16) }
                if width > 24 { store(s3, out + 24) }
            }
            block += 32
        }
    }

    /// The weight and bias gradients of `multiply` from the output gradient, in one pass:
    /// with `dz = relu ? dy ⊙ (y > 0) : dy`, `db[:] += Σ_p dz[p, :]` and
    /// `dw[q, :] += Σ_p a[p, q] dz[p, :]`. The sums are taken per thread, tile by tile of 128
    /// rows in row order, then added in thread order, so results depend on the thread count
    /// but not on timing.
    public static func weightGradients(m: Int, n: Int, k: Int, a: PatchRows, dy: UnsafePointer<Float>,
                                       y: UnsafePointer<Float>?, dw: UnsafeMutablePointer<Float>,
                                       db: UnsafeMutablePointer<Float>?, vectorUnit: VectorUnit = .widest) {
        weightGradients(m: m, n: n, k: k, a: a, gradient: DenseGradient(dy: dy, y: y, n: n), dw: dw, db: db,
                        vectorUnit: vectorUnit)
    }

    /// `weightGradients` with `dz` read from `gradient`, tile by tile. Inlinable, so that it is
    /// specialised for a source defined in another module.
    @inlinable
    public static func weightGradients<Source: OutputGradientSource>(
        m: Int, n: Int, k: Int, a: PatchRows, gradient: Source,
        dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>?, vectorUnit: VectorUnit = .widest
    ) {
        precondition(applies(k: k, n: n), "SmallGEMM needs K in 1...32 and N a multiple of 8 up to 128, got K \(k), N \(n)")
        let threads = max(1, min(Parallel.threadCount, m / 4096))
        let wide = vectorUnit != .baseline
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: threads * (k + 1) * n)
        partial.initialize(repeating: 0, count: threads * (k + 1) * n)
        defer { partial.deallocate() }
        let shared = UncheckedSendable((a, gradient, partial))
        Parallel.forEachChunk(threads, costPerItem: 1, minimumWork: 2) { range in
            let (a, gradient, partial) = shared.value
            // Rows go in tiles: the tile's masked gradient for 8 columns is kept in L1, then
            // the sums of up to four weight rows run over the tile in registers.
            let tile = 128
            let masked = UnsafeMutablePointer<Vector>.allocate(capacity: tile)
            defer { masked.deallocate() }
            // Where the tile's rows of `a` start, and each value's offset within a row.
            let starts = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: tile)
            defer { starts.deallocate() }
            let offsets = UnsafeMutablePointer<Int>.allocate(capacity: k)
            defer { offsets.deallocate() }
            for q in 0..<k { offsets[q] = a.offset(ofValue: q) }
            var rowsPrepared = gradient.makeTileState(capacity: tile)
            defer { gradient.release(&rowsPrepared) }
            for thread in range {
                let local = partial + thread * (k + 1) * n
                let rows = (m * thread / threads)..<(m * (thread + 1) / threads)
                if wide && gradient.addWeightSums(rows: rows, k: k, n: n, a: a, into: local) { continue }
                var start = rows.lowerBound
                while start < rows.upperBound {
                    let end = min(start + tile, rows.upperBound)
                    gradient.prepare(rows: start..<end, into: &rowsPrepared)
                    perceptron_patch_row_starts(a.layout, start, end - start, starts)
                    var block = 0
                    while block < n {
                        let biasSum = gradient.loadTile(rows: start..<end, column: block, state: rowsPrepared, into: masked)
                        store(load(local + k * n + block) + biasSum, local + k * n + block)
                        if wide {
                            // All weight rows in one pass on AVX2, the same sums bit for bit.
                            UnsafeRawPointer(masked).withMemoryRebound(to: Float.self, capacity: 8 * (end - start)) { g in
                                perceptron_small_weight_sums_avx2(end - start, k, starts, offsets, g, local + block, n)
                            }
                            block += 8
                            continue
                        }
                        // Four weight rows per pass over the tile: four independent sums (one
                        // would wait on each addition), each still added in row order.
                        var q = 0
                        while q < k {
                            let count = min(4, k - q)
                            var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
                            let (o0, o1) = (offsets[q], count > 1 ? offsets[q + 1] : 0)
                            let (o2, o3) = (count > 2 ? offsets[q + 2] : 0, count > 3 ? offsets[q + 3] : 0)
                            for t in 0..<(end - start) {
                                let g = masked[t], row = starts[t]!
                                s0 += row[o0] * g
                                if count > 1 { s1 += row[o1] * g }
                                if count > 2 { s2 += row[o2] * g }
                                if count > 3 { s3 += row[o3] * g }
                            }
                            let out = local + q * n + block
                            store(load(out) + s0, out)
                            if count > 1 { store(load(out + n) + s1, out + n) }
                            if count > 2 { store(load(out + 2 * n) + s2, out + 2 * n) }
                            if count > 3 { store(load(out + 3 * n) + s3, out + 3 * n) }
                            q += 4
                        }
                        block += 8
                    }
                    start = end
                }
            }
        }
        for thread in 0..<threads {
            let local = partial + thread * (k + 1) * n
            for i in 0..<(k * n) { dw[i] += local[i] }
            if let db { for j in 0..<n { db[j] += local[k * n + j] } }
        }
    }
}

/// Where the rows of a `SmallGEMM` product's left operand lie: packed one after the other
/// (unfolded windows), or each output position's window read in place from channels-last
/// images, which saves unfolding them. The values and their order are the same either way.
public struct PatchRows: @unchecked Sendable {
    /// The layout the C kernels read (see `perceptron_patch_rows`).
    public let layout: perceptron_patch_rows

    /// Rows of `k` values one after the other: row p at `a + p k`.
    public init(packed a: UnsafePointer<Float>, k: Int) {
        layout = perceptron_patch_rows(base: a, positions: 1, outputWidth: 1, imageStride: k, rowStride: 0, columnStride: 0,
                                       run: k, lineStride: 0)
    }

    /// The windows of `g` over the images `x: [N, H, W, C]`, row `(n, oy, ox)` holding the
    /// window at that output position in (ky, kx, c) order, as `Im2Col.unfold` writes it.
    ///
    /// - Precondition: `g.windowsInsideImage` (no window reaches a padding cell).
    public init(windowsOf x: UnsafePointer<Float>, geometry g: WindowGeometry) {
        precondition(g.windowsInsideImage, "windows read in place must lie inside the image, got \(g)")
        layout = perceptron_patch_rows(base: x, positions: g.outputPositions, outputWidth: g.outputWidth,
                                       imageStride: g.inputHeight * g.inputWidth * g.channels,
                                       rowStride: g.strideHeight * g.inputWidth * g.channels,
                                       columnStride: g.strideWidth * g.channels,
                                       run: g.windowWidth * g.channels, lineStride: g.inputWidth * g.channels)
    }

    /// Where row `p` starts.
    @inlinable @inline(__always)
    public func start(ofRow p: Int) -> UnsafePointer<Float> {
        let l = layout
        let image: Int = p / l.positions * l.imageStride
        let line: Int = p % l.positions / l.outputWidth * l.rowStride
        let column: Int = p % l.outputWidth * l.columnStride
        return l.base + (image + line + column)
    }

    /// Value `q` of a row, from the row's start.
    @inlinable @inline(__always)
    public func offset(ofValue q: Int) -> Int { q / layout.run * layout.lineStride + q % layout.run }
}

/// Where `SmallGEMM.weightGradients` reads `dz`, eight columns of one row at a time, for a
/// tile of rows at a time (`prepare` may precompute what the tile's rows share).
public protocol OutputGradientSource {
    /// What `prepare` computes for one tile of rows (`Void` when there is nothing to share).
    associatedtype TileState
    /// Storage for a tile of up to `capacity` rows, made once per thread.
    func makeTileState(capacity: Int) -> TileState
    /// Frees what `makeTileState` allocated.
    func release(_ state: inout TileState)
    /// Fills `state` for `rows` (a tile of at most the capacity) before their columns are read.
    func prepare(rows: Range<Int>, into state: inout TileState)
    /// `dz[row, column ..< column + 8]`; `tileRow` is `row`'s position in the prepared tile.
    func load(row: Int, tileRow: Int, column: Int, state: TileState) -> SIMD8<Float>
    /// `load` for each row of the prepared tile `rows`, in order, into `tile` (8 values a row),
    /// returning their sum added row after row from zero. A source may do it in one call to a
    /// vector kernel; the values and the sum must be `load`'s, bit for bit.
    func loadTile(rows: Range<Int>, column: Int, state: TileState, into tile: UnsafeMutablePointer<SIMD8<Float>>) -> SIMD8<Float>
    /// The tile loop's sums for `rows` (one thread's: tiles of 128 rows from its start) added
    /// into `local` (`[K + 1, N]`: the weight rows, then the bias) by one vector kernel, bit for
    /// bit; false to leave them to the loop. A source whose values a kernel can form itself
    /// (`PooledGradient` on AVX-512) skips the tiles of `dz` in between.
    func addWeightSums(rows: Range<Int>, k: Int, n: Int, a: PatchRows, into local: UnsafeMutablePointer<Float>) -> Bool
}

extension OutputGradientSource {
    /// False: the tile loop forms the sums.
    @inlinable
    public func addWeightSums(rows: Range<Int>, k: Int, n: Int, a: PatchRows, into local: UnsafeMutablePointer<Float>) -> Bool {
        false
    }

    /// `loadRowByRow`.
    @inlinable @inline(__always)
    public func loadTile(rows: Range<Int>, column: Int, state: TileState, into tile: UnsafeMutablePointer<SIMD8<Float>>) -> SIMD8<Float> {
        loadRowByRow(rows: rows, column: column, state: state, into: tile)
    }

    /// `loadTile` as its definition: `load` for each row in order, the sum added row after row.
    @inlinable @inline(__always)
    public func loadRowByRow(rows: Range<Int>, column: Int, state: TileState, into tile: UnsafeMutablePointer<SIMD8<Float>>) -> SIMD8<Float> {
        var sum = SIMD8<Float>()
        for p in rows {
            let g = load(row: p, tileRow: p - rows.lowerBound, column: column, state: state)
            tile[p - rows.lowerBound] = g
            sum += g
        }
        return sum
    }
}

/// `dz = relu ? dy ⊙ (y > 0) : dy`, both stored densely as `[m, n]`.
public struct DenseGradient: OutputGradientSource {
    let dy: UnsafePointer<Float>, y: UnsafePointer<Float>?, n: Int

    /// Reads `dy: [m, n]`, masked by `y > 0` (the ReLU's output) when `y` is given.
    public init(dy: UnsafePointer<Float>, y: UnsafePointer<Float>?, n: Int) { (self.dy, self.y, self.n) = (dy, y, n) }

    /// Nothing: rows are read in place.
    public func makeTileState(capacity: Int) {}
    /// Nothing to free.
    public func release(_ state: inout Void) {}
    /// Nothing to prepare.
    public func prepare(rows: Range<Int>, into state: inout Void) {}

    /// `dy[p, column ..< column + 8]`, zero where `y <= 0` when masked.
    @inline(__always)
    public func load(row p: Int, tileRow: Int, column: Int, state: Void) -> SIMD8<Float> {
        var g = SmallGEMM.load(dy + p * n + column)
        if let y { g.replace(with: 0, where: SmallGEMM.load(y + p * n + column) .<= 0) }
        return g
    }
}
