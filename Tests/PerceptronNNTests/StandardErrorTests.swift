// What fit, evaluate and the callbacks print on standard error. fit and evaluate write there
// themselves, so each of those checks runs in a child process of its own and reads what the
// child wrote (redirecting this process's standard error would swallow the reports of the
// tests running beside it); the callbacks take their writer, so theirs are captured in place.
// The checks look for lines rather than whole transcripts.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

private func matches(_ line: Substring, _ pattern: String) -> Bool {
    (try? Regex(pattern).wholeMatch(in: line)) != nil
}

@Suite struct StandardErrorTests {
    static let x = Tensor(shape: [6, 2], scalars: [0, 1, 1, 0, 1, 1, 0, 0, 0.5, 0.5, 1, 0.2])
    static let y = Tensor(rows: [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]])

    static func model() -> Model {
        let model = functionalModel([2], [Dense(2, activation: .softmax, name: "printed_out")], name: "printed")
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0.1), metrics: [.categoricalAccuracy])
        return model
    }

    @Test("fit, verbose 1, one epoch, not a terminal: no Epoch line, one final line with the validation logs")
    func fitVerbose1() async throws {
        let child = try await #require(processExitsWith: .success, observing: [\.standardErrorContent]) {
            try StandardErrorTests.model().fit(StandardErrorTests.x, StandardErrorTests.y, batchSize: 2, epochs: 1, verbose: 1,
                                               validationSplit: 0.5, seed: 1)
        }
        let text = String(decoding: child.standardErrorContent, as: UTF8.self)
        #expect(!text.contains("Epoch"))
        #expect(!text.contains("\u{1B}"), "ANSI escapes when not writing to a terminal")
        #expect(lines(text).contains { matches($0, #"2/2 ━{20} \d+s \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_categorical_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}"#) },
                "\(text)")
    }

    @Test("fit, verbose 2, two epochs: Epoch lines and Keras's summary lines")
    func fitVerbose2() async throws {
        let child = try await #require(processExitsWith: .success, observing: [\.standardErrorContent]) {
            try StandardErrorTests.model().fit(StandardErrorTests.x, StandardErrorTests.y, batchSize: 4, epochs: 2, verbose: 2, seed: 1)
        }
        let text = String(decoding: child.standardErrorContent, as: UTF8.self)
        let printed = lines(text)
        #expect(printed.contains("Epoch 1/2") && printed.contains("Epoch 2/2"))
        #expect(printed.filter { matches($0, #"2/2 - \d+s - \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4}"#) }.count == 2, "\(text)")
    }

    @Test("evaluate prints its final line for verbose 1 and Keras's summary line for verbose 2, nothing for 0")
    func evaluateOutput() async throws {
        let child = try await #require(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let model = StandardErrorTests.model()
            let (x, y) = (StandardErrorTests.x, StandardErrorTests.y)
            _ = try model.evaluate(x, y, batchSize: 4, verbose: 1)
            FileHandle.standardError.write(Data("-- verbose 2\n".utf8))
            _ = try model.evaluate(x, y, batchSize: 6, verbose: 2)
            FileHandle.standardError.write(Data("-- verbose 0\n".utf8))
            _ = try model.evaluate(x, y, verbose: 0)
            FileHandle.standardError.write(Data("-- end\n".utf8))
        }
        let text = String(decoding: child.standardErrorContent, as: UTF8.self)
        let parts = text.components(separatedBy: "-- verbose 2\n")
        try #require(parts.count == 2, "\(text)")
        let afterTwo = parts[1].components(separatedBy: "-- verbose 0\n")
        try #require(afterTwo.count == 2, "\(text)")
        let (one, two, silent) = (parts[0], afterTwo[0], afterTwo[1])
        #expect(lines(one).contains { matches($0, #"2/2 ━{20} \d+s \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4}"#) }, "\(one)")
        // fit_progress.py "### evaluate verbose=2": "1/1 - 0s - 45ms/step - ...".
        #expect(lines(two).contains { matches($0, #"1/1 - \d+s - \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4}"#) }, "\(two)")
        #expect(silent == "-- end\n", "\(silent)")
    }

    @Test("EarlyStopping(verbose: true) prints Keras's two messages")
    func earlyStoppingMessages() throws {
        let model = Self.model()
        let stopping = EarlyStopping(patience: 2, restoreBestWeights: true, verbose: true)
        var text = ""
        stopping.output = { text += $0 }
        stopping.onTrainBegin(model: model)
        for (epoch, value) in [1.0, 0.5, 0.6, 0.7, 0.4].enumerated() where !model.stopTraining {
            stopping.onEpochEnd(epoch, logs: [("val_loss", value)], model: model)
        }
        stopping.onTrainEnd(model: model)
        // callbacks_reference.py "restore_best_weights=True, stops": keras printed lines.
        #expect(lines(text) == ["Epoch 4: early stopping", "Restoring model weights from the end of the best epoch: 2."])
    }

    @Test("TerminateOnNaN prints Keras's message with the 0-based batch, and nothing when told not to")
    func terminateOnNaNMessage() throws {
        let model = Self.model()
        let callback = TerminateOnNaN()
        var text = ""
        callback.output = { text += $0 }
        callback.onBatchEnd(2, logs: [("loss", .nan)], model: model)
        // callbacks_reference.py "## TerminateOnNaN": "Batch 2: Invalid loss, terminating training".
        #expect(text == "Batch 2: Invalid loss, terminating training\n")
        let quiet = TerminateOnNaN(announces: false)
        var quietText = ""
        quiet.output = { quietText += $0 }
        quiet.onBatchEnd(0, logs: [("loss", .infinity)], model: model)
        #expect(quietText.isEmpty && quiet.stoppedAtBatch == 0)
    }
}
