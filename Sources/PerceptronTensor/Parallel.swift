// Splitting loops over the machine's cores. One helper, so every kernel divides work the
// same way and the thread count is set in one place.

import CPerceptronCPU
import Dispatch
import Foundation

/// Work splitting across cores for kernels.
public enum Parallel {
    /// Threads used by Perceptron's own kernels: `PERCEPTRON_THREADS` if set (at least 1),
    /// otherwise the number of active cores.
    public static let threadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["PERCEPTRON_THREADS"], let value = Int(text), value >= 1 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body` over `0..<count` split into contiguous chunks, one per thread, when the
    /// work is large enough (`count * costPerItem >= minimumWork`), otherwise inline.
    ///
    /// `body` receives a half-open range and must touch only the items in it. Chunk
    /// boundaries depend only on `count` and the thread count, so results are reproducible.
    @inlinable
    public static func forEachChunk(
        _ count: Int, costPerItem: Int = 1, minimumWork: Int = 1 << 16, _ body: (Range<Int>) -> Void
    ) {
        let threads = threadCount
        if threads <= 1 || count < 2 || count * costPerItem < minimumWork {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = min(threads, count)
        withoutActuallyEscaping(body) { body in
            // The chunks touch disjoint items, which is what makes sharing `body` safe.
            let run: (Int) -> Void = { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { body(start..<end) }
            }
            if usesPool {
                // Perceptron's own workers (CPerceptronPool.h), which copy the caller's mode.
                withUnsafePointer(to: run) { context in
                    perceptron_pool_run(chunks, threads, { context, chunk in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
                    }, UnsafeMutableRawPointer(mutating: context))
                }
            } else {
                let shared = UncheckedSendable(run)
                let flush = perceptron_flush_denormals()
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    // Worker threads start with the default floating-point mode; use the caller's.
                    perceptron_set_flush_denormals(flush)
                    shared.value(chunk)
                }
            }
        }
    }

    /// Whether `forEachChunk` runs on Perceptron's spinning worker pool (Linux) rather than
    /// on Dispatch's threads. On the 2-core virtual machine, waking a sleeping thread for each
    /// of a training step's many short parallel kernels cost more than the kernels saved.
    public static let usesPool = perceptron_pool_available() != 0
}

/// Subnormal numbers (below 1.2e-38 in Float) flushed to zero, as TensorFlow does in its
/// thread pools. Late in training, gradients and Adam's moments drift into the subnormal
/// range, where x86 arithmetic takes a slow microcode path: epochs grow from 1.2 s to 1.7 s
/// on the lesson's job without this. Results stay deterministic.
public enum FloatingPointMode {
    /// Turns flushing on or off for the calling thread (and for the kernels' worker threads,
    /// which copy the caller's mode). `GEMM` turns it on in the first thread that uses it,
    /// before the system BLAS starts its threads, which inherit it.
    public static func setFlushSubnormalsToZero(_ on: Bool) { perceptron_set_flush_denormals(on ? 1 : 0) }

    /// Whether the calling thread flushes subnormals to zero.
    public static var flushesSubnormalsToZero: Bool { perceptron_flush_denormals() != 0 }
}

/// Wraps a value that is shared across threads under a discipline the compiler cannot see
/// (disjoint ranges of one buffer). Use only where that discipline holds.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    /// The wrapped value.
    public let value: Value
    /// Wraps `value`.
    @inlinable public init(_ value: Value) { self.value = value }
}
