// The portable GEMM: packed panels (Goto's blocking) and the row blocks of A split over the
// cores, in Swift; a 6-row register tile computed by a Swift SIMD micro-kernel, or on x86-64
// CPUs that have them, by an AVX2 + FMA or AVX-512 one chosen at run time.

import CPerceptronCPU

/// A blocked, SIMD, multi-threaded single-precision GEMM that needs no library.
///
/// Blocking (Goto and van de Geijn, 2008): for each block of `kc` rows of `op(B)`, the
/// block is packed into column strips of `nr` floats; for each block of `mc` rows of
/// `op(A)`, those rows are packed into strips of `mr` (6) floats per k. The micro-kernel
/// keeps a 6 x `nr` tile of C in registers and walks k, doing six broadcasts of A and one
/// row of B per step. Packing absorbs the transpose flags and zero-pads the edges, so the
/// micro-kernel always runs full tiles.
///
/// Swift compiles for baseline x86-64 (SSE2: 4-wide, no FMA) unless given unsafe compiler
/// flags, so the Swift micro-kernel (6x8) reaches a fraction of an AVX-512 BLAS. On x86-64
/// CPUs with AVX2 and FMA, or AVX-512, a C micro-kernel compiled for that instruction set
/// alone (6x16 or 6x32) does the tile instead; the CPU is asked at run time, so the package
/// runs on every x86-64 CPU, and the Swift kernel remains for the others (and arm64).
///
/// The C kernels run a whole block of tiles and add each to C from the registers, and skip
/// most of the copies: they read A in place (its rows, or a transposed A's columns for a
/// narrow product), and the AVX-512 one reads B's whole strips in place where B is not
/// transposed and its rows are not a multiple of 4 KB apart (`readsBInPlace`). The values,
/// their order and the roundings are those of the packed path: the same bits.
public struct PortableGEMM: GEMMBackend {
    /// The register-tile kernel.
    public enum MicroKernel: String, CaseIterable, Sendable {
        /// Swift SIMD, 6x8: every CPU.
        case swift
        /// C with AVX2 and FMA, 6x16.
        case avx2
        /// C with AVX-512, 6x32.
        case avx512

        /// Columns of the tile (the width of B's packed strips).
        public var nr: Int {
            switch self {
            case .swift: 8
            case .avx2: 16
            case .avx512: 32
            }
        }

        /// The kernels this CPU can run, the Swift one first.
        public static let available: [MicroKernel] = VectorUnit.available.map {
            switch $0 {
            case .baseline: .swift
            case .avx2: .avx2
            case .avx512: .avx512
            }
        }

        /// The widest kernel this CPU can run.
        public static var best: MicroKernel { available.last! }
    }

    /// `portable`; `label` also names the micro-kernel.
    public let name = "portable"
    /// `Parallel.threadCount`: row blocks of A are split over Perceptron's own threads.
    public var threadCount: Int { Parallel.threadCount }
    /// The micro-kernel in use.
    public let kernel: MicroKernel
    /// `portable/` and the micro-kernel, for reports.
    public var label: String { "portable/\(kernel.rawValue)" }

    static let mr = 6
    static let kc = 256
    static let mc = 96

    /// A portable GEMM with `kernel` (by default the widest this CPU runs; one it cannot run
    /// falls back to the Swift kernel).
    public init(kernel: MicroKernel = .best) {
        self.kernel = MicroKernel.available.contains(kernel) ? kernel : .swift
    }

    /// The blocked product for M, N and K of at least 1; see `GEMMBackend.sgemm`.
    public func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 1 && !transposeB {
            multiplyOneRow(n: n, k: k, alpha: alpha, a: a, stride: transposeA ? lda : 1, b: b, ldb: ldb, beta: beta, c: c)
            return
        }
        let product = Operands(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        // At most 16 columns (the lesson's last layer): AVX2's 16-wide tiles, where AVX-512's
        // 32-wide ones would be mostly padding. Each lane sums on its own, so the same bits.
        let tiles = kernel == .avx512 && n <= MicroKernel.avx2.nr ? PortableGEMM(kernel: .avx2) : self
        let stripsB = (n + tiles.kernel.nr - 1) / tiles.kernel.nr
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: Self.kc * stripsB * tiles.kernel.nr)
        defer { packedB.deallocate() }
        let threads = Parallel.threadCount
        if threads > 1 && m <= Self.mc && stripsB >= threads && m * n * k >= Self.parallelWork {
            tiles.multiplyByColumns(product, packedB: packedB)
        } else {
            tiles.multiplyByRows(product, packedB: packedB)
        }
    }

    /// One product's operands, as `GEMMBackend.sgemm` takes them (M, N and K at least 1).
    struct Operands {
        let transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float
        let a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float
        let c: UnsafeMutablePointer<Float>, ldc: Int
    }

    /// Products smaller than this many multiply-adds run on the calling thread.
    static let parallelWork = 1 << 18

    /// The product with the row blocks of A split over the threads: for each block of `kc`
    /// rows of `op(B)`, B's strips are packed (split over the threads when there are several;
    /// see `stripsToPack` for those the C kernels read in place), then each thread packs (see
    /// `blockOfA`) and multiplies its row blocks. `packedB` holds `kc` rows of every strip of B.
    func multiplyByRows(_ p: Operands, packedB: UnsafeMutablePointer<Float>) {
        let (mr, nr, kcMax, kernel, m) = (Self.mr, self.kernel.nr, Self.kc, self.kernel, p.m)
        let stripsB = (p.n + nr - 1) / nr
        // Each thread takes a run of A's strips of 6 rows, as even as whole strips allow, cut
        // into blocks of at most `mc` rows of nearly equal size. (Equal blocks dealt out in
        // turn left 512 rows as 270 and 242.) Where a row lands changes no sum.
        let stripsA = (m + mr - 1) / mr
        let threads = max(1, min(Parallel.threadCount, stripsA))
        // Each thread packs its own A blocks.
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: threads * Self.mc * kcMax)
        defer { packedA.deallocate() }

        var p0 = 0
        while p0 < p.k {
            let kc = min(kcMax, p.k - p0)
            let packing = Self.stripsToPack(p, kernel: kernel, strips: 0..<stripsB)
            Parallel.forEachChunk(packing.count, costPerItem: kc * nr, minimumWork: 1 << 16) { range in
                Self.packB(transposed: p.transposeB, b: p.b, ldb: p.ldb, rowStart: p0, kc: kc, n: p.n, nr: nr,
                           strips: (packing.lowerBound + range.lowerBound)..<(packing.lowerBound + range.upperBound),
                           into: packedB)
            }
            let b = Self.blockOfB(p, kernel: kernel, rowStart: p0, packed: packedB, stripStride: kc * nr)
            let firstBlock = p0 == 0
            let work = m * p.n * kc
            Parallel.forEachChunk(threads, costPerItem: work / max(threads, 1), minimumWork: Self.parallelWork) { range in
                for thread in range {
                    let aBuffer = packedA + thread * Self.mc * kcMax
                    let first = stripsA * thread / threads, count = stripsA * (thread + 1) / threads - first
                    let blocks = (count * mr + Self.mc - 1) / Self.mc
                    for block in 0..<blocks {
                        let i0 = (first + count * block / blocks) * mr
                        let mc = min((first + count * (block + 1) / blocks) * mr, m) - i0
                        let a = Self.blockOfA(p, kernel: kernel, rowStart: i0, mc: mc, columnStart: p0, kc: kc,
                                              strips: stripsB, buffer: aBuffer)
                        Self.blockKernel(kernel, mc: mc, n: p.n, strips: 0..<stripsB, kc: kc, a: a, b: b,
                                         alpha: p.alpha, beta: firstBlock ? p.beta : 1, c: p.c + i0 * p.ldc, ldc: p.ldc)
                    }
                }
            }
            p0 += kc
        }
    }

    /// The product of at most `mc` rows with the column strips of B split over the threads,
    /// in one parallel pass: each thread packs A (small) and its own strips of B, block of
    /// `kc` by block, and writes only its own columns of C. A few rows (a small batch) leave
    /// too few row blocks to share, and there B's packing, not the arithmetic, is the cost.
    /// Every tile is the same kernel call on the same packed values as `multiplyByRows`
    /// makes, so the results are the same bits. `packedB` holds `kc` rows of every strip of B.
    func multiplyByColumns(_ p: Operands, packedB: UnsafeMutablePointer<Float>) {
        let (mr, nr, kcMax, kernel) = (Self.mr, self.kernel.nr, Self.kc, self.kernel)
        let stripsB = (p.n + nr - 1) / nr
        let threads = min(Parallel.threadCount, stripsB)
        let aCapacity = (p.m + mr - 1) / mr * mr * kcMax
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: threads * aCapacity)
        defer { packedA.deallocate() }
        Parallel.forEachChunk(threads, minimumWork: 0) { range in
            for thread in range {
                let strips = (stripsB * thread / threads)..<(stripsB * (thread + 1) / threads)
                let aBuffer = packedA + thread * aCapacity
                var p0 = 0
                while p0 < p.k {
                    let kc = min(kcMax, p.k - p0)
                    // Each strip keeps its own place whatever this block's depth: the threads
                    // are at different blocks.
                    Self.packB(transposed: p.transposeB, b: p.b, ldb: p.ldb, rowStart: p0, kc: kc, n: p.n, nr: nr,
                               strips: Self.stripsToPack(p, kernel: kernel, strips: strips), stripStride: kcMax * nr,
                               into: packedB)
                    let a = Self.blockOfA(p, kernel: kernel, rowStart: 0, mc: p.m, columnStart: p0, kc: kc,
                                          strips: strips.count, buffer: aBuffer)
                    let b = Self.blockOfB(p, kernel: kernel, rowStart: p0, packed: packedB, stripStride: kcMax * nr)
                    Self.blockKernel(kernel, mc: p.m, n: p.n, strips: strips, kc: kc, a: a, b: b, alpha: p.alpha,
                                     beta: p0 == 0 ? p.beta : 1, c: p.c, ldc: p.ldc)
                    p0 += kc
                }
            }
        }
    }

    /// Packs `op(B)[rowStart..<rowStart+kc, 0..<n]` into strips of `nr` columns, each strip
    /// `kc * nr` floats laid out k-major, zero-padded past `n`: all of them, or `strips` only,
    /// strip `s` at `packed + s * stripStride` (`kc * nr` unless given).
    ///
    /// A transposed B is packed by an AVX2 kernel where the CPU has it (`vectorUnit`): the
    /// same values, in 8 x 8 blocks transposed in registers.
    static func packB(transposed: Bool, b: UnsafePointer<Float>, ldb: Int, rowStart: Int, kc: Int, n: Int, nr: Int,
                      strips: Range<Int>? = nil, stripStride: Int? = nil, into packed: UnsafeMutablePointer<Float>,
                      vectorUnit: VectorUnit = .widest) {
        let all = strips ?? 0..<((n + nr - 1) / nr)
        if transposed && vectorUnit != .baseline && nr % 8 == 0 {
            perceptron_pack_b_transposed_avx2(b, ldb, rowStart, kc, n, nr, all.lowerBound, all.upperBound,
                                              stripStride ?? kc * nr, packed)
            return
        }
        for strip in all {
            let j0 = strip * nr
            let width = min(nr, n - j0)
            let destination = packed + strip * (stripStride ?? kc * nr)
            if !transposed {
                for p in 0..<kc {
                    let source = b + (rowStart + p) * ldb + j0
                    let row = destination + p * nr
                    for jj in 0..<width { row[jj] = source[jj] }
                    for jj in width..<nr { row[jj] = 0 }
                }
            } else {
                for p in 0..<kc {
                    let row = destination + p * nr
                    for jj in 0..<width { row[jj] = b[(j0 + jj) * ldb + rowStart + p] }
                    for jj in width..<nr { row[jj] = 0 }
                }
            }
        }
    }

    /// Packs `op(A)[rowStart..<rowStart+mc, columnStart..<columnStart+kc]` into strips of
    /// `mr` rows, each strip `kc * mr` floats laid out k-major, zero-padded past `mc`.
    static func packA(transposed: Bool, a: UnsafePointer<Float>, lda: Int, rowStart: Int, mc: Int,
                      columnStart: Int, kc: Int, into packed: UnsafeMutablePointer<Float>) {
        let mr = Self.mr
        let strips = (mc + mr - 1) / mr
        for strip in 0..<strips {
            let i0 = strip * mr
            let height = min(mr, mc - i0)
            let destination = packed + strip * kc * mr
            if !transposed {
                for ii in 0..<mr {
                    if ii < height {
                        let source = a + (rowStart + i0 + ii) * lda + columnStart
                        for p in 0..<kc { destination[p * mr + ii] = source[p] }
                    } else {
                        for p in 0..<kc { destination[p * mr + ii] = 0 }
                    }
                }
            } else {
                for p in 0..<kc {
                    let source = a + (columnStart + p) * lda + rowStart + i0
                    let column = destination + p * mr
                    for ii in 0..<height { column[ii] = source[ii] }
                    for ii in height..<mr { column[ii] = 0 }
                }
            }
        }
    }

    /// A block of `op(A)` as `blockKernel` reads it for `strips` strips of B: packed into
    /// `buffer` (see `packA`), or for the C kernels in place (`lda`), with no copy. Rows in
    /// place read as fast as packed strips. A transposed A is read in place only for one or
    /// two strips (a product with a narrow output, as the lesson's last layer): read again
    /// for every strip, its values of one depth a row of A apart, it is slower than a packed
    /// copy once there are more (the 512-wide products of the lesson's weight gradients).
    static func blockOfA(_ p: Operands, kernel: MicroKernel, rowStart: Int, mc: Int, columnStart: Int, kc: Int, strips: Int,
                         buffer: UnsafeMutablePointer<Float>) -> BlockOfA {
        if kernel != .swift && !p.transposeA {
            return BlockOfA(base: p.a + rowStart * p.lda + columnStart, lda: p.lda)
        }
        if kernel != .swift && strips <= 2 {
            return BlockOfA(base: p.a + columnStart * p.lda + rowStart, lda: p.lda, transposed: true)
        }
        packA(transposed: p.transposeA, a: p.a, lda: p.lda, rowStart: rowStart, mc: mc, columnStart: columnStart, kc: kc,
              into: buffer)
        return BlockOfA(base: UnsafePointer(buffer), lda: 0)
    }

    /// A block of `op(A)`: packed strips (`lda` 0), or in place, `lda` apart: rows, or with
    /// `transposed` the stored rows are its columns.
    struct BlockOfA {
        let base: UnsafePointer<Float>
        let lda: Int
        var transposed = false
    }

    /// Whether the kernel reads B's whole strips in place (see `stripsToPack`): the AVX-512
    /// one, B stored as it is, its rows not a multiple of 4 KB apart. Measured against packed
    /// strips (`PortableGEMM.sgemm` alone, 2 threads, Zen 4): the AVX-512 tiles, whose rows of
    /// 32 values fill two cache lines, gain 10-20% at 32 and 128 rows and lose nothing at 1000;
    /// the AVX2 tiles (one line per row) lose 5-10% at 1000 rows and gain nothing at 128, so
    /// they pack. Rows a multiple of 4 KB apart fall in too few of the caches' sets (all in
    /// one L1 set; at 8 KB, 16 sets of a 1 MB, 8-way L2) and are read from farther at every
    /// pass: 15-25% slower than packed at widths 2048 and 4096, no faster at 1024.
    static func readsBInPlace(_ p: Operands, kernel: MicroKernel) -> Bool {
        kernel == .avx512 && !p.transposeB && (p.ldb * MemoryLayout<Float>.size) % 4096 != 0
    }

    /// The strips of B among `strips` that `blockKernel` reads packed: all of them unless
    /// `readsBInPlace`, and then only one cut by B's last column (the others are read in
    /// place, with no copy: their rows of `nr` values are contiguous, `ldb` apart).
    static func stripsToPack(_ p: Operands, kernel: MicroKernel, strips: Range<Int>) -> Range<Int> {
        guard readsBInPlace(p, kernel: kernel) else { return strips }
        let last = p.n / kernel.nr
        return p.n % kernel.nr != 0 && strips.contains(last) ? last..<(last + 1) : strips.upperBound..<strips.upperBound
    }

    /// B's block of depth from `rowStart` as `blockKernel` reads it: packed strips at
    /// `packed`, `stripStride` apart, and where `readsBInPlace`, the whole strips in place
    /// (see `stripsToPack`).
    static func blockOfB(_ p: Operands, kernel: MicroKernel, rowStart: Int, packed: UnsafeMutablePointer<Float>,
                         stripStride: Int) -> BlockOfB {
        let inPlace = readsBInPlace(p, kernel: kernel)
        return BlockOfB(base: p.b + (inPlace ? rowStart * p.ldb : 0), ldb: inPlace ? p.ldb : 0, packed: UnsafePointer(packed),
                        stripStride: stripStride)
    }

    /// A block of `op(B)`: its whole strips in place (`ldb` > 0, row p of strip s at
    /// base + p * ldb + s * nr), the rest packed (strip s at packed + s * stripStride).
    struct BlockOfB {
        let base: UnsafePointer<Float>
        let ldb: Int
        let packed: UnsafePointer<Float>
        let stripStride: Int
    }

    /// C[0..<mc, columns of `strips`] = alpha * A * B + beta * C, tile by tile. The C kernels
    /// run the whole block and add each tile to C from its registers, with the same operations
    /// as the Swift loop below; only they read A and B in place.
    static func blockKernel(_ kernel: MicroKernel, mc: Int, n: Int, strips: Range<Int>, kc: Int, a: BlockOfA, b: BlockOfB,
                            alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let (mr, nr) = (Self.mr, kernel.nr)
        switch kernel {
        case .avx2:
            perceptron_gemm_block_avx2(mc, n, strips.lowerBound, strips.upperBound, kc, a.base, a.lda, a.transposed ? 1 : 0,
                                       b.base, b.ldb, b.packed, b.stripStride, alpha, beta, c, ldc)
            return
        case .avx512:
            perceptron_gemm_block_avx512(mc, n, strips.lowerBound, strips.upperBound, kc, a.base, a.lda,
                                         a.transposed ? 1 : 0, b.base, b.ldb, b.packed, b.stripStride, alpha, beta, c, ldc)
            return
        case .swift:
            precondition(a.lda == 0 && b.ldb == 0, "the Swift tile reads packed strips")
        }
        let (packedA, packedB, stride) = (a.base, b.packed, b.stripStride)
        let stripsA = (mc + mr - 1) / mr
        withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { buffer in
            let tile = buffer.baseAddress!
            for js in strips {
                let j0 = js * nr
                let width = min(nr, n - j0)
                let bStrip = packedB + js * stride
                for istrip in 0..<stripsA {
                    let i0 = istrip * mr
                    let height = min(mr, mc - i0)
                    microKernel(kc: kc, a: packedA + istrip * kc * mr, b: bStrip, tile: tile)
                    for ii in 0..<height {
                        let row = c + (i0 + ii) * ldc + j0
                        let accumulated = tile + ii * nr
                        if beta == 0 {
                            for jj in 0..<width { row[jj] = alpha * accumulated[jj] }
                        } else if beta == 1 {
                            for jj in 0..<width { row[jj] += alpha * accumulated[jj] }
                        } else {
                            for jj in 0..<width { row[jj] = alpha * accumulated[jj] + beta * row[jj] }
                        }
                    }
                }
            }
        }
    }

    /// `c[0, :] = alpha * a B + beta * c` for one row `a` (element p at `a[p * stride]`) and
    /// `B: [k, n]`, with no packing: predicting one sample, where packing B (the lesson's 1 MB
    /// second layer) cost more than the product. Sums exactly as row 0 of `blockKernel` does,
    /// block of `kc` rows by block, each column from 0 in order (fused multiply-adds with the
    /// AVX2 and AVX-512 tiles, multiply then add with the Swift one), so results are the same
    /// bits as the packed path's. One thread: handing half of a 20 µs product to a worker
    /// that another process has descheduled costs a whole time slice on a busy machine.
    func multiplyOneRow(n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, stride: Int,
                        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: k + n) { buffer in
            let row = buffer.baseAddress!, acc = row + k
            for p in 0..<k { row[p] = a[p * stride] }
            var p0 = 0
            while p0 < k {
                let kc = min(Self.kc, k - p0)
                if kernel == .swift {
                    for j in 0..<n { acc[j] = 0 }
                    for p in p0..<(p0 + kc) {
                        let x = row[p], source = b + p * ldb
                        for j in 0..<n { acc[j] += source[j] * x }
                    }
                } else {
                    perceptron_gemm_row_avx2(kc, row + p0, b + p0 * ldb, ldb, n, acc)
                }
                let blockBeta = p0 == 0 ? beta : 1
                if blockBeta == 0 {
                    for j in 0..<n { c[j] = alpha * acc[j] }
                } else if blockBeta == 1 {
                    for j in 0..<n { c[j] += alpha * acc[j] }
                } else {
                    for j in 0..<n { c[j] = alpha * acc[j] + blockBeta * c[j] }
                }
                p0 += kc
            }
        }
    }

    /// The Swift 6x8 register tile: `tile[i * 8 ..< i * 8 + 8] = sum over p of a[p * 6 + i] * b[p * 8 ..< p * 8 + 8]`.
    @inline(__always)
    static func microKernel(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, tile: UnsafeMutablePointer<Float>) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>()
        var c3 = SIMD8<Float>(), c4 = SIMD8<Float>(), c5 = SIMD8<Float>()
        let rawB = UnsafeRawPointer(b)
        var pa = a
        for p in 0..<kc {
            let row = rawB.loadUnaligned(fromByteOffset: p * 32, as: SIMD8<Float>.self)
            c0 += row * pa[0]
            c1 += row * pa[1]
            c2 += row * pa[2]
            c3 += row * pa[3]
            c4 += row * pa[4]
            c5 += row * pa[5]
            pa += 6
        }
        let out = UnsafeMutableRawPointer(tile)
        for (i, row) in [c0, c1, c2, c3, c4, c5].enumerated() {
            out.storeBytes(of: row, toByteOffset: i * 32, as: SIMD8<Float>.self)
        }
    }
}
