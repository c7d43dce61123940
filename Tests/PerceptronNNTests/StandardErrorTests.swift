// What fit, evaluate and the callbacks print on standard error, captured by pointing file
// descriptor 2 at a temporary file for the duration of one call. The suite is serialized so
// two captures never overlap; other tests print nothing there (they pass `verbose: 0`), and
// the checks look for lines rather than whole transcripts.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// Runs `body` with standard error redirected to a file and returns what was written.
private func capturingStandardError(_ body: () throws -> Void) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-nn-stderr-\(UUID().uuidString)")
    let file = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    try #require(file >= 0)
    let saved = dup(STDERR_FILENO)
    dup2(file, STDERR_FILENO)
    defer {
        dup2(saved, STDERR_FILENO)
        close(saved)
        close(file)
        try? FileManager.default.removeItem(at: url)
    }
    try body()
    return try String(contentsOf: url, encoding: .utf8)
}

private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

private func matches(_ line: Substring, _ pattern: String) -> Bool {
    (try? Regex(pattern).wholeMatch(in: line)) != nil
}

@Suite(.serialized) struct StandardErrorTests {
    private let x = Tensor(shape: [6, 2], scalars: [0, 1, 1, 0, 1, 1, 0, 0, 0.5, 0.5, 1, 0.2])
    private let y = Tensor(rows: [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]])

    private func model() -> Model {
        let model = functionalModel([2], [Dense(2, activation: .softmax, name: "printed_out")], name: "printed")
        model.compile(loss: .categoricalCrossentropy, optimizer: SGD(learningRate: 0.1), metrics: [.categoricalAccuracy])
        return model
    }

    @Test("fit, verbose 1, one epoch, not a terminal: no Epoch line, one final line with the validation logs")
    func fitVerbose1() throws {
        let model = model()
        let text = try capturingStandardError { try model.fit(x, y, batchSize: 2, epochs: 1, verbose: 1, validationSplit: 0.5, seed: 1) }
        #expect(!text.contains("Epoch"))
        #expect(!text.contains("\u{1B}"), "ANSI escapes when not writing to a terminal")
        #expect(lines(text).contains { matches($0, #"2/2 ━{20} \d+s \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_categorical_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}"#) },
                "\(text)")
    }

    @Test("fit, verbose 2, two epochs: Epoch lines and Keras's summary lines")
    func fitVerbose2() throws {
        let model = model()
        let text = try capturingStandardError { try model.fit(x, y, batchSize: 4, epochs: 2, verbose: 2, seed: 1) }
        let printed = lines(text)
        #expect(printed.contains("Epoch 1/2") && printed.contains("Epoch 2/2"))
        #expect(printed.filter { matches($0, #"2/2 - \d+s - \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4}"#) }.count == 2, "\(text)")
    }

    @Test("evaluate prints its final line for verbose 1 and Keras's summary line for verbose 2")
    func evaluateOutput() throws {
        let model = model()
        let one = try capturingStandardError { _ = try model.evaluate(x, y, batchSize: 4, verbose: 1) }
        #expect(lines(one).contains { matches($0, #"2/2 ━{20} \d+s \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4}"#) }, "\(one)")
        // keras-facts.md section 2.4: evaluate(verbose=2) -> "1/1 - 0s - 45ms/step - ...".
        let two = try capturingStandardError { _ = try model.evaluate(x, y, batchSize: 6, verbose: 2) }
        #expect(lines(two).contains { matches($0, #"1/1 - \d+s - \d+(s|ms|us)/step - categorical_accuracy: \d\.\d{4} - loss: \d\.\d{4}"#) }, "\(two)")
        let silent = try capturingStandardError { _ = try model.evaluate(x, y, verbose: 0) }
        #expect(!silent.contains("/step"))
    }

    @Test("EarlyStopping(verbose: true) prints Keras's two messages")
    func earlyStoppingMessages() throws {
        let model = model()
        let stopping = EarlyStopping(patience: 2, restoreBestWeights: true, verbose: true)
        let text = try capturingStandardError {
            stopping.onTrainBegin(model: model)
            for (epoch, value) in [1.0, 0.5, 0.6, 0.7, 0.4].enumerated() where !model.stopTraining {
                stopping.onEpochEnd(epoch, logs: [("val_loss", value)], model: model)
            }
            stopping.onTrainEnd(model: model)
        }
        // callbacks_reference.py "restore_best_weights=True, stops": keras printed lines.
        #expect(lines(text).contains("Epoch 4: early stopping"))
        #expect(lines(text).contains("Restoring model weights from the end of the best epoch: 2."))
    }

    @Test("TerminateOnNaN prints Keras's message with the 0-based batch")
    func terminateOnNaNMessage() throws {
        let model = model()
        let text = try capturingStandardError {
            TerminateOnNaN().onBatchEnd(2, logs: [("loss", .nan)], model: model)
        }
        // callbacks_reference.py "## TerminateOnNaN": "Batch 2: Invalid loss, terminating training".
        #expect(lines(text).contains("Batch 2: Invalid loss, terminating training"))
    }
}
