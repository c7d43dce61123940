// Where a fit stands, and the checkpoints that save it: the random streams, the history and,
// inside an interrupted epoch, the step and running sums. TrainingState is its saved form.

import Foundation
import PerceptronTensor

/// Everything a fit needs to continue bit for bit: the shuffle and augmentation streams, the
/// history so far, and when resuming inside an epoch, the next step and the epoch's sums.
struct FitPosition {
    /// The epoch to run next.
    var epoch: Int
    /// The first step of `epoch` (non-zero only when resuming inside it).
    var step = 0
    /// The epoch's running sums so far, when resuming inside it.
    var running: RunningLogs?
    /// Draws each epoch's shuffle.
    var shuffleGenerator: SeededGenerator
    /// Draws the augmentation's random transforms, a stream of its own so that turning
    /// augmentation on leaves the shuffles unchanged.
    var augmentationGenerator: SeededGenerator
    var history = History()

    /// A fresh run from `initialEpoch`, seeded by `seed` (drawn from the global generator when nil).
    init(seed: UInt64?, initialEpoch: Int) {
        shuffleGenerator = SeededGenerator(seed: seed ?? GlobalRandom.with { $0.next() })
        augmentationGenerator = SeededGenerator(seed: shuffleGenerator.next())
        epoch = initialEpoch
    }

    /// The position a checkpoint saved. `seed` is drawn as a fresh run would (so the global
    /// generator moves the same way), then replaced by the saved streams.
    /// - Throws: `TrainingError` when the state belongs to other settings or is malformed.
    init(resuming state: TrainingState, plan: EpochPlan, epochs: Int, metricCount: Int, seed: UInt64?,
         initialEpoch: Int) throws {
        self.init(seed: seed, initialEpoch: initialEpoch)
        guard state.batchSize == plan.batchSize, state.epochs == epochs, state.trainingSamples == plan.trainIndices.count,
              state.shuffle == plan.shuffle, state.epoch >= 0, state.epoch <= epochs, state.step >= 0,
              state.step < max(plan.steps, 1), state.metricSums.count == metricCount, state.samples >= 0 else {
            throw TrainingError("the checkpoint was made with other settings (batch size \(state.batchSize), \(state.epochs) epochs, \(state.trainingSamples) training samples, shuffle \(state.shuffle)); resume with the same ones")
        }
        shuffleGenerator = try TrainingState.generator(state.epochGenerator, field: "epochGenerator")
        augmentationGenerator = try TrainingState.generator(state.augmentationGenerator, field: "augmentationGenerator")
        history = state.history
        epoch = state.epoch
        step = state.step
        if state.step > 0 {
            running = RunningLogs(lossSum: state.lossSum, metricSums: state.metricSums, samples: state.samples)
        }
    }

    /// Where the next epoch starts, and the sums it continues; later epochs start afresh.
    mutating func takeEpochStart(metricCount: Int) -> (step: Int, running: RunningLogs) {
        defer { step = 0; running = nil }
        return (step, running ?? RunningLogs(metricCount: metricCount))
    }

    /// The saved form of the position at `epoch`, `step`, with `epochGenerator` the shuffle
    /// stream as it was at the start of `epoch`, before its shuffle.
    func state(epoch: Int, step: Int, epochGenerator: SeededGenerator, running: RunningLogs?, plan: EpochPlan,
               epochs: Int, metricCount: Int, optimizer: any Optimizer) -> TrainingState {
        TrainingState(epoch: epoch, step: step, epochGenerator: TrainingState.words(epochGenerator.state),
                      augmentationGenerator: TrainingState.words(augmentationGenerator.state),
                      lossSum: running?.lossSum ?? 0, metricSums: running?.metricSums ?? Array(repeating: 0, count: metricCount),
                      samples: running?.samples ?? 0, history: history, optimizerIterations: optimizer.iterations,
                      batchSize: plan.batchSize, epochs: epochs, trainingSamples: plan.trainIndices.count, shuffle: plan.shuffle)
    }
}

/// Saves checkpoints as a `Checkpointing` policy says: after every `everyEpochs` epochs and
/// after the last, whenever training is interrupted (inside an epoch too), and never after
/// an epoch whose loss is not finite (such weights are not worth resuming from).
struct Checkpointer {
    let policy: Checkpointing?
    let model: Model

    /// Saves the position inside an interrupted epoch.
    func saveInterruptedEpoch(_ state: @autoclosure () -> TrainingState) throws {
        guard let policy else { return }
        try model.saveCheckpoint(state(), to: policy.url)
    }

    /// Saves after epoch `epoch` (0-based) of `epochs` when the policy says so.
    func epochEnded(_ epoch: Int, of epochs: Int, logs: Logs, interrupted: Bool,
                    state: @autoclosure () -> TrainingState) throws {
        guard let policy, logs.loss?.isFinite ?? true else { return }
        let due = interrupted || epoch + 1 == epochs || (policy.everyEpochs > 0 && (epoch + 1) % policy.everyEpochs == 0)
        if due { try model.saveCheckpoint(state(), to: policy.url) }
    }
}
