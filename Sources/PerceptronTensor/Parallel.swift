// Splitting loops over the machine's cores. One helper, so every kernel divides work the
// same way and the thread count is set in one place.

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
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { shared.value(start..<end) }
            }
        }
    }
}

/// Wraps a value that is shared across threads under a discipline the compiler cannot see
/// (disjoint ranges of one buffer). Use only where that discipline holds.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
