// Stopping a run whose loss becomes NaN or infinite, keeping the last weights that were good.

import Foundation
import Perceptron

/// Keras's TerminateOnNaN for the command line: stops at the first batch whose running loss
/// is not finite, and remembers the weights at the end of the last good epoch (or the
/// initial ones) so they can be saved instead of the broken ones.
final class NonFiniteLossGuard: Callback {
    struct Failure {
        let epoch: Int
        let step: Int
        let value: Double
    }

    private(set) var failure: Failure?
    private(set) var lastGoodWeights: [Tensor] = []
    private(set) var lastGoodEpoch: Int?
    private var epoch = 0

    func onTrainBegin(model: Model) { lastGoodWeights = model.weights() }
    func onEpochBegin(_ epoch: Int, model: Model) { self.epoch = epoch }

    func onBatchEnd(_ batch: Int, logs: [(String, Double)], model: Model) {
        guard failure == nil, let loss = logs.first(where: { $0.0 == "loss" })?.1, !loss.isFinite else { return }
        failure = Failure(epoch: epoch, step: batch, value: loss)
        model.stopTraining = true
    }

    func onEpochEnd(_ epoch: Int, logs: [(String, Double)], model: Model) {
        guard failure == nil, logs.allSatisfy({ $0.1.isFinite }) else { return }
        lastGoodWeights = model.weights()
        lastGoodEpoch = epoch
    }
}
