// Keras 3's progress display: value, time and ETA formatting, and whole lines compared with
// what Scripts/reference/fit_progress.py writes, captured by Scripts/reference/tty_capture.py
// under a terminal and through a pipe (Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1).
// The timing numbers are controlled by passing `now:`.

import Foundation
import Testing
@testable import PerceptronNN

/// ANSI escapes as Keras writes them.
private let bold = "\u{1B}[1m", green = "\u{1B}[32m", white = "\u{1B}[37m", reset = "\u{1B}[0m"

// fit_progress.py "### history" values of the lesson job, epochs 1 and 2, and its evaluate.
private let epoch1: Logs = [("categorical_accuracy", 0.5535416603088379), ("loss", 1.7364896535873413),
                                          ("val_categorical_accuracy", 0.8100000023841858), ("val_loss", 0.9500324726104736)]
private let epoch2: Logs = [("categorical_accuracy", 0.8318750262260437), ("loss", 0.7120359539985657),
                                          ("val_categorical_accuracy", 0.8658333420753479), ("val_loss", 0.4712170362472534)]
private let evaluation: Logs = [("categorical_accuracy", 0.8568000197410583), ("loss", 0.4939504861831665)]

@Suite struct ProgressFormattingTests {
    @Test("Log values: %.4f when |v| > 1e-3, else %.4e; nan and inf as Python prints them", arguments: [
        (0.1234, "0.1234"), (0.12345678, "0.1235"), (5.1156e-04, "5.1156e-04"), (0.001, "1.0000e-03"), (0.0010001, "0.0010"),
        (0, "0.0000e+00"), (Double.nan, "nan"), (1.7364896535873413, "1.7365"), (-0.5, "-0.5000"), (-1e-5, "-1.0000e-05"),
        (Double.infinity, "inf"), (-Double.infinity, "-inf"), (123.45678, "123.4568"),
    ])
    func value(_ value: Double, _ expected: String) {
        #expect(ProgressBar.formatValue(value) == expected)
    }

    @Test("Time per step: s from 1 s (or exactly 0), ms from 1 ms, us below; Python's round half to even", arguments: [
        (0, " 0s/step"), (1.6, " 2s/step"), (1, " 1s/step"), (2.5, " 2s/step"), (0.999, " 999ms/step"), (0.156, " 156ms/step"),
        (0.001, " 1ms/step"), (0.000999, " 999us/step"), (0.0000032, " 3us/step"),
    ])
    func timePerStep(_ seconds: Double, _ expected: String) {
        #expect(ProgressBar.formatTimePerStep(seconds) == expected)
    }

    @Test("ETA: seconds, then m:ss above a minute, h:mm:ss above an hour (truncating)", arguments: [
        (0, "0s"), (5.9, "5s"), (60, "60s"), (65, "1:05"), (3599.9, "59:59"), (3600, "60:00"), (3665, "1:01:05"),
    ])
    func eta(_ seconds: Double, _ expected: String) {
        #expect(ProgressBar.formatETA(seconds) == expected)
    }
}

@Suite struct ProgressLineTests {
    @Test("Not a terminal: only the final line, as a terminal finally shows Keras's bar")
    func nonTerminalFinalLines() {
        var bar = ProgressBar(target: 5, isDynamic: false, now: 0)
        for (step, now) in zip(1...4, [1.376, 1.5, 1.7, 1.9]) {
            #expect(bar.update(step, logs: [("loss", 2)], final: false, now: now) == nil)
        }
        // fit_progress.py 1 pipe capture, epoch 1's line: what a terminal finally shows too.
        #expect(bar.update(5, logs: epoch1, final: true, now: 2.0)
                == "5/5 ━━━━━━━━━━━━━━━━━━━━ 2s 156ms/step - categorical_accuracy: 0.5535 - loss: 1.7365 - val_categorical_accuracy: 0.8100 - val_loss: 0.9500\n")
        var second = ProgressBar(target: 5, isDynamic: false, now: 0)
        _ = second.update(1, logs: [], final: false, now: 0.526)
        #expect(second.update(5, logs: epoch2, final: true, now: 0.774)
                == "5/5 ━━━━━━━━━━━━━━━━━━━━ 1s 62ms/step - categorical_accuracy: 0.8319 - loss: 0.7120 - val_categorical_accuracy: 0.8658 - val_loss: 0.4712\n")
        var evaluate = ProgressBar(target: 313, isDynamic: false, now: 0)
        _ = evaluate.update(1, logs: [], final: false, now: 0.06)
        #expect(evaluate.update(313, logs: evaluation, final: true, now: 1.0)
                == "313/313 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - categorical_accuracy: 0.8568 - loss: 0.4940\n")
    }

    @Test("Terminal: the first message of an epoch equals Keras's bytes")
    func terminalFirstMessage() {
        var bar = ProgressBar(target: 5, isDynamic: true, now: 0)
        // fit_progress.py 1 pipe capture, epoch 1, first message (Keras's "\b" prefix is empty for it).
        let expected = "\r\(bold)1/5\(reset) \(green)━━━━\(reset)\(white)━━━━━━━━━━━━━━━━\(reset) \(bold)6s\(reset) 2s/step - categorical_accuracy: 0.0890 - loss: 2.2976"
        #expect(bar.update(1, logs: [("categorical_accuracy", 0.089), ("loss", 2.2976)], final: false, now: 1.6) == expected)
    }

    @Test("Terminal: redraws pad a shorter message to the previous width, the full bar ends in an empty white part")
    func terminalRedraws() {
        var bar = ProgressBar(target: 5, isDynamic: true, now: 0)
        // fit_progress.py 1 pipe capture, epoch 2, with Keras's leading "\b" runs removed
        // (Perceptron returns to the line start with "\r" and pads instead).
        let first = bar.update(1, logs: [("categorical_accuracy", 0.8), ("loss", 0.959)], final: false, now: 0.526)
        #expect(first == "\r\(bold)1/5\(reset) \(green)━━━━\(reset)\(white)━━━━━━━━━━━━━━━━\(reset) \(bold)2s\(reset) 526ms/step - categorical_accuracy: 0.8000 - loss: 0.9590")
        // Within 0.05 s of the last redraw nothing is written.
        #expect(bar.update(2, logs: [("loss", 1)], final: false, now: 0.55) == nil)
        let fourth = bar.update(4, logs: [("categorical_accuracy", 0.8292), ("loss", 0.7551)], final: false, now: 0.586)
        #expect(fourth == "\r\(bold)4/5\(reset) \(green)━━━━━━━━━━━━━━━━\(reset)\(white)━━━━\(reset) \(bold)0s\(reset) 20ms/step - categorical_accuracy: 0.8292 - loss: 0.7551 ")
        let last = bar.update(5, logs: epoch2, final: true, now: 0.774)
        #expect(last == "\r\(bold)5/5\(reset) \(green)━━━━━━━━━━━━━━━━━━━━\(reset)\(white)\(reset) \(bold)1s\(reset) 62ms/step - categorical_accuracy: 0.8319 - loss: 0.7120 - val_categorical_accuracy: 0.8658 - val_loss: 0.4712\n")
    }

    @Test("Terminal: an evaluate bar with no cell done yet, then one cell, counters right-aligned")
    func terminalEvaluate() {
        var bar = ProgressBar(target: 313, isDynamic: true, now: 0)
        let first = bar.update(1, logs: [("categorical_accuracy", 0.84375), ("loss", 0.3934)], final: false, now: 0.06)
        #expect(first == "\r\(bold)  1/313\(reset) \(white)━━━━━━━━━━━━━━━━━━━━\(reset) \(bold)18s\(reset) 60ms/step - categorical_accuracy: 0.8438 - loss: 0.3934")
        let twentieth = bar.update(20, logs: [("categorical_accuracy", 0.8297), ("loss", 0.5755)], final: false, now: 0.117)
        #expect(twentieth == "\r\(bold) 20/313\(reset) \(green)━\(reset)\(white)━━━━━━━━━━━━━━━━━━━\(reset) \(bold)0s\(reset) 3ms/step - categorical_accuracy: 0.8297 - loss: 0.5755  ")
    }

    @Test("verbose 2: one summary line per epoch (fit_progress.py 2 pipe capture)")
    func summaryLines() {
        var bar = ProgressBar(target: 5, isDynamic: false, now: 0)
        #expect(bar.summaryLine(logs: epoch1, now: 2.225)
                == "5/5 - 2s - 445ms/step - categorical_accuracy: 0.5535 - loss: 1.7365 - val_categorical_accuracy: 0.8100 - val_loss: 0.9500\n")
        var evaluate = ProgressBar(target: 313, isDynamic: false, now: 0)
        #expect(evaluate.summaryLine(logs: evaluation, now: 1.252) == "313/313 - 1s - 4ms/step - categorical_accuracy: 0.8568 - loss: 0.4940\n")
        // fit_semantics.py "keys: evaluate(verbose=2) of the last model": one step, four logs.
        var single = ProgressBar(target: 1, isDynamic: false, now: 0)
        #expect(single.summaryLine(logs: [("accuracy", 0.4), ("categorical_accuracy", 0.4), ("loss", 0.88), ("mse", 0.3341)], now: 0.104)
                == "1/1 - 0s - 104ms/step - accuracy: 0.4000 - categorical_accuracy: 0.4000 - loss: 0.8800 - mse: 0.3341\n")
    }

    @Test("verbose 2 tests v > 1e-3 without abs: negatives print in %.4e (verbose 1 keeps %.4f)")
    func summaryNegative() {
        var bar = ProgressBar(target: 2, isDynamic: false, now: 0)
        #expect(bar.summaryLine(logs: [("score", -0.5), ("loss", Double.nan)], now: 1) == "2/2 - 1s - 500ms/step - score: -5.0000e-01 - loss: nan\n")
        var verbose1 = ProgressBar(target: 2, isDynamic: false, now: 0)
        #expect(verbose1.update(2, logs: [("score", -0.5)], final: true, now: 1) == "2/2 ━━━━━━━━━━━━━━━━━━━━ 1s 500ms/step - score: -0.5000\n")
    }
}

@Suite struct ProgressLoggerTests {
    final class Output { var text = "" }

    /// Drives a logger through `epochs` epochs of `steps` batches and returns what it wrote.
    private func transcript(verbose: Int, epochs: Int, steps: Int, terminal: Bool = false) -> String {
        let output = Output()
        let logger = ProgressLogger(verbose: verbose, epochs: epochs, steps: steps, isTerminal: terminal) { output.text += $0 }
        let model = functionalModel([1], [Dense(1, name: "logger_unit")], name: "logger_model")
        logger.onTrainBegin(model: model)
        for epoch in 0..<epochs {
            logger.onEpochBegin(epoch, model: model)
            for batch in 0..<steps { logger.onBatchEnd(batch, logs: [("loss", 0.5)], model: model) }
            logger.onEpochEnd(epoch, logs: [("loss", 0.5), ("val_loss", 0.25)], model: model)
        }
        logger.onTrainEnd(model: model)
        return output.text
    }

    private func matches(_ text: Substring, _ pattern: String) -> Bool {
        (try? Regex(pattern).wholeMatch(in: text)) != nil
    }

    @Test("A single epoch prints no 'Epoch 1/1' line, as Keras's ProgbarLogger")
    func singleEpoch() {
        let text = transcript(verbose: 1, epochs: 1, steps: 3)
        #expect(!text.contains("Epoch"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty)
        #expect(matches(lines[0], #"3/3 ━{20} \d+s \d+(s|ms|us)/step - loss: 0\.5000 - val_loss: 0\.2500"#), "\(lines[0])")
    }

    @Test("Several epochs: an 'Epoch i/N' line before each bar")
    func severalEpochs() {
        let lines = transcript(verbose: 1, epochs: 2, steps: 2).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "Epoch 1/2" && lines[2] == "Epoch 2/2")
        #expect(matches(lines[1], #"2/2 ━{20} \d+s \d+(s|ms|us)/step - loss: 0\.5000 - val_loss: 0\.2500"#), "\(lines[1])")
    }

    @Test("verbose 2: the summary line per epoch; verbose 0: nothing")
    func otherVerbosities() {
        let lines = transcript(verbose: 2, epochs: 2, steps: 4).split(separator: "\n")
        #expect(lines.count == 4 && lines[0] == "Epoch 1/2")
        #expect(matches(lines[3], #"4/4 - \d+s - \d+(s|ms|us)/step - loss: 0\.5000 - val_loss: 0\.2500"#), "\(lines[3])")
        #expect(transcript(verbose: 0, epochs: 2, steps: 4).isEmpty)
        #expect(transcript(verbose: 2, epochs: 1, steps: 4).split(separator: "\n").count == 1)
    }

    @Test("On a terminal the bar is redrawn in place with ANSI colours")
    func terminal() {
        let text = transcript(verbose: 1, epochs: 1, steps: 3, terminal: true)
        #expect(text.hasPrefix("\r\(bold)1/3\(reset) "))
        #expect(text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1)
        #expect(text.contains("\r\(bold)3/3\(reset) \(green)━━━━━━━━━━━━━━━━━━━━\(reset)\(white)\(reset) "))
    }
}
