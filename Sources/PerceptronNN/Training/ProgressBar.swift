// Keras 3's progress display (`Progbar`): the step counter, a 20-cell bar, elapsed time or
// ETA, time per step, then the logs. Drawn in place on a terminal; one line per epoch otherwise.

import Foundation

/// Renders Keras 3's progress bar lines.
///
/// Format (Keras 3 `utils/progbar.py`): `%{d}d/%d` steps, a space, 20 cells of `━` (green
/// done, grey to do, ANSI only on a terminal), then ` ETA` while running or ` Ns` elapsed
/// when final, then the time per step (`Ns`, `Nms` or `Nus` per step, computed after the
/// first step), then ` - key: value` for each log, values with 4 decimals, or `%.4e` when
/// |value| <= 1e-3. `verbose: 2` prints only the final line: `48/48 - 2s - 35ms/step - ...`.
public struct ProgressBar {
    public let target: Int
    public let width = 20
    /// Whether ANSI colours and in-place redraws are used (a terminal).
    public let isDynamic: Bool
    private let start: TimeInterval
    private var timeAfterFirstStep: TimeInterval?
    private var lastUpdate: TimeInterval = 0
    private var previousWidth = 0

    public init(target: Int, isDynamic: Bool, now: TimeInterval = ProgressBar.now()) {
        self.target = target
        self.isDynamic = isDynamic
        self.start = now
    }

    public static func now() -> TimeInterval { ProcessInfo.processInfo.systemUptime }

    /// Keras's `_estimate_step_duration`: after the first step, the mean over the later steps.
    mutating func timePerStep(_ current: Int, now: TimeInterval) -> TimeInterval {
        guard current > 0 else { return 0 }
        let value: TimeInterval
        if let after = timeAfterFirstStep, current > 1 {
            value = (now - after) / Double(current - 1)
        } else {
            value = (now - start) / Double(current)
        }
        if current == 1 { timeAfterFirstStep = now }
        return value
    }

    /// Keras's `_format_time`: ` 2s/step`, ` 35ms/step`, ` 120us/step`.
    public static func formatTimePerStep(_ seconds: TimeInterval) -> String {
        if seconds >= 1 || seconds == 0 { return " \(String(format: "%.0f", seconds))s/step" }
        if seconds >= 1e-3 { return " \(String(format: "%.0f", seconds * 1000))ms/step" }
        return " \(String(format: "%.0f", seconds * 1_000_000))us/step"
    }

    /// A log value as Keras prints it: `0.1234`, or `1.2346e-04` when |value| <= 1e-3.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if abs(value) > 1e-3 { return String(format: "%.4f", value) }
        return String(format: "%.4e", value)
    }

    /// Keras's ETA text: `5s`, `1:05`, `1:01:05`.
    static func formatETA(_ seconds: TimeInterval) -> String {
        let s = Int(seconds)
        if seconds > 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60) }
        if seconds > 60 { return String(format: "%d:%02d", s / 60, s % 60) }
        return "\(s)s"
    }

    /// The text to write for step `current` (1-based) with `logs`, for `verbose` 1; nil when
    /// nothing should be written (not a terminal and not final, or redrawn too recently).
    public mutating func update(_ current: Int, logs: Logs, final: Bool,
                                now: TimeInterval = ProgressBar.now()) -> String? {
        let perStep = timePerStep(current, now: now)
        if !final {
            guard isDynamic, now - lastUpdate >= 0.05 else { return nil }
        }
        lastUpdate = now
        let digits = String(target).count
        let counter = String(format: "%\(digits)d/%d", current, target)
        let done = target > 0 ? Int(Double(width) * Double(current) / Double(target)) : width
        var bar: String
        if isDynamic {
            bar = "\u{1B}[1m\(counter)\u{1B}[0m "
            if done > 0 { bar += "\u{1B}[32m" + String(repeating: "━", count: done) + "\u{1B}[0m" }
            bar += "\u{1B}[37m" + String(repeating: "━", count: width - done) + "\u{1B}[0m"
        } else {
            bar = "\(counter) " + String(repeating: "━", count: width)
        }
        let time = final ? "\(String(format: "%.0f", now - start))s" : ProgressBar.formatETA(perStep * Double(target - current))
        var info = isDynamic ? " \u{1B}[1m\(time)\u{1B}[0m" : " \(time)"
        info += ProgressBar.formatTimePerStep(perStep)
        for (key, value) in logs { info += " - \(key): \(ProgressBar.formatValue(value))" }
        let visibleWidth = counter.count + 1 + width + ProgressBar.visibleCount(info)
        var message = isDynamic ? "\r" + bar + info : bar + info
        if isDynamic && previousWidth > visibleWidth { message += String(repeating: " ", count: previousWidth - visibleWidth) }
        previousWidth = visibleWidth
        if final { message += "\n" }
        return message
    }

    /// The `verbose: 2` line for a finished epoch: `48/48 - 2s - 35ms/step - loss: ...`.
    public mutating func summaryLine(logs: Logs, now: TimeInterval = ProgressBar.now()) -> String {
        let perStep = timePerStep(target, now: now)
        let digits = String(target).count
        var info = String(format: "%\(digits)d/%d", target, target) + " - \(String(format: "%.0f", now - start))s -"
        info += ProgressBar.formatTimePerStep(perStep)
        // Keras's verbose-2 branch tests `value > 1e-3`, not `abs(value) > 1e-3` as verbose 1
        // does, so a negative value is printed as `-5.0000e-01` here.
        for (key, value) in logs {
            let text = value.isNaN ? "nan" : String(format: value > 1e-3 ? "%.4f" : "%.4e", value)
            info += " - \(key): \(text)"
        }
        return info + "\n"
    }

    static func visibleCount(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape { if scalar == "m" { inEscape = false }; continue }
            if scalar == "\u{1B}" { inEscape = true; continue }
            count += 1
        }
        return count
    }
}

/// Prints Keras-style progress for `fit` and `evaluate` on standard error.
final class ProgressLogger: Callback {
    let verbose: Int
    let epochs: Int
    let steps: Int
    let isTerminal: Bool
    /// Where the text goes: standard error, or a test's buffer.
    let output: (String) -> Void
    private var bar: ProgressBar?

    init(verbose: Int, epochs: Int, steps: Int, isTerminal: Bool = isatty(STDERR_FILENO) != 0,
         output: @escaping (String) -> Void = ProgressLogger.write) {
        self.verbose = verbose
        self.epochs = epochs
        self.steps = steps
        self.isTerminal = isTerminal
        self.output = output
    }

    static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    func onEpochBegin(_ epoch: Int, model: Model) {
        guard verbose > 0 else { return }
        // Keras's ProgbarLogger prints the `Epoch i/N` line only when there is more than one epoch.
        if epochs > 1 { output("Epoch \(epoch + 1)/\(epochs)\n") }
        bar = ProgressBar(target: steps, isDynamic: isTerminal)
    }

    func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {
        guard verbose == 1, batch + 1 < steps, let text = bar?.update(batch + 1, logs: logs, final: false) else { return }
        output(text)
    }

    func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) {
        guard verbose > 0, var current = bar else { return }
        let text = verbose == 1 ? current.update(steps, logs: logs, final: true) ?? "" : current.summaryLine(logs: logs)
        bar = current
        output(text)
    }
}
