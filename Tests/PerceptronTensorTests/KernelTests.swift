// Tests of the row-wise kernels against plain loops (on shapes small enough to run inline and
// large enough to be split over threads), and of Parallel.forEachChunk's work splitting.

import Foundation
import Testing
@testable import PerceptronTensor

/// `count` values in [low, high) from a fixed seed.
private func randomValues(_ count: Int, seed: UInt64, in range: Range<Float> = -2..<2) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.nextFloat(in: range) }
}

@Suite struct KernelTests {
    /// (rows, columns): single values, odd sizes, and 300 x 257 (77,100 values), which is
    /// over the 65,536 at which the kernels split rows across threads.
    static let shapes = [(1, 1), (1, 7), (7, 1), (33, 17), (300, 257)]

    @Test(arguments: shapes)
    func addBiasReLUMatchesAPlainLoop(rows: Int, columns: Int) {
        let input = randomValues(rows * columns, seed: 1)
        let bias = randomValues(columns, seed: 2)
        var y = input
        y.withUnsafeMutableBufferPointer { Kernels.addBiasReLU($0.baseAddress!, rows: rows, columns: columns, bias: bias) }
        var expected = input
        for i in 0..<rows { for j in 0..<columns { expected[i * columns + j] = max(0, input[i * columns + j] + bias[j]) } }
        #expect(y == expected)
        #expect(y.contains(0) && y.contains { $0 > 0 } || rows * columns < 8)
    }

    @Test(arguments: shapes)
    func addBiasMatchesAPlainLoop(rows: Int, columns: Int) {
        let input = randomValues(rows * columns, seed: 3)
        let bias = randomValues(columns, seed: 4)
        var y = input
        y.withUnsafeMutableBufferPointer { Kernels.addBias($0.baseAddress!, rows: rows, columns: columns, bias: bias) }
        var expected = input
        for i in 0..<rows { for j in 0..<columns { expected[i * columns + j] += bias[j] } }
        #expect(y == expected)
    }

    @Test(arguments: [1, 7, 33, 70_001])
    func reluBackwardZeroesWhereTheOutputIsNotPositive(count: Int) {
        // Outputs of a ReLU: zero about half the time, as after max(0, x).
        let output = randomValues(count, seed: 5).map { max(0, $0) }
        let gradient = randomValues(count, seed: 6)
        var result = gradient
        result.withUnsafeMutableBufferPointer { Kernels.reluBackward($0.baseAddress!, output: output, count: count) }
        let expected = (0..<count).map { output[$0] > 0 ? gradient[$0] : 0 }
        #expect(result == expected)
    }

    @Test func reluBackwardTreatsNegativeOutputsAsInactive() {
        var gradient: [Float] = [1, 2, 3, 4]
        let output: [Float] = [-1, 0, 0.5, -0.0]
        gradient.withUnsafeMutableBufferPointer { Kernels.reluBackward($0.baseAddress!, output: output, count: 4) }
        #expect(gradient == [0, 0, 3, 0])
    }

    @Test(arguments: shapes)
    func softmaxRowsMatchesADoubleLoop(rows: Int, columns: Int) {
        let input = randomValues(rows * columns, seed: 7, in: -10..<10)
        var x = input
        x.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: rows, columns: columns) }
        for i in 0..<rows {
            let row = input[i * columns..<(i + 1) * columns].map(Double.init)
            let largest = row.max()!
            let total = row.reduce(0) { $0 + Foundation.exp($1 - largest) }
            var sum: Float = 0
            for j in 0..<columns {
                let expected = Foundation.exp(row[j] - largest) / total
                let value = x[i * columns + j]
                sum += value
                // Float rounding of the row total grows with the row's length.
                let tolerance = 1e-6 * Double(columns).squareRoot() * max(expected, 1e-4)
                #expect(abs(Double(value) - expected) <= tolerance, "row \(i) column \(j)")
            }
            #expect(abs(sum - 1) <= 1e-5 * Float(columns).squareRoot(), "row \(i) sums to \(sum)")
        }
    }

    @Test func softmaxIsStableForLargeInputs() {
        var x: [Float] = [1000, 1000, 999, -1000, -1000, -1001, 88, 89, 0]
        x.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: 3, columns: 3) }
        #expect(x.allSatisfy { $0.isFinite })
        let e = Foundation.exp(-1.0)
        let top = Float(1 / (2 + e)), low = Float(e / (2 + e))
        for row in 0..<2 {
            #expect(abs(x[3 * row] - top) < 1e-6 && abs(x[3 * row + 1] - top) < 1e-6 && abs(x[3 * row + 2] - low) < 1e-6)
        }
        #expect(abs(x[6] - Float(1 / (1 + Foundation.exp(1.0)))) < 1e-6)
        #expect(abs(x[7] - Float(1 / (1 + Foundation.exp(-1.0)))) < 1e-6)
        #expect(x[8] >= 0 && x[8] < 1e-37)
    }

    @Test(arguments: shapes)
    func addColumnSumsAccumulatesIntoExistingSums(rows: Int, columns: Int) {
        let x = randomValues(rows * columns, seed: 8)
        let start = randomValues(columns, seed: 9)
        var sums = start
        sums.withUnsafeMutableBufferPointer { Kernels.addColumnSums(of: x, rows: rows, columns: columns, into: $0.baseAddress!) }
        for j in 0..<columns {
            var expected = Double(start[j])
            var magnitude = abs(expected)
            for i in 0..<rows {
                expected += Double(x[i * columns + j])
                magnitude += abs(Double(x[i * columns + j]))
            }
            #expect(abs(Double(sums[j]) - expected) <= 1e-6 * magnitude, "column \(j)")
        }
    }

    @Test func convertScalesEveryByte() {
        let bytes = (0..<256).map { UInt8($0) } + [255, 0, 128]
        var out = [Float](repeating: -1, count: bytes.count + 1)
        out.withUnsafeMutableBufferPointer { Kernels.convert(bytes, count: bytes.count, scale: 1 / 255, into: $0.baseAddress!) }
        for (index, byte) in bytes.enumerated() { #expect(out[index] == Float(byte) * (1 / 255)) }
        #expect(out[255] == 1 && out[0] == 0)
        #expect(out.last == -1, "convert wrote past count")
    }
}

/// Chunks a `forEachChunk` body was called with, collected across threads.
private final class ChunkLog: @unchecked Sendable {
    private let lock = NSLock()
    private var ranges: [Range<Int>] = []
    private var threads: [pthread_t] = []

    func record(_ range: Range<Int>) {
        lock.withLock {
            ranges.append(range)
            threads.append(pthread_self())
        }
    }

    var sortedRanges: [Range<Int>] { lock.withLock { ranges.sorted { $0.lowerBound < $1.lowerBound } } }
    var callingThreads: [pthread_t] { lock.withLock { threads } }
}

/// Per-caller sums, added to from several threads.
private final class ChunkTotals: @unchecked Sendable {
    private let lock = NSLock()
    private var totals: [Int]
    init(_ count: Int) { totals = [Int](repeating: 0, count: count) }
    func add(_ value: Int, for caller: Int) { lock.withLock { totals[caller] += value } }
    subscript(caller: Int) -> Int { lock.withLock { totals[caller] } }
}

/// Flush modes seen by chunks, collected across threads.
private final class ModeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var modes: [Bool] = []
    func record(_ mode: Bool) { lock.withLock { modes.append(mode) } }
    var all: [Bool] { lock.withLock { modes } }
}

@Suite struct ParallelTests {
    @Test(arguments: [0, 1, 2, 3, 7, 64, 1000, 100_003])
    func chunksCoverEveryIndexExactlyOnce(count: Int) {
        // costPerItem makes the larger counts split over threads.
        let log = ChunkLog()
        var hits = [Int](repeating: 0, count: count)
        hits.withUnsafeMutableBufferPointer { hits in
            Parallel.forEachChunk(count, costPerItem: 100) { range in
                log.record(range)
                for i in range { hits[i] += 1 }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
        let ranges = log.sortedRanges
        #expect(ranges.allSatisfy { !$0.isEmpty })
        var next = 0
        for range in ranges {
            #expect(range.lowerBound == next, "chunks \(ranges) leave a gap or overlap")
            next = range.upperBound
        }
        #expect(next == count)
    }

    @Test func largeWorkIsSplitIntoOneChunkPerThread() {
        let log = ChunkLog()
        Parallel.forEachChunk(10, costPerItem: 1 << 20) { log.record($0) }
        let expected = min(Parallel.threadCount, 10)
        let ranges = log.sortedRanges
        #expect(ranges.count == expected)
        // Boundaries are count * chunk / chunks, so the split is reproducible.
        #expect(ranges.map(\.lowerBound) == (0..<expected).map { 10 * $0 / expected })
    }

    @Test(arguments: [(5, 1, 1 << 16), (1000, 10, 1 << 16), (1, 1 << 30, 1)])
    func smallWorkRunsInlineInOneCall(count: Int, costPerItem: Int, minimumWork: Int) {
        let log = ChunkLog()
        let caller = pthread_self()
        Parallel.forEachChunk(count, costPerItem: costPerItem, minimumWork: minimumWork) { log.record($0) }
        #expect(log.sortedRanges == [0..<count])
        let threads = log.callingThreads
        #expect(threads.count == 1 && pthread_equal(threads[0], caller) != 0, "inline work ran on another thread")
    }

    /// A chunk that splits work again runs it inline on its own thread, and every index is
    /// still done once.
    @Test func nestedCallsCoverEveryIndexOnce() {
        let (outer, inner) = (8, 4000)
        var hits = [Int32](repeating: 0, count: outer * inner)
        hits.withUnsafeMutableBufferPointer { hits in
            let shared = UncheckedSendable(hits.baseAddress!)
            Parallel.forEachChunk(outer, costPerItem: 1 << 20) { rows in
                for row in rows {
                    Parallel.forEachChunk(inner, costPerItem: 1 << 10) { columns in
                        for column in columns { shared.value[row * inner + column] += 1 }
                    }
                }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    /// Threads that split work at the same moment each get all of theirs done (one on the
    /// workers, the others inline while the workers are busy).
    @Test func concurrentCallersEachFinishTheirOwnWork() {
        let (callers, count) = (6, 50_000)
        let totals = ChunkTotals(callers)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<20 {
                var parts = [Int](repeating: 0, count: Parallel.threadCount)
                parts.withUnsafeMutableBufferPointer { parts in
                    let shared = UncheckedSendable(parts.baseAddress!)
                    Parallel.forEachChunk(count, costPerItem: 100) { range in
                        // Chunk boundaries are count * chunk / chunks: find this chunk's slot.
                        let chunks = min(Parallel.threadCount, count)
                        let slot = (0..<chunks).first { count * $0 / chunks == range.lowerBound }!
                        shared.value[slot] = range.reduce(0) { $0 + $1 * (caller + 1) }
                    }
                }
                totals.add(parts.reduce(0, +), for: caller)
            }
        }
        for caller in 0..<callers { #expect(totals[caller] == 20 * (caller + 1) * count * (count - 1) / 2, "caller \(caller)") }
    }

    /// Large work reaches the other threads (the pool's workers or Dispatch's), not only the
    /// caller. Another test's job may hold the workers for a moment, so it tries a few times.
    @Test(.enabled(if: Parallel.threadCount > 1, "one thread"))
    func largeWorkRunsOnMoreThanOneThread() {
        var threads = 1
        for _ in 0..<200 where threads < 2 {
            let log = ChunkLog()
            Parallel.forEachChunk(2, costPerItem: 1 << 20) { range in
                log.record(range)
                usleep(2000)
            }
            threads = Set(log.callingThreads.map { "\($0)" }).count
        }
        #expect(threads == 2)
    }

    #if arch(x86_64) || arch(arm64)
    /// Every chunk runs with the caller's flush-to-zero mode, whichever it is.
    @Test func chunksRunInTheCallersFlushMode() {
        let before = FloatingPointMode.flushesSubnormalsToZero
        defer { FloatingPointMode.setFlushSubnormalsToZero(before) }
        for flush in [true, false, true] {
            FloatingPointMode.setFlushSubnormalsToZero(flush)
            let modes = ModeLog()
            Parallel.forEachChunk(Parallel.threadCount * 4, costPerItem: 1 << 20) { _ in
                modes.record(FloatingPointMode.flushesSubnormalsToZero)
            }
            #expect(modes.all == Array(repeating: flush, count: modes.all.count) && !modes.all.isEmpty, "flush \(flush)")
        }
    }
    #endif

    @Test func threadCountIsAtLeastOne() {
        #expect(Parallel.threadCount >= 1)
        if let text = ProcessInfo.processInfo.environment["PERCEPTRON_THREADS"], let value = Int(text), value >= 1 {
            #expect(Parallel.threadCount == value)
        } else {
            #expect(Parallel.threadCount == ProcessInfo.processInfo.activeProcessorCount)
        }
    }
}

/// The SIMD kernels against `Kernels.Reference`, bit for bit, on odd sizes (tails of 1...7).
@Suite("SIMD kernels against their reference loops")
struct SIMDKernelReferenceTests {
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextFloat(in: -2..<2) }
    }

    @Test(arguments: [(1, 1), (3, 7), (5, 8), (2, 9), (7, 33), (4, 512)])
    func addBiasReLU(rows: Int, columns: Int) {
        var fast = Self.values(rows * columns, seed: 1)
        fast[0] = .nan
        var slow = fast
        let bias = Self.values(columns, seed: 2)
        fast.withUnsafeMutableBufferPointer { Kernels.addBiasReLU($0.baseAddress!, rows: rows, columns: columns, bias: bias) }
        slow.withUnsafeMutableBufferPointer { Kernels.Reference.addBiasReLU($0.baseAddress!, rows: rows, columns: columns, bias: bias) }
        #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern))
        #expect(fast[0].isNaN, "NaN passes through ReLU, as in TensorFlow")
    }

    @Test(arguments: [1, 7, 8, 9, 33, 1000, 70_001])
    func reluGradient(count: Int) {
        let dy = Self.values(count, seed: 3)
        let y = Self.values(count, seed: 4)
        var fast = [Float](repeating: 9, count: count), slow = fast
        fast.withUnsafeMutableBufferPointer { Kernels.reluGradient(dy, output: y, count: count, into: $0.baseAddress!) }
        slow.withUnsafeMutableBufferPointer { Kernels.Reference.reluGradient(dy, output: y, count: count, into: $0.baseAddress!) }
        #expect(fast == slow)
    }

    @Test(arguments: [(1, 1), (3, 7), (1000, 10), (17, 33), (1000, 512)])
    func addColumnSums(rows: Int, columns: Int) {
        let x = Self.values(rows * columns, seed: 5)
        var fast = Self.values(columns, seed: 6), slow = fast
        fast.withUnsafeMutableBufferPointer { Kernels.addColumnSums(of: x, rows: rows, columns: columns, into: $0.baseAddress!) }
        slow.withUnsafeMutableBufferPointer { Kernels.Reference.addColumnSums(of: x, rows: rows, columns: columns, into: $0.baseAddress!) }
        #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern))
    }

    @Test(arguments: [1, 7, 8, 15, 784])
    func convert(count: Int) {
        let bytes = (0..<count).map { UInt8(($0 * 37) % 256) }
        var slow = [Float](repeating: 0, count: count)
        slow.withUnsafeMutableBufferPointer { Kernels.Reference.convert(bytes, count: count, scale: 1 / 255, into: $0.baseAddress!) }
        for unit in VectorUnit.available {
            var fast = [Float](repeating: 0, count: count + 1)
            fast.withUnsafeMutableBufferPointer {
                Kernels.convert(bytes, count: count, scale: 1 / 255, into: $0.baseAddress!, vectorUnit: unit)
            }
            #expect(Array(fast.prefix(count)).map(\.bitPattern) == slow.map(\.bitPattern), "\(unit)")
            #expect(fast[count] == 0, "\(unit) wrote past count")
        }
    }

    /// The fused ReLU gradient and column sums against the two kernels one after the other.
    @Test(arguments: [(1, 1), (3, 7), (1000, 10), (17, 33), (50, 70), (1000, 512)])
    func reluGradientColumnSums(rows: Int, columns: Int) {
        let dy = Self.values(rows * columns, seed: 7), y = Self.values(rows * columns, seed: 8)
        let start = Self.values(columns, seed: 9)
        var dz = [Float](repeating: 9, count: rows * columns), sums = start
        dz.withUnsafeMutableBufferPointer { dz in
            Kernels.reluGradient(dy, output: y, count: rows * columns, into: dz.baseAddress!)
            sums.withUnsafeMutableBufferPointer { Kernels.addColumnSums(of: dz.baseAddress!, rows: rows, columns: columns, into: $0.baseAddress!) }
        }
        for unit in VectorUnit.available {
            var fusedDz = [Float](repeating: 9, count: rows * columns), fusedSums = start
            fusedDz.withUnsafeMutableBufferPointer { out in
                fusedSums.withUnsafeMutableBufferPointer { sums in
                    Kernels.reluGradientColumnSums(dy, output: y, rows: rows, columns: columns, into: out.baseAddress!,
                                                   sums: sums.baseAddress!, vectorUnit: unit)
                }
            }
            #expect(fusedDz.map(\.bitPattern) == dz.map(\.bitPattern), "\(unit)")
            #expect(fusedSums.map(\.bitPattern) == sums.map(\.bitPattern), "\(unit)")
        }
    }
}
