// Training callbacks: the hooks fit calls, and Keras's EarlyStopping and TerminateOnNaN.
// Progress display is a callback too (ProgressLogger.swift).

import Foundation
import PerceptronIO
import PerceptronTensor

/// Hooks `fit` calls at train, epoch and batch boundaries. Default implementations do nothing;
/// set `model.stopTraining = true` to end training after the current batch.
public protocol Callback: AnyObject {
    func onTrainBegin(model: Model)
    func onEpochBegin(_ epoch: Int, model: Model)
    /// After each training batch, with the epoch's running logs so far.
    func onBatchEnd(_ batch: Int, logs: Logs, model: Model)
    /// After each epoch, with its final logs (validation included).
    func onEpochEnd(_ epoch: Int, logs: Logs, model: Model)
    func onTrainEnd(model: Model)
}

extension Callback {
    /// Does nothing.
    public func onTrainBegin(model: Model) {}
    /// Does nothing.
    public func onEpochBegin(_ epoch: Int, model: Model) {}
    /// Does nothing.
    public func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {}
    /// Does nothing.
    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) {}
    /// Does nothing.
    public func onTrainEnd(model: Model) {}
}

/// Stops training when a monitored value has stopped improving, Keras's `EarlyStopping`.
///
/// Keras 3 semantics, step by step after each epoch (from `startFromEpoch` on):
/// 1. with `restoreBestWeights`, the first epoch's weights are kept as the best so far;
/// 2. the wait counter is incremented *before* the test, so patience 0 acts like patience 1;
/// 3. an improvement (strictly better than the best by more than `minDelta`) records the
///    epoch and resets the wait, unless a `baseline` is set and not beaten;
/// 4. otherwise, once `wait >= patience` and the epoch is not the first, training stops.
/// With `restoreBestWeights`, the best epoch's weights are restored when training ends,
/// whether or not it was stopped early (as Keras 3 does).
public final class EarlyStopping: Callback {
    /// Whether the monitored value should fall (`min`), rise (`max`), or go the way its name says (`auto`).
    public enum Mode: String, Sendable {
        /// `max` for an accuracy, `min` otherwise (a loss), as Keras decides.
        case auto
        /// Lower is better.
        case min
        /// Higher is better.
        case max
    }

    /// The log watched, `val_loss` by default.
    public let monitor: String
    /// The smallest change that counts as an improvement (its absolute value).
    public let minDelta: Double
    /// Epochs without improvement before training stops.
    public let patience: Int
    /// Which way is better; see `maximizes`.
    public let mode: Mode
    /// A value the monitor must beat for the wait to reset, if set.
    public let baseline: Double?
    /// Whether the best epoch's weights are restored when training ends.
    public let restoreBestWeights: Bool
    /// Epochs (0-based) before which nothing is watched, for a warm-up.
    public let startFromEpoch: Int
    /// Whether stopping and restoring are announced on standard error, as Keras's `verbose=1`.
    public let verbose: Bool
    /// The epoch (0-based) at which training was stopped, 0 if it was not.
    public private(set) var stoppedEpoch = 0
    /// The best epoch seen (0-based).
    public private(set) var bestEpoch = 0
    /// The best monitored value, nil before the first epoch.
    public private(set) var best: Double?
    private var wait = 0
    private var bestWeights: [Tensor]?
    /// Where the messages go: standard error, or a test's buffer.
    var output: (String) -> Void = ProgressLogger.write

    /// Keras's defaults: monitor `val_loss`, minDelta 0, patience 0, mode auto (min for a
    /// loss, max for accuracies, min otherwise), no baseline, restoreBestWeights false.
    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: Mode = .auto,
                baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0, verbose: Bool = false) {
        self.monitor = monitor
        self.minDelta = abs(minDelta)
        self.patience = patience
        self.mode = mode
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
        self.verbose = verbose
    }

    /// Whether larger values are better.
    public var maximizes: Bool {
        switch mode {
        case .max: return true
        case .min: return false
        case .auto:
            let base = monitor.hasPrefix("val_") ? String(monitor.dropFirst(4)) : monitor
            return base != "loss" && base.contains("accuracy")
        }
    }

    private func isImprovement(_ value: Double, over reference: Double?) -> Bool {
        guard let reference else { return true }
        return maximizes ? value - minDelta > reference : value + minDelta < reference
    }

    /// Resets the wait, the best value and the best weights of a previous fit.
    public func onTrainBegin(model: Model) {
        wait = 0
        stoppedEpoch = 0
        bestEpoch = 0
        best = nil
        bestWeights = nil
    }

    /// Checks the epoch's logs, as described on the type.
    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) {
        guard let value = logs[monitor], epoch >= startFromEpoch else { return }
        if restoreBestWeights && bestWeights == nil {
            bestWeights = model.weights()
            bestEpoch = epoch
        }
        wait += 1
        if isImprovement(value, over: best) {
            best = value
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = model.weights() }
            if baseline == nil || isImprovement(value, over: baseline) { wait = 0 }
            return
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            model.stopTraining = true
        }
    }

    /// Announces a stop and restores the best weights, as described on the type.
    public func onTrainEnd(model: Model) {
        if stoppedEpoch > 0 && verbose { output("Epoch \(stoppedEpoch + 1): early stopping\n") }
        if restoreBestWeights, let bestWeights {
            if verbose { output("Restoring model weights from the end of the best epoch: \(bestEpoch + 1).\n") }
            model.setWeights(bestWeights)
        }
    }
}

/// Stops training as soon as a batch loss is NaN or infinite, Keras's `TerminateOnNaN`.
///
/// It also records where the loss broke and, with `keepsLastGoodWeights`, the weights after
/// the last epoch whose logs were all finite (the initial weights before any), so that a
/// caller can save those instead of the broken ones.
public final class TerminateOnNaN: Callback {
    /// Where training broke: the epoch and batch (0-based) and the loss seen there.
    public struct Failure: Equatable, Sendable {
        /// The epoch (0-based).
        public let epoch: Int
        /// The batch (0-based) within the epoch.
        public let batch: Int
        /// The loss seen: NaN or infinite.
        public let value: Double
    }

    /// Whether the weights of the last good epoch are kept (a copy of every weight per epoch).
    public let keepsLastGoodWeights: Bool
    /// Whether Keras's line `Batch N: Invalid loss, terminating training` goes to standard error.
    public let announces: Bool
    /// The first non-finite loss seen, nil while training is sound.
    public private(set) var failure: Failure?
    /// The weights after `lastGoodEpoch` (or the initial ones), with `keepsLastGoodWeights`.
    public private(set) var lastGoodWeights: [Tensor] = []
    /// The last epoch (0-based) whose logs were all finite, nil before one completes.
    public private(set) var lastGoodEpoch: Int?
    private var epoch = 0
    /// Where the message goes: standard error, or a test's buffer.
    var output: (String) -> Void = ProgressLogger.write

    /// The batch (0-based) of the epoch at which a non-finite loss was seen.
    public var stoppedAtBatch: Int? { failure?.batch }

    /// - Parameters:
    ///   - keepsLastGoodWeights: keep the last good epoch's weights; off by default as in Keras.
    ///   - announces: print Keras's line when stopping; on by default as in Keras.
    public init(keepsLastGoodWeights: Bool = false, announces: Bool = true) {
        self.keepsLastGoodWeights = keepsLastGoodWeights
        self.announces = announces
    }

    /// Forgets a previous failure and, with `keepsLastGoodWeights`, keeps the initial weights.
    public func onTrainBegin(model: Model) {
        failure = nil
        lastGoodEpoch = nil
        if keepsLastGoodWeights { lastGoodWeights = model.weights() }
    }

    /// Notes the epoch, to name it in a failure.
    public func onEpochBegin(_ epoch: Int, model: Model) { self.epoch = epoch }

    /// Stops training at the first batch whose running loss is NaN or infinite.
    public func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {
        guard failure == nil, let loss = logs.loss, !loss.isFinite else { return }
        failure = Failure(epoch: epoch, batch: batch, value: loss)
        if announces { output("Batch \(batch): Invalid loss, terminating training\n") }
        model.stopTraining = true
    }

    /// Checks the epoch's logs, as described on the type.
    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) {
        guard failure == nil, logs.allFinite else { return }
        if keepsLastGoodWeights { lastGoodWeights = model.weights() }
        lastGoodEpoch = epoch
    }
}
