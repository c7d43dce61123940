// The progress bar fitted to a terminal's width: the bar shrinks, an in-place line drops the
// logs that do not fit, the final line carries them on the next lines; a line that fits and
// all output off a terminal stay Keras's bytes. And the colour switch (NO_COLOR, TERM=dumb).
// The timing numbers are controlled by passing `now:`.

import Foundation
import Testing
@testable import PerceptronNN

private let running: Logs = [("categorical_accuracy", 0.4008), ("loss", 1.8827)]
private let epochEnd: Logs = [("categorical_accuracy", 0.5535), ("loss", 1.7365),
                              ("val_categorical_accuracy", 0.81), ("val_loss", 0.95)]

/// Strips ANSI escape sequences.
private func visible(_ text: Substring) -> String {
    String(text.replacing(#/\u{1B}\[[0-9;]*m/#, with: ""))
}

/// A colourless bar: `done` heavy cells, then `left` light ones.
private func cells(_ done: Int, _ left: Int) -> String {
    String(repeating: "━", count: done) + String(repeating: "─", count: left)
}

@Suite struct ProgressBarWidthTests {
    /// One epoch of 48 steps drawn at `columns`: the first step at 0.1 s, step 24 at 0.2 s,
    /// the last at 1.0 s (100 ms, then 4 ms and 19 ms per step).
    private func epoch(columns: Int?, usesColor: Bool = false) -> [String] {
        var bar = ProgressBar(target: 48, isDynamic: true, usesColor: usesColor, columns: { columns }, now: 0)
        return [bar.update(1, logs: running, final: false, now: 0.1), bar.update(24, logs: running, final: false, now: 0.2),
                bar.update(48, logs: epochEnd, final: true, now: 1.0)].map { $0 ?? "nil" }
    }

    @Test("80 columns: the bar shrinks to fit 79; the final line keeps the bar and carries its other logs")
    func eightyColumns() {
        let lines = epoch(columns: 80)
        // 86 columns at 20 cells: 13 cells make 79.
        #expect(lines[0] == "\r 1/48 " + cells(0, 13) + " 4s 100ms/step - categorical_accuracy: 0.4008 - loss: 1.8827")
        #expect(lines[1] == "\r24/48 " + cells(7, 8) + " 0s 4ms/step - categorical_accuracy: 0.4008 - loss: 1.8827")
        #expect(lines[2] == "\r48/48 " + cells(15, 0) + " 1s 19ms/step - categorical_accuracy: 0.5535" + String(repeating: " ", count: 14)
                + "\n- loss: 1.7365 - val_categorical_accuracy: 0.8100 - val_loss: 0.9500\n")
    }

    @Test("40 columns: in-place lines keep the time, the final line carries one log per line")
    func narrow() {
        let lines = epoch(columns: 40)
        #expect(lines[0] == "\r 1/48 " + cells(0, 5) + " 4s 100ms/step")
        #expect(lines[2].hasPrefix("\r48/48 " + cells(5, 0) + " 1s 19ms/step"))
        #expect(lines[2].hasSuffix("\n- categorical_accuracy: 0.5535\n- loss: 1.7365\n- val_categorical_accuracy: 0.8100\n- val_loss: 0.9500\n"))
        for line in lines.joined().split(separator: "\n") {
            for segment in line.split(separator: "\r") { #expect(segment.count <= 39, "\(segment)") }
        }
    }

    @Test("Narrower than a counter and a time: the bar goes and the time is cut; no line reaches the edge")
    func tiny() {
        let lines = epoch(columns: 12)
        #expect(lines[0] == "\r 1/48  4s")
        for line in lines.joined().split(separator: "\n") {
            for segment in line.split(separator: "\r") { #expect(segment.count <= 11, "\(segment)") }
        }
    }

    @Test("A line that fits, an unknown width, and all output off a terminal are Keras's bytes", arguments: [nil, 200, 86 + 1])
    func unchanged(columns: Int?) {
        var bar = ProgressBar(target: 48, isDynamic: true, usesColor: true, columns: { columns }, now: 0)
        let bold = "\u{1B}[1m", white = "\u{1B}[37m", reset = "\u{1B}[0m"
        // Keras's line, 86 columns after its carriage return.
        #expect(bar.update(1, logs: running, final: false, now: 0.1) == "\r\(bold) 1/48\(reset) \(white)" + cells(20, 0) + reset
                + " \(bold)4s\(reset) 100ms/step - categorical_accuracy: 0.4008 - loss: 1.8827")
        var pipe = ProgressBar(target: 48, isDynamic: false, columns: { 40 }, now: 0)
        #expect(pipe.update(48, logs: epochEnd, final: true, now: 1.0)
                == "48/48 ━━━━━━━━━━━━━━━━━━━━ 1s 21ms/step - categorical_accuracy: 0.5535 - loss: 1.7365 - val_categorical_accuracy: 0.8100 - val_loss: 0.9500\n")
    }

    @Test("Colour off on a terminal: no escapes, the part done heavy, the part to do light")
    func withoutColour() {
        var bar = ProgressBar(target: 4, isDynamic: true, usesColor: false, columns: { nil }, now: 0)
        #expect(bar.update(1, logs: [("loss", 0.5)], final: false, now: 1) == "\r1/4 " + cells(5, 15) + " 3s 1s/step - loss: 0.5000")
        #expect(bar.update(4, logs: [("loss", 0.5)], final: true, now: 2) == "\r4/4 " + cells(20, 0) + " 2s 333ms/step - loss: 0.5000\n")
    }

    @Test("The logger fits every line it writes on a terminal")
    func loggerFits() {
        final class Output { var text = "" }
        let output = Output()
        let logger = ProgressLogger(verbose: 1, epochs: 2, steps: 48, isTerminal: true, usesColor: true,
                                    output: { output.text += $0 }, columns: { 60 })
        let model = functionalModel([1], [Dense(1, name: "width_unit")], name: "width_model")
        for epoch in 0..<2 {
            logger.onEpochBegin(epoch, model: model)
            for batch in 0..<48 { logger.onBatchEnd(batch, logs: running, model: model) }
            logger.onEpochEnd(epoch, logs: epochEnd, model: model)
        }
        #expect(output.text.contains("val_loss: 0.9500\n"))
        for line in output.text.split(separator: "\n") {
            for segment in line.split(separator: "\r") { #expect(visible(segment).count <= 59, "\(segment)") }
        }
    }
}

@Suite struct TerminalOutputTests {
    @Test("Colour unless NO_COLOR holds anything or TERM is dumb", arguments: [
        ([:], true), (["TERM": "xterm-256color"], true), (["NO_COLOR": ""], true),
        (["NO_COLOR": "1"], false), (["NO_COLOR": "0"], false), (["NO_COLOR": "yes", "TERM": "xterm"], false),
        (["TERM": "dumb"], false),
    ])
    func colour(environment: [String: String], allowed: Bool) {
        #expect(TerminalOutput.allowsColor(environment: environment) == allowed)
    }

    @Test("A pipe has no window size")
    func pipeHasNoWidth() {
        let pipe = Pipe()
        // COLUMNS may be set where the tests run; without it, a pipe has no width.
        if getenv("COLUMNS") == nil { #expect(TerminalOutput.columns(of: pipe.fileHandleForWriting.fileDescriptor) == nil) }
    }
}
