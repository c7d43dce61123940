// The block-sparse product against the plain reference GEMM, at shapes with partial blocks,
// partial panels and masks that straddle 64-bit words; and what the blocks keep.

import CPerceptronCPU
import Foundation
import Testing
@testable import PerceptronTensor

@Suite(.enabled(if: SparseBlocks.isSupported, "the sparse kernels need AVX2 and FMA"))
struct SparseBlocksTests {
    /// `[rows, columns]` values in [-1, 1), each zero with probability `1 - density`.
    static func sparseValues(rows: Int, columns: Int, density: Double, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(rows * columns)).map { _ in
            generator.nextDouble() < density ? generator.nextFloat(in: -1..<1) : 0
        }
    }

    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextFloat(in: -1..<1) }
    }

    /// `x` (or its transpose) times `b`, in Double, plus `initial`.
    static func reference(_ x: [Float], rows: Int, columns: Int, transposed: Bool, b: [Float], n: Int,
                          initial: (Int, Int) -> Double) -> [Double] {
        let (m, k) = transposed ? (columns, rows) : (rows, columns)
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = initial(i, j)
                for q in 0..<k {
                    let value = transposed ? x[q * columns + i] : x[i * columns + q]
                    sum += Double(value) * Double(b[q * n + j])
                }
                out[i * n + j] = sum
            }
        }
        return out
    }

    static var kernels: [(unit: VectorUnit, height: Int)] { SparseBlocks.kernels }

    @Test(arguments: [(1, 1, 1), (6, 16, 16), (7, 65, 17), (13, 130, 10), (100, 784, 512), (61, 200, 48), (9, 70, 130)])
    func multiplyMatchesTheReference(rows: Int, columns: Int, n: Int) {
        for density in [0.0, 0.2, 1.0] {
            let x = Self.sparseValues(rows: rows, columns: columns, density: density, seed: UInt64(rows * 31 + columns))
            let b = Self.values(columns * n, seed: 2)
            let bias = Self.values(n, seed: 3)
            let expected = Self.reference(x, rows: rows, columns: columns, transposed: false, b: b, n: n) { _, j in Double(bias[j]) }
            for (unit, height) in Self.kernels {
                var blocks = SparseBlocks()
                blocks.assign(x, rows: rows, columns: columns, height: height)
                for relu in [false, true] {
                    var out = [Float](repeating: .nan, count: rows * n)
                    bias.withUnsafeBufferPointer { bias in
                        blocks.multiply(b, n: n, bias: bias.baseAddress!, relu: relu, into: &out, vectorUnit: unit)
                    }
                    for i in 0..<(rows * n) {
                        let want = relu ? max(0, expected[i]) : expected[i]
                        guard abs(Double(out[i]) - want) <= 1e-5 * Double(columns) else {
                            Issue.record("""
                                out[\(i)] = \(out[i]), expected \(want) (\(rows)x\(columns) n \(n), density \(density), \
                                relu \(relu), \(unit) height \(height))
                                """)
                            return
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: [(1, 1, 1), (7, 65, 17), (13, 130, 10), (1000, 784, 64), (200, 61, 33), (50, 63, 100)])
    func transposedProductAccumulates(rows: Int, columns: Int, n: Int) {
        let x = Self.sparseValues(rows: rows, columns: columns, density: 0.2, seed: UInt64(rows + columns))
        let dz = Self.values(rows * n, seed: 5)
        let start = Self.values(columns * n, seed: 6)
        let expected = Self.reference(x, rows: rows, columns: columns, transposed: true, b: dz, n: n) { i, j in Double(start[i * n + j]) }
        for (unit, height) in Self.kernels {
            var blocks = SparseBlocks()
            blocks.assign(x, rows: rows, columns: columns, transposed: true, height: height)
            #expect(blocks.rows == columns && blocks.columns == rows)
            var out = start
            blocks.multiply(dz, n: n, accumulate: true, into: &out, vectorUnit: unit)
            for i in 0..<(columns * n) {
                guard abs(Double(out[i]) - expected[i]) <= 1e-5 * Double(rows) else {
                    Issue.record("dW[\(i)] = \(out[i]), expected \(expected[i]) (\(rows)x\(columns) n \(n), \(unit) height \(height))")
                    return
                }
            }
        }
    }

    /// Each output is its start plus the same products in the same order, one rounding each,
    /// whatever the block height, the tile or the vector unit: every kernel gives the same bits,
    /// forward (bias, ReLU, none) and kernel gradient (accumulating), with partial blocks and
    /// partial panels of both widths.
    @Test(arguments: [(61, 200, 48), (100, 784, 512), (1000, 784, 130), (9, 70, 17)])
    func everyKernelAndHeightGiveTheSameBits(rows: Int, columns: Int, n: Int) {
        let x = Self.sparseValues(rows: rows, columns: columns, density: 0.25, seed: UInt64(rows * 3 + n))
        let w = Self.values(columns * n, seed: 41), bias = Self.values(n, seed: 42)
        let dz = Self.values(rows * n, seed: 43), start = Self.values(columns * n, seed: 44)
        func forward(_ unit: VectorUnit, _ height: Int, bias withBias: Bool, relu: Bool) -> [Float] {
            var blocks = SparseBlocks()
            blocks.assign(x, rows: rows, columns: columns, height: height)
            var out = [Float](repeating: .nan, count: rows * n)
            bias.withUnsafeBufferPointer { bias in
                blocks.multiply(w, n: n, bias: withBias ? bias.baseAddress! : nil, relu: relu, into: &out, vectorUnit: unit)
            }
            return out
        }
        func gradient(_ unit: VectorUnit, _ height: Int) -> [Float] {
            var blocks = SparseBlocks()
            blocks.assign(x, rows: rows, columns: columns, transposed: true, height: height)
            var out = start
            blocks.multiply(dz, n: n, accumulate: true, into: &out, vectorUnit: unit)
            return out
        }
        let kernels = Self.kernels
        #expect(kernels.count == (VectorUnit.available.contains(.avx512) ? 3 : 1))
        let (firstUnit, firstHeight) = kernels[0]
        for (withBias, relu) in [(true, true), (true, false), (false, false)] {
            let expected = forward(firstUnit, firstHeight, bias: withBias, relu: relu)
            for (unit, height) in kernels.dropFirst() {
                #expect(forward(unit, height, bias: withBias, relu: relu).elementsEqual(expected) { $0.bitPattern == $1.bitPattern },
                        "forward on \(unit), height \(height), bias \(withBias), relu \(relu)")
            }
        }
        let expected = gradient(firstUnit, firstHeight)
        for (unit, height) in kernels.dropFirst() {
            #expect(gradient(unit, height).elementsEqual(expected) { $0.bitPattern == $1.bitPattern }, "gradient on \(unit), height \(height)")
        }
    }

    /// Blocks of xᵀ built from the masks of the previous `assign` of x (a kernel gradient after
    /// its forward) are the blocks built from x itself, for every height.
    @Test func transposedBlocksFromTheForwardsMasksAreTheSame() {
        let (rows, columns, n) = (130, 70, 40)
        let x = Self.sparseValues(rows: rows, columns: columns, density: 0.2, seed: 71)
        let dz = Self.values(rows * n, seed: 72)
        for height in 1...8 {
            var reused = SparseBlocks(), fresh = SparseBlocks()
            reused.assign(x, rows: rows, columns: columns, height: height)
            reused.assign(x, rows: rows, columns: columns, transposed: true, height: height, sameInput: true)
            fresh.assign(x, rows: rows, columns: columns, transposed: true, height: height)
            #expect(reused.counts == fresh.counts && reused.height == height, "height \(height)")
        }
        for (unit, height) in Self.kernels {
            var reused = SparseBlocks(), fresh = SparseBlocks()
            reused.assign(x, rows: rows, columns: columns, height: height)
            reused.assign(x, rows: rows, columns: columns, transposed: true, height: height, sameInput: true)
            fresh.assign(x, rows: rows, columns: columns, transposed: true, height: height)
            var a = [Float](repeating: 0, count: columns * n), b = a
            reused.multiply(dz, n: n, into: &a, vectorUnit: unit)
            fresh.multiply(dz, n: n, into: &b, vectorUnit: unit)
            #expect(a == b, "\(unit) height \(height)")
        }
    }

    @Test func kernelsRefuseHeightsTheyHaveNoTileFor() {
        #expect(SparseBlocks.supportedHeights(on: .avx2) == [6])
        #expect(SparseBlocks.supportedHeights(on: .avx512) == [4, 6])
        #expect(SparseBlocks.supportedHeights(on: .avx2).contains(SparseBlocks.preferredHeight) || VectorUnit.widest == .avx512)
    }

    @Test func blocksKeepExactlyTheColumnsWhereARowIsNonZero() {
        // 8 rows: blocks {0...5} and {6, 7}; 70 columns, so the masks use two words.
        let rows = 8, columns = 70
        var x = [Float](repeating: 0, count: rows * columns)
        x[0 * columns + 3] = 1          // block 0, column 3
        x[5 * columns + 3] = 2          // same column, same block: kept once
        x[2 * columns + 64] = -0.0      // -0 is zero
        x[4 * columns + 69] = .nan      // NaN is not
        x[7 * columns + 63] = 0.5       // block 1, the last column of the first word
        var blocks = SparseBlocks()
        x.withUnsafeBufferPointer { blocks.assign($0.baseAddress!, rows: rows, columns: columns, height: 6) }
        #expect(blocks.counts == [2, 1])
        #expect(blocks.keptFraction == 3.0 / 140.0)
        x.withUnsafeBufferPointer {
            #expect(SparseBlocks.sampledKeptFraction($0.baseAddress!, rows: rows, columns: columns) == 3.0 / 140.0)
            #expect(SparseBlocks.sampledKeptFraction($0.baseAddress!, rows: rows, columns: columns, sampleBlocks: 1) == 2.0 / 70.0)
        }
        // Blocks of 6 columns of x: columns 0...5 (row 0 and 5, at column 3), 60...65 (row 7 at
        // 63; the -0 at 64 does not count), 66...69 (row 4's NaN at 69).
        x.withUnsafeBufferPointer { blocks.assign($0.baseAddress!, rows: rows, columns: columns, transposed: true, height: 6) }
        #expect(blocks.counts == [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
        // Blocks of 4 rows: {0...3} (row 0 at 3; the -0 at 64 does not count), {4...7} (3 from
        // row 5, 63 from row 7, 69 from row 4's NaN); of 4 columns of x: 0...3 (rows 0, 5),
        // 60...63 (row 7), 68...69 (row 4).
        x.withUnsafeBufferPointer { blocks.assign($0.baseAddress!, rows: rows, columns: columns, height: 4) }
        #expect(blocks.counts == [1, 3] && blocks.height == 4 && blocks.blockCount == 2)
        x.withUnsafeBufferPointer { blocks.assign($0.baseAddress!, rows: rows, columns: columns, transposed: true, height: 4) }
        #expect(blocks.counts == [2] + [Int32](repeating: 0, count: 14) + [1, 0, 1])
        // A NaN input reaches every output of its row, as in the dense product.
        x.withUnsafeBufferPointer { blocks.assign($0.baseAddress!, rows: rows, columns: columns) }
        let b = Self.values(columns * 16, seed: 9)
        var out = [Float](repeating: 0, count: rows * 16)
        b.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { blocks.multiply(b.baseAddress!, n: 16, into: $0.baseAddress!) } }
        #expect((0..<16).allSatisfy { out[4 * 16 + $0].isNaN })
        #expect((0..<16).allSatisfy { !out[3 * 16 + $0].isNaN })
    }

    @Test func eachPanelIsComputedTheSameWhateverTheSplit() {
        let rows = 50, columns = 100, n = 80
        let x = Self.sparseValues(rows: rows, columns: columns, density: 0.3, seed: 12)
        let b = Self.values(columns * n, seed: 13)
        var blocks = SparseBlocks()
        x.withUnsafeBufferPointer { blocks.assign($0.baseAddress!, rows: rows, columns: columns, height: 6) }
        var whole = [Float](repeating: 0, count: rows * n)
        b.withUnsafeBufferPointer { b in
            whole.withUnsafeMutableBufferPointer { blocks.multiply(b.baseAddress!, n: n, into: $0.baseAddress!, vectorUnit: .avx2) }
        }
        // The same product one panel at a time, through the C entry point.
        var masks = [UInt64](repeating: 0, count: rows * 2)
        var counts = [Int32](repeating: 0, count: 9), index = [Int32](repeating: 0, count: 9 * columns)
        var values = [Float](repeating: 0, count: 9 * columns * 6), pack = [Float](repeating: 0, count: columns * 16 + 8)
        var split = [Float](repeating: 0, count: rows * n)
        x.withUnsafeBufferPointer { x in
            perceptron_nonzero_masks_avx2(x.baseAddress!, 0, rows, columns, 2, &masks)
            perceptron_blocks_of_rows_avx2(x.baseAddress!, rows, columns, 2, masks, 6, 0, 9, columns, &counts, &index, &values)
        }
        #expect(counts == blocks.counts)
        for panel in (0..<5).reversed() {
            pack.withUnsafeMutableBufferPointer { pack in
                // 32-byte aligned within the array.
                let offset = (32 - Int(bitPattern: pack.baseAddress!) % 32) % 32 / 4
                perceptron_blocks_multiply_avx2(9, rows, columns, counts, index, values, b, columns, n, panel, panel + 1,
                                                nil, 0, 0, pack.baseAddress! + offset, &split)
            }
        }
        #expect(split == whole)
    }

    @Test(.enabled(if: VectorUnit.available.contains(.avx512), "no AVX-512 here"))
    func eachWidePanelIsComputedTheSameWhateverTheSplit() {
        let rows = 50, columns = 100, n = 150, height = 4, blockCount = 13
        let x = Self.sparseValues(rows: rows, columns: columns, density: 0.3, seed: 14)
        let b = Self.values(columns * n, seed: 15)
        var blocks = SparseBlocks()
        x.withUnsafeBufferPointer { blocks.assign($0.baseAddress!, rows: rows, columns: columns, height: height) }
        var whole = [Float](repeating: 0, count: rows * n)
        blocks.multiply(b, n: n, relu: true, into: &whole, vectorUnit: .avx512)
        // The same product one 64-column panel at a time (the last one 22 wide), last first.
        var masks = [UInt64](repeating: 0, count: rows * 2)
        var counts = [Int32](repeating: 0, count: blockCount), index = [Int32](repeating: 0, count: blockCount * columns)
        var values = [Float](repeating: 0, count: blockCount * columns * height)
        var split = [Float](repeating: 0, count: rows * n)
        x.withUnsafeBufferPointer { x in
            perceptron_nonzero_masks_avx2(x.baseAddress!, 0, rows, columns, 2, &masks)
            perceptron_blocks_of_rows_avx2(x.baseAddress!, rows, columns, 2, masks, height, 0, blockCount, columns, &counts,
                                           &index, &values)
        }
        #expect(counts == blocks.counts)
        let pack = UnsafeMutablePointer<Float>.allocate(capacity: columns * 64 + 16)
        defer { pack.deallocate() }
        let aligned = pack + (64 - Int(bitPattern: pack) % 64) % 64 / 4
        for panel in (0..<3).reversed() {
            perceptron_blocks_multiply_avx512(height, blockCount, rows, columns, counts, index, values, b, columns, n,
                                              panel, panel + 1, nil, 0, 1, aligned, &split)
        }
        #expect(split == whole)
    }

    @Test(arguments: [(1, 70, 10), (3, 784, 512), (8, 130, 17), (2, 16, 64)])
    func fewRowsMatchTheReference(rows: Int, columns: Int, n: Int) {
        let x = Self.sparseValues(rows: rows, columns: columns, density: 0.2, seed: UInt64(rows * 7 + n))
        let b = Self.values(columns * n, seed: 21), bias = Self.values(n, seed: 22)
        let expected = Self.reference(x, rows: rows, columns: columns, transposed: false, b: b, n: n) { _, j in Double(bias[j]) }
        for relu in [false, true] {
            var out = [Float](repeating: .nan, count: rows * n + 1)
            out.withUnsafeMutableBufferPointer {
                SparseBlocks.multiplyFewRows(x, rows: rows, columns: columns, b: b, n: n, bias: bias, relu: relu, into: $0.baseAddress!)
            }
            #expect(out[rows * n].isNaN, "wrote past the output")
            for i in 0..<(rows * n) {
                let want = relu ? max(0, expected[i]) : expected[i]
                guard abs(Double(out[i]) - want) <= 1e-5 * Double(columns) else {
                    Issue.record("out[\(i)] = \(out[i]), expected \(want) (\(rows)x\(columns) n \(n), relu \(relu))")
                    return
                }
            }
        }
        // Without bias: the sum alone.
        var plain = [Float](repeating: .nan, count: rows * n)
        plain.withUnsafeMutableBufferPointer {
            SparseBlocks.multiplyFewRows(x, rows: rows, columns: columns, b: b, n: n, bias: nil, relu: false, into: $0.baseAddress!)
        }
        #expect(zip(plain.indices, plain).allSatisfy { i, value in abs(Double(value) - (expected[i] - Double(bias[i % n]))) <= 1e-5 * Double(columns) })
    }

    /// The AVX-512 few-rows kernel gives the AVX2 one's bits: bias, ReLU, no bias, and widths
    /// with every kind of tail (256-, 16- and 8-column slices, single columns).
    @Test(.enabled(if: VectorUnit.available.contains(.avx512), "no AVX-512 here"),
          arguments: [512, 10, 300, 1000, 7])
    func fewRowsOnAVX512MatchAVX2BitForBit(n: Int) {
        let (rows, columns) = (3, 784)
        let x = Self.sparseValues(rows: rows, columns: columns, density: 0.3, seed: 31)
        let b = Self.values(columns * n, seed: 32)
        let bias = Self.values(n, seed: 33)
        for (withBias, relu) in [(true, true), (true, false), (false, true), (false, false)] {
            var wide = [Float](repeating: .nan, count: rows * n), narrow = wide
            bias.withUnsafeBufferPointer { bias in
                let biasPointer = withBias ? bias.baseAddress! : nil
                SparseBlocks.multiplyFewRows(x, rows: rows, columns: columns, b: b, n: n, bias: biasPointer, relu: relu,
                                             into: &wide, vectorUnit: .avx512)
                SparseBlocks.multiplyFewRows(x, rows: rows, columns: columns, b: b, n: n, bias: biasPointer, relu: relu,
                                             into: &narrow, vectorUnit: .avx2)
            }
            #expect(wide.elementsEqual(narrow) { $0.bitPattern == $1.bitPattern }, "n \(n) bias \(withBias) relu \(relu)")
        }
    }

    @Test func fewRowsPayOnlyWhenMostlyZero() {
        let sparse = Self.sparseValues(rows: 1, columns: 784, density: 0.2, seed: 4)
        let dense = Self.values(784, seed: 5)
        #expect(SparseProducts.payForFewRows(sparse, rows: 1, columns: 784) == SparseProducts.enabled)
        #expect(!SparseProducts.payForFewRows(dense, rows: 1, columns: 784))
        let nine = Self.sparseValues(rows: SparseProducts.fewRowsMaximum + 1, columns: 784, density: 0.2, seed: 6)
        #expect(!SparseProducts.payForFewRows(nine, rows: SparseProducts.fewRowsMaximum + 1, columns: 784))
        // One row: up to three quarters non-zero (a hidden layer's ReLU outputs); two rows: half.
        var hidden = [Float](repeating: 1, count: 1024)
        for i in stride(from: 0, to: 1024, by: 4) { hidden[i] = 0 }
        #expect(SparseProducts.payForFewRows(hidden, rows: 1, columns: 512) == SparseProducts.enabled)
        #expect(!SparseProducts.payForFewRows(hidden, rows: 2, columns: 512))
        hidden[0] = 1 // one more non-zero than three quarters
        #expect(!SparseProducts.payForFewRows(hidden, rows: 1, columns: 512))
    }

    @Test func theSparseSettingIsAutoOrOff() {
        #expect(SparseProducts.parse(nil) == (true, nil))
        #expect(SparseProducts.parse("AUTO") == (true, nil))
        #expect(SparseProducts.parse("off") == (false, nil))
        let (enabled, problem) = SparseProducts.parse("yes")
        #expect(enabled && problem == "PERCEPTRON_SPARSE=yes is not a setting; use auto or off")
    }

    @Test func onlyMostlyZeroInputsPay() {
        let sparse = Self.sparseValues(rows: 120, columns: 784, density: 0.05, seed: 1)
        let dense = Self.values(120 * 784, seed: 2)
        sparse.withUnsafeBufferPointer { #expect(SparseProducts.pay($0.baseAddress!, rows: 120, columns: 784) == SparseProducts.enabled) }
        dense.withUnsafeBufferPointer { #expect(!SparseProducts.pay($0.baseAddress!, rows: 120, columns: 784)) }
        // Too narrow, or too few rows, to pay for the blocks.
        sparse.withUnsafeBufferPointer { #expect(!SparseProducts.pay($0.baseAddress!, rows: 60 * 98, columns: 8)) }
        sparse.withUnsafeBufferPointer { #expect(!SparseProducts.pay($0.baseAddress!, rows: SparseProducts.minimumRows - 1, columns: 784)) }
        let tall = Self.sparseValues(rows: SparseProducts.minimumRows, columns: 784, density: 0.05, seed: 3)
        tall.withUnsafeBufferPointer { #expect(SparseProducts.pay($0.baseAddress!, rows: SparseProducts.minimumRows, columns: 784) == SparseProducts.enabled) }
        tall.withUnsafeBufferPointer { #expect(!SparseProducts.pay($0.baseAddress!, rows: 1, columns: 784)) }
    }
}
