// A training run's life in its folder: what it checks before touching anything, what it never
// overwrites, the lock that keeps two runs apart, stopping at every point, and resuming.

import Foundation
import Testing
@testable import PerceptronTraining
import PerceptronData
import PerceptronIO
import PerceptronNN
import PerceptronReport
import PerceptronTensor

@Suite("TrainingRun: checks before anything is written", .serialized)
struct TrainingRunChecksTests {
    @Test("A missing data folder, or a file given as one, is named; no run folder is left")
    func badDataFolder() throws {
        let root = try RunFixtures.temporaryFolder("bad-data")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("file")
        try FileIO.writeAtomically("not a folder", to: file)
        for (data, message) in [(root.appendingPathComponent("missing"), "no such folder"), (file, "is a file, not a folder")] {
            let output = root.appendingPathComponent("run")
            let run = try TrainingRun(settings: RunFixtures.settings(data: data), folder: output)
            #expect(throws: DatasetError.self) { try run.start() }
            do { try run.start() } catch { #expect("\(error.localizedDescription)".contains(message), "\(error)") }
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }

    @Test("A training limit above the dataset's size names the size, before any folder exists")
    func trainLimitAboveDataset() throws {
        let data = try RunFixtures.dataset()
        let output = data.appendingPathComponent("run")
        var settings = RunFixtures.settings(data: data)
        settings.trainLimit = 100_000
        let run = try TrainingRun(settings: settings, folder: output)
        #expect(throws: RunSettingsError("--train-limit 100000 is more than the 200 training images of \(data.path)")) { try run.start() }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("A learning rate a model file cannot hold is refused up front; the largest allowed trains and loads")
    func learningRateLimits() throws {
        let data = try RunFixtures.dataset()
        var settings = RunFixtures.settings(data: data, epochs: 1)
        settings.learningRate = 5e6
        #expect(throws: RunSettingsError.self) { try TrainingRun(settings: settings) }
        settings.learningRate = 1e6
        settings.optimizer = .sgd
        let output = data.appendingPathComponent("run")
        let run = try TrainingRun(settings: settings, folder: output)
        do { try run.start() } catch is TrainingRunError {}  // it diverges, keeping the initial weights
        let model = try Model.load(from: output.appendingPathComponent("model.safetensors"))
        #expect(model.optimizer?.learningRate == 1e6)
    }
}

@Suite("TrainingRun: folders are never overwritten or shared", .serialized)
struct TrainingRunFolderTests {
    @Test("A folder holding a run is refused without overwrites, its files untouched; with it, the old run's files go")
    func existingRunIsKept() throws {
        let data = try RunFixtures.dataset()
        let output = data.appendingPathComponent("run")
        try TrainingRun(settings: RunFixtures.settings(data: data), folder: output).start()
        let before = try FileIO.read(output.appendingPathComponent("train.json"))
        let stale = output.appendingPathComponent("report.html")
        try FileIO.writeAtomically("an old report", to: stale)
        var other = RunFixtures.settings(data: data)
        other.seed = 1
        let refused = try TrainingRun(settings: other, folder: output)
        #expect(throws: RunFolderError.self) { try refused.start() }
        #expect(try FileIO.read(output.appendingPathComponent("train.json")) == before)
        #expect(FileManager.default.fileExists(atPath: stale.path))

        let user = output.appendingPathComponent("notes.txt")
        try FileIO.writeAtomically("mine", to: user)
        try TrainingRun(settings: other, folder: output, overwrites: true).start()
        #expect(try RunFolder(output).readSettings().seed == 1)
        #expect(!FileManager.default.fileExists(atPath: stale.path), "the old run's report stayed")
        #expect(FileManager.default.fileExists(atPath: user.path), "a file that is not the run's was removed")
    }

    @Test("New run folders made in the same millisecond are distinct")
    func uniqueFolders() throws {
        let parent = try RunFixtures.temporaryFolder("runs")
        defer { try? FileManager.default.removeItem(at: parent) }
        let date = Date()
        let folders = try (0..<6).map { _ in try RunFolder.makeUnique(in: parent, date: date) }
        #expect(Set(folders.map(\.url.path)).count == 6)
        #expect(folders[1].url.lastPathComponent == folders[0].url.lastPathComponent + "-2")
    }

    @Test("A locked folder is refused; released (as when its process ends), it is free again")
    func lock() throws {
        let folder = RunFolder(try RunFixtures.temporaryFolder("lock"))
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let first = try RunLock(folder)
        #expect(throws: RunFolderError.self) { try RunLock(folder) }
        first.release()
        let second = try RunLock(folder)
        second.release()
    }
}

@Suite("TrainingRun: stopping and resuming", .serialized)
struct TrainingRunStopTests {
    @Test("A stop before training leaves nothing behind")
    func stopBeforeTraining() throws {
        let data = try RunFixtures.dataset()
        let output = data.appendingPathComponent("run")
        let run = try TrainingRun(settings: RunFixtures.settings(data: data), folder: output)
        run.stop()
        #expect(try run.start().outcome == .stoppedBeforeTraining)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("Stopped mid-epoch or during the final evaluation, a run resumes to the uninterrupted run's files")
    func stopAndResume() throws {
        let data = try RunFixtures.dataset()
        let full = data.appendingPathComponent("full")
        try TrainingRun(settings: RunFixtures.settings(data: data), folder: full).start()
        for (name, stopAt) in [("mid", 1), ("end", -1)] {
            let cut = data.appendingPathComponent(name)
            let run = try TrainingRun(settings: RunFixtures.settings(data: data), folder: cut)
            let callback: any Callback = stopAt >= 0 ? AtBatch(stopAt) { [unowned run] in run.stop() }
                : AtTrainEnd { [unowned run] in run.stop() }
            run.observer = TrainingRun.Observer(callbacks: [callback])
            let result = try run.start()
            #expect(result.outcome == .interrupted(checkpoint: RunFolder(cut).checkpoint))
            #expect(!FileManager.default.fileExists(atPath: cut.appendingPathComponent("train.lock").path))
            let resumed = try TrainingRun.resuming(cut)
            guard case .completed = try resumed.start().outcome else { Issue.record("\(name): not completed"); continue }
            // Layer names count per process, so the weights are compared, not the files' bytes.
            let a = try Model.load(from: full.appendingPathComponent("model.safetensors")).weights()
            let b = try Model.load(from: cut.appendingPathComponent("model.safetensors")).weights()
            #expect(a.map { $0.scalars.map(\.bitPattern) } == b.map { $0.scalars.map(\.bitPattern) }, "\(name): weights differ")
            #expect(try FileIO.read(full.appendingPathComponent("history.csv")) == FileIO.read(cut.appendingPathComponent("history.csv")),
                    "\(name): history.csv differs from the uninterrupted run's")
            #expect(throws: RunFolderError("\(RunFolder(cut).url.path) completed all 2 epochs; nothing to resume")) {
                try TrainingRun.resuming(cut)
            }
        }
    }
}

/// Breaks one weight at a given epoch and batch, so that the next step's loss is NaN.
final class BreakWeightsAt: Callback {
    let epoch: Int, batch: Int
    private var current = 0
    init(epoch: Int, batch: Int) { self.epoch = epoch; self.batch = batch }
    func onEpochBegin(_ epoch: Int, model: Model) { current = epoch }
    func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {
        guard current == epoch, batch == self.batch else { return }
        // The output layer's bias: every sample's loss is NaN from the next step on.
        var weights = model.weights()
        let last = weights.count - 1
        weights[last] = Tensor(shape: weights[last].shape, scalars: Array(repeating: .nan, count: weights[last].count))
        model.setWeights(weights)
    }
}

@Suite("TrainingRun: a loss that is no longer finite", .serialized)
struct TrainingRunNonFiniteTests {
    @Test("The run stops at the step, names it, and keeps the last good epoch's weights")
    func keepsLastGoodWeights() throws {
        let data = try RunFixtures.dataset()
        let output = data.appendingPathComponent("run")
        let run = try TrainingRun(settings: RunFixtures.settings(data: data, epochs: 3), folder: output)
        var afterFirstEpoch: [Tensor] = []
        final class Snapshot: Callback {
            let keep: ([Tensor]) -> Void
            init(_ keep: @escaping ([Tensor]) -> Void) { self.keep = keep }
            func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) { if epoch == 0 { keep(model.weights()) } }
        }
        run.observer = TrainingRun.Observer(callbacks: [Snapshot { afterFirstEpoch = $0 }, BreakWeightsAt(epoch: 1, batch: 0)])
        let error = try #require(throws: TrainingRunError.self) { try run.start() }
        #expect(error.message.contains("the loss became NaN at epoch 2, step 2"), "\(error.message)")
        #expect(error.message.contains("holds the weights after epoch 1"), "\(error.message)")
        let saved = try Model.load(from: output.appendingPathComponent("model.safetensors")).weights()
        #expect(saved.map { $0.scalars.map(\.bitPattern) } == afterFirstEpoch.map { $0.scalars.map(\.bitPattern) })
    }
}
