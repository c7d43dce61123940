// Everything fit needs to continue a run exactly: where it stopped, the random streams, the
// epoch's running sums and the history so far. Saved in checkpoints (Checkpoint.swift).

import Foundation
import PerceptronIO
import PerceptronTensor
import CPerceptronCPU

/// The position and random state of a `fit` run, enough to resume it bit for bit.
public struct TrainingState: Codable, Equatable, Sendable {
    /// The epoch to run next (0-based), or the one in progress when `step > 0`.
    public var epoch: Int
    /// The next training step within `epoch`; 0 at an epoch boundary.
    public var step: Int
    /// The shuffle generator as it was at the start of `epoch`, before its shuffle, so the
    /// epoch's order can be drawn again. Words as decimal strings (JSON numbers cannot hold 64 bits).
    public var epochGenerator: [String]
    /// The augmentation generator at the stopping point.
    public var augmentationGenerator: [String]
    /// Running sums of the interrupted epoch (zero at a boundary).
    public var lossSum: Double
    /// The metrics' running sums, in compile order (zero at a boundary).
    public var metricSums: [Double]
    /// The samples the running sums cover (zero at a boundary).
    public var samples: Int
    /// The epochs completed so far.
    public var history: History
    /// The optimizer's step count.
    public var optimizerIterations: Int
    /// The fit settings this state belongs to; resuming with others is an error.
    public var batchSize: Int
    /// The `epochs` of the fit.
    public var epochs: Int
    /// The number of training samples, after any validation split.
    public var trainingSamples: Int
    /// Whether the fit shuffles every epoch.
    public var shuffle: Bool

    static func words(_ state: [UInt64]) -> [String] { state.map(String.init) }

    static func generator(_ words: [String], field: String) throws -> SeededGenerator {
        guard let state = Optional(words.compactMap(UInt64.init)), state.count == words.count,
              let generator = SeededGenerator(state: state) else {
            throw TrainingError("checkpoint field \(field) is not a valid generator state (four non-zero 64-bit words)")
        }
        return generator
    }
}

/// Saving checkpoints during `fit`: the model, the optimizer's moments and step count, the
/// epoch, the history and every random state, in one safetensors file written atomically
/// (an interrupted save leaves the previous checkpoint intact).
public struct Checkpointing: Sendable {
    /// The checkpoint file.
    public let url: URL
    /// Save after every this many epochs (and after the last one); 0 saves only when
    /// training is interrupted.
    public let everyEpochs: Int

    /// Checkpoints to `url` every `everyEpochs` epochs (at least 0; 1 by default, every epoch).
    public init(url: URL, everyEpochs: Int = 1) {
        precondition(everyEpochs >= 0, "everyEpochs must be >= 0, got \(everyEpochs)")
        self.url = url
        self.everyEpochs = everyEpochs
    }
}

/// A request to stop training at the end of the current step and save a checkpoint, as
/// Ctrl-C asks. A process-wide flag, safe from any thread and from the signal handler.
public enum TrainingInterrupt {
    /// Asks the running `fit` to stop after its current step.
    public static func request() { perceptron_interrupt_request() }
    /// Whether a stop was requested and not yet handled.
    public static var isRequested: Bool { perceptron_interrupt_requested() != 0 }
    /// Clears the request. `fit` leaves it set, so that its caller sees why it stopped and a
    /// request made before `fit` began is honoured; call this once the stop is handled.
    public static func reset() { perceptron_interrupt_reset() }

    /// Routes Ctrl-C (SIGINT) to `request()`: the running fit finishes its step, saves a
    /// checkpoint and returns. A second Ctrl-C ends the process at once (status 130). The
    /// handler (`interrupt.c`) only sets a flag, installed with `sigaction`, so a Ctrl-C that
    /// comes at any moment after this call is never lost.
    public static func installSignalHandler() { _ = perceptron_interrupt_install() }
}
