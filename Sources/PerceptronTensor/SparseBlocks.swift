// Products with a mostly-zero left matrix. MNIST's pixels are about 81% zeros, so a dense
// layer on them spends four multiply-adds in five on zeros. The matrix is cut into blocks of a
// few rows (6 on AVX2, 4 on AVX-512), and each block keeps only the columns where one of its
// rows is non-zero (about 44% of them for 6 MNIST digits, 39% for 4): the product then runs a
// GEMM register tile (6x16 on AVX2, 4x64 on AVX-512) over those columns alone. The first Dense
// layer's forward and kernel gradient take this path (see Dense); the kernels are in C for
// AVX2 and FMA, and AVX-512 (include/CPerceptronSparse.h).

import CPerceptronCPU
import Foundation

/// A `[rows, columns]` matrix as blocks of `height` rows, each with the columns where one of
/// its rows is non-zero and the `height` values there (0 for rows past the end). `-0` counts
/// as zero and NaN as non-zero, so a product over the entries carries NaN as the dense one does.
///
/// Needs AVX2 and FMA (`SparseBlocks.isSupported`).
public struct SparseBlocks: Sendable {
    /// Rows of the matrix held (of x, or of xᵀ for `transposed`).
    public private(set) var rows = 0
    /// Columns of the matrix held.
    public private(set) var columns = 0
    /// Rows per block: `SparseBlocks.preferredHeight` unless `assign` was told otherwise.
    public private(set) var height = 6
    /// Entries per block (each is one column of the block, with its `height` values).
    public private(set) var counts: [Int32] = []
    private var index: [Int32] = []
    private var values: [Float] = []
    private var masks: [UInt64] = []
    /// The `[rows, columns]` of the input whose masks `masks` holds.
    private var maskShape = (-1, -1)

    /// An empty matrix (0 x 0); `assign` fills it.
    public init() {}

    /// Whether this CPU runs the kernels (AVX2 and FMA).
    public static var isSupported: Bool { VectorUnit.available.contains(.avx2) }

    /// Blocks of `height` rows.
    public var blockCount: Int { (rows + height - 1) / height }

    /// The block height the products run fastest with on this CPU: 4 rows on AVX-512, whose
    /// 4 x 64 tile fills 16 of its 32 registers and keeps fewer columns per block (39% of
    /// MNIST's pixel columns for 4 digits against 44% for 6), and 6 on AVX2, whose 6 x 16 tile
    /// needs all 16 registers to feed its multiply-adds.
    public static var preferredHeight: Int { VectorUnit.widest == .avx512 ? 4 : 6 }

    /// The heights `multiply` runs on `unit`: AVX2's kernel has a 6-row tile, AVX-512's 4 and 6.
    public static func supportedHeights(on unit: VectorUnit) -> [Int] { unit == .avx512 ? [4, 6] : [6] }

    /// Every (vector unit, block height) `multiply` runs on this CPU: AVX2's 6-row tile, and
    /// AVX-512's 4- and 6-row ones where the CPU has it.
    public static var kernels: [(unit: VectorUnit, height: Int)] {
        VectorUnit.available.filter { $0 != .baseline }.flatMap { unit in supportedHeights(on: unit).map { (unit, $0) } }
    }

    /// The fraction of (block, column) pairs kept: the share of a dense product's work that
    /// the sparse product does.
    public var keptFraction: Double {
        blockCount * columns == 0 ? 0 : Double(counts.reduce(0) { $0 + Int($1) }) / Double(blockCount * columns)
    }

    /// Builds the blocks of `height` rows of the dense row-major `[rows, columns]` buffer `x`,
    /// or of its transpose (`[columns, rows]`, blocks of `height` of x's columns) when
    /// `transposed`, reusing this value's storage.
    ///
    /// `sameInput`: the previous `assign` was given this very buffer, unchanged since, with the
    /// same `rows` and `columns` (a Dense layer's kernel gradient after its forward), so its
    /// non-zero masks are reused instead of read again from `x`.
    public mutating func assign(_ x: UnsafePointer<Float>, rows xRows: Int, columns xColumns: Int, transposed: Bool = false,
                                height: Int = SparseBlocks.preferredHeight, sameInput: Bool = false) {
        precondition(Self.isSupported, "SparseBlocks needs AVX2 and FMA")
        precondition((1...8).contains(height), "SparseBlocks holds blocks of 1 to 8 rows, got \(height)")
        let (size, overflow) = xRows.multipliedReportingOverflow(by: xColumns)
        precondition(xRows >= 0 && xColumns >= 0 && !overflow && size <= Int(Int32.max),
                     "SparseBlocks holds at most \(Int32.max) values, got \(xRows) x \(xColumns)")
        rows = transposed ? xColumns : xRows
        columns = transposed ? xRows : xColumns
        self.height = height
        let blocks = blockCount
        let capacity = columns
        let words = (xColumns + 63) / 64
        if masks.count < xRows * words { masks = [UInt64](repeating: 0, count: xRows * words) }
        if counts.count != blocks { counts = [Int32](repeating: 0, count: blocks) }
        if index.count < blocks * capacity { index = [Int32](repeating: 0, count: blocks * capacity) }
        if values.count < blocks * capacity * height { values = [Float](repeating: 0, count: blocks * capacity * height) }
        precondition(!sameInput || maskShape == (xRows, xColumns),
                     "SparseBlocks.assign(sameInput:) needs the previous input's shape \(maskShape), got \((xRows, xColumns))")
        if !sameInput {
            masks.withUnsafeMutableBufferPointer { masks in
                let shared = UncheckedSendable((x, masks.baseAddress!))
                Parallel.forEachChunk(xRows, costPerItem: xColumns) { range in
                    let (x, masks) = shared.value
                    perceptron_nonzero_masks_avx2(x, range.lowerBound, range.upperBound, xColumns, words, masks)
                }
            }
            maskShape = (xRows, xColumns)
        }
        masks.withUnsafeBufferPointer { masks in
            counts.withUnsafeMutableBufferPointer { counts in
                index.withUnsafeMutableBufferPointer { index in
                    values.withUnsafeMutableBufferPointer { values in
                        let shared = UncheckedSendable((x, masks.baseAddress!, counts.baseAddress!, index.baseAddress!,
                                                        values.baseAddress!))
                        Parallel.forEachChunk(blocks, costPerItem: height * capacity) { range in
                            let (x, masks, counts, index, values) = shared.value
                            if transposed {
                                perceptron_blocks_of_columns_avx2(x, xRows, xColumns, words, masks, height, range.lowerBound,
                                                                  range.upperBound, capacity, counts, index, values)
                            } else {
                                perceptron_blocks_of_rows_avx2(x, xRows, xColumns, words, masks, height, range.lowerBound,
                                                               range.upperBound, capacity, counts, index, values)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `out[r, :] = init + Σ_k m[r, k] * b[k, :]` over the kept entries of this matrix `m`,
    /// where `init` is `out[r, :]` itself when `accumulate` and otherwise `bias` (zeros when
    /// nil); then ReLU (0 where below 0) when `relu`. `b` is `[columns, n]` and `out`
    /// `[rows, n]`, row-major. Fused multiply-adds, in column order within each block.
    ///
    /// The output's panels of columns (16 wide on AVX2, 64 on AVX-512) are split over the
    /// cores; each output is computed the same way whatever the split, so results do not depend
    /// on the thread count, nor on the block height or the vector unit: every output is its
    /// start plus the same products in the same order, one rounding each.
    public func multiply(_ b: UnsafePointer<Float>, n: Int, bias: UnsafePointer<Float>? = nil, accumulate: Bool = false,
                         relu: Bool = false, into out: UnsafeMutablePointer<Float>, vectorUnit: VectorUnit = .widest) {
        precondition(n >= 0, "SparseBlocks.multiply needs n >= 0, got \(n)")
        precondition(Self.supportedHeights(on: vectorUnit).contains(height),
                     "SparseBlocks.multiply on \(vectorUnit) takes blocks of \(Self.supportedHeights(on: vectorUnit)) rows, got \(height)")
        guard rows > 0, n > 0 else { return }
        let (rows, columns, blocks, height) = (rows, columns, blockCount, height)
        let wide = vectorUnit == .avx512
        let panelWidth = wide ? 64 : 16
        let panels = (n + panelWidth - 1) / panelWidth
        let kept = counts.reduce(0) { $0 + Int($1) }
        counts.withUnsafeBufferPointer { counts in
            index.withUnsafeBufferPointer { index in
                values.withUnsafeBufferPointer { values in
                    let shared = UncheckedSendable((counts.baseAddress!, index.baseAddress!, values.baseAddress!, b, bias, out))
                    Parallel.forEachChunk(panels, costPerItem: (kept + blocks) * height * panelWidth) { range in
                        let (counts, index, values, b, bias, out) = shared.value
                        // The panel being worked on, copied out of b (see sparse.c).
                        let pack = UnsafeMutableRawPointer.allocate(byteCount: max(columns, 1) * panelWidth * 4, alignment: 64)
                        defer { pack.deallocate() }
                        let packed = pack.assumingMemoryBound(to: Float.self)
                        if wide {
                            perceptron_blocks_multiply_avx512(height, blocks, rows, columns, counts, index, values, b,
                                                              columns, n, range.lowerBound, range.upperBound, bias,
                                                              accumulate ? 1 : 0, relu ? 1 : 0, packed, out)
                        } else {
                            perceptron_blocks_multiply_avx2(blocks, rows, columns, counts, index, values, b, columns, n,
                                                            range.lowerBound, range.upperBound, bias, accumulate ? 1 : 0,
                                                            relu ? 1 : 0, packed, out)
                        }
                    }
                }
            }
        }
    }

    /// `out[r, :] = bias + Σ_k x[r, k] * b[k, :]` over the non-zero `x[r, k]` of each of a few
    /// rows (predicting one image), then ReLU when `relu`: reads only the rows of `b` that a
    /// non-zero entry needs, with no blocks to build. `x` is `[rows, columns]`, `b`
    /// `[columns, n]`, `out` `[rows, n]`; one thread. On AVX-512 (`vectorUnit`) the same sums
    /// run over wider slices of `b`'s rows, bit for bit the AVX2 kernel's.
    public static func multiplyFewRows(_ x: UnsafePointer<Float>, rows: Int, columns: Int, b: UnsafePointer<Float>, n: Int,
                                       bias: UnsafePointer<Float>?, relu: Bool, into out: UnsafeMutablePointer<Float>,
                                       vectorUnit: VectorUnit = .widest) {
        precondition(isSupported, "SparseBlocks needs AVX2 and FMA")
        precondition(rows >= 0 && columns >= 0 && n >= 0 && columns <= Int(Int32.max), "bad shape \(rows) x \(columns) x \(n)")
        guard rows > 0, n > 0 else { return }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(columns, 1)) { scratch in
            if vectorUnit == .avx512 {
                perceptron_sparse_rows_direct_avx512(x, rows, columns, b, n, bias, relu ? 1 : 0, scratch.baseAddress!, out)
            } else {
                perceptron_sparse_rows_direct_avx2(x, rows, columns, b, n, bias, relu ? 1 : 0, scratch.baseAddress!, out)
            }
        }
    }

    /// The fraction of (block, column) pairs a product with the dense `[rows, columns]` buffer
    /// `x` would keep, from its first blocks (up to 5): a cheap look before building them all.
    public static func sampledKeptFraction(_ x: UnsafePointer<Float>, rows: Int, columns: Int, sampleBlocks: Int = 5) -> Double {
        let blocks = min((rows + 5) / 6, sampleBlocks)
        guard blocks > 0, columns > 0 else { return 0 }
        var kept = 0
        if isSupported {
            // The rows' non-zero masks (the kernel that builds the blocks), OR-ed over each block.
            let (sampled, words) = (min(rows, blocks * 6), (columns + 63) / 64)
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: sampled * words) { masks in
                perceptron_nonzero_masks_avx2(x, 0, sampled, columns, words, masks.baseAddress!)
                for block in 0..<blocks {
                    for w in 0..<words {
                        var any: UInt64 = 0
                        for r in (block * 6)..<min(block * 6 + 6, sampled) { any |= masks[r * words + w] }
                        kept += any.nonzeroBitCount
                    }
                }
            }
            return Double(kept) / Double(blocks * columns)
        }
        for block in 0..<blocks {
            let r0 = block * 6
            for j in 0..<columns {
                for r in r0..<min(r0 + 6, rows) where x[r * columns + j] != 0 {
                    kept += 1
                    break
                }
            }
        }
        return Double(kept) / Double(blocks * columns)
    }
}

/// When Dense layers take the sparse path: `PERCEPTRON_SPARSE=auto` (the default) or `off`.
public enum SparseProducts {
    /// Inputs whose sampled blocks keep at most this fraction of their columns go the sparse
    /// way. On one core the sparse tile did about 70% of OpenBLAS's multiply-adds per second
    /// (it loads through an index), and building the blocks costs 5-10% more: at 0.6 the two
    /// are about level. MNIST's pixels keep about 0.43.
    public static let keptFractionThreshold = 0.6

    /// Whether sparse products are on: `PERCEPTRON_SPARSE` does not turn them off, and AVX2 is
    /// this CPU's widest vector unit in effect: AVX2 itself, or AVX-512 run on 256-bit units
    /// (Zen 4, which runs the 16-lane 4x64 tile). Elsewhere the dense product stays: without
    /// AVX2 there is no sparse kernel, and on full-width AVX-512 CPUs the BLAS's 16-lane
    /// kernels did about twice the multiply-adds per cycle of the 8-lane tile the path had
    /// then; whether the 16-lane tile now pays there has not been measured.
    public static let enabled: Bool = setting.enabled
        && (VectorUnit.widest == .avx2 || (VectorUnit.widest == .avx512 && VectorUnit.avx512IsHalfWidth))

    /// What `PERCEPTRON_SPARSE` asked for and could not be honoured, if anything.
    public static var configurationProblem: String? { setting.problem }

    private static let setting = parse(ProcessInfo.processInfo.environment["PERCEPTRON_SPARSE"])

    static func parse(_ requested: String?) -> (enabled: Bool, problem: String?) {
        switch requested?.lowercased() ?? "" {
        case "", "auto": return (true, nil)
        case "off": return (false, nil)
        case let other: return (true, "PERCEPTRON_SPARSE=\(other) is not a setting; use auto or off")
        }
    }

    /// Fewer rows than this stay dense: the product copies every panel of the right-hand
    /// matrix once per call (the whole of it), which pays only when several blocks reuse it.
    /// One image to predict took 163 µs the sparse way against 37-60 µs as a matrix-vector
    /// product. On one Zen 3 core, MNIST's first layer (x W and xᵀ dz, blocks built included)
    /// took 240 and 241 µs at 32 rows against OpenBLAS's 347 and 337, 166 and 168 against 225
    /// and 196 at 16 rows, and 176 and 141 against 149 and 143 at 8 (best of 400 each).
    public static let minimumRows = 32

    /// Inference on at most this many rows with mostly-zero inputs reads only the weight rows
    /// their non-zero entries need (`SparseBlocks.multiplyFewRows`).
    public static let fewRowsMaximum = 8

    /// Whether an inference product with the dense `[rows, columns]` left matrix `x`, of at
    /// most `fewRowsMaximum` rows, should skip its zero entries: sparse products are enabled
    /// and at most half of its entries are non-zero, or three quarters for a single row.
    public static func payForFewRows(_ x: UnsafePointer<Float>, rows: Int, columns: Int) -> Bool {
        guard enabled, rows >= 1, rows <= fewRowsMaximum, columns >= 16 else { return false }
        let count = perceptron_count_nonzero_avx2(x, rows * columns)
        // One row reads a weight row per non-zero entry either way, so skipping a quarter of
        // them already pays: a hidden layer's ReLU outputs (59-72% non-zero) qualify.
        if rows == 1 { return 4 * count <= 3 * columns }
        return 2 * count <= rows * columns
    }

    /// Whether a product with the dense `[rows, columns]` left matrix `x` should go the sparse
    /// way: sparse products are enabled, there are enough rows, and its first blocks keep few
    /// enough columns.
    public static func pay(_ x: UnsafePointer<Float>, rows: Int, columns: Int) -> Bool {
        guard enabled, rows >= minimumRows, columns >= 16 else { return false }
        let (size, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, size <= Int(Int32.max) else { return false }
        return SparseBlocks.sampledKeptFraction(x, rows: rows, columns: columns) <= keptFractionThreshold
    }
}
