// Runs model arithmetic away from Swift's cooperative threads, which also carry the server's
// sockets: a prediction or a robustness sweep never stalls another request's I/O.

import Dispatch

/// Where the playground's blocking work runs.
enum Compute {
    /// A concurrent queue: requests compute side by side, each on its own model instance.
    static let queue = DispatchQueue(label: "perceptron.serve.compute", qos: .userInitiated, attributes: .concurrent)

    /// `work`'s result, computed on `queue`; its error is rethrown.
    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
