// Keras 3's progress display (`Progbar`): the step counter, a 20-cell bar, elapsed time or
// ETA, time per step, then the logs. Drawn in place on a terminal, fitted to its width;
// one line per epoch otherwise. Also what a terminal tells a front end: width and colour.

import Foundation

/// Renders Keras 3's progress bar lines.
///
/// Format (Keras 3 `utils/progbar.py`): `%{d}d/%d` steps, a space, 20 cells of `━` (green
/// done, grey to do, ANSI only on a terminal that takes colour; without colour, `━` done and
/// `─` to do), then ` ETA` while running or ` Ns` elapsed
/// when final, then the time per step (`Ns`, `Nms` or `Nus` per step, computed after the
/// first step), then ` - key: value` for each log, values with 4 decimals, or `%.4e` when
/// |value| <= 1e-3. `verbose: 2` prints only the final line: `48/48 - 2s - 35ms/step - ...`.
///
/// Redrawn in place, a line wider than the terminal would wrap, and each redraw would leave
/// a stacked copy behind (a carriage return goes back only to the start of the last row).
/// Keras 3 writes its line whatever the width; here a line that does not fit in the
/// terminal's width less one column is fitted, in this order: the bar shrinks to
/// `minimumWidth` cells, an in-place line drops logs from its end, then its time per step;
/// the final line keeps every log and carries those that do not fit on the next lines. A
/// line that fits, and all output off a terminal, are Keras's bytes.
public struct ProgressBar {
    /// Steps in the epoch (or the evaluation).
    public let target: Int
    /// Cells of the bar, Keras's `width=20`.
    public let width = 20
    /// The fewest cells a bar keeps before logs give way in a narrow terminal.
    public let minimumWidth = 5
    /// Whether the bar is redrawn in place (a terminal).
    public let isDynamic: Bool
    /// Whether the counter, bar and time carry Keras's ANSI colours.
    public let usesColor: Bool
    /// The terminal's width in columns, asked at each redraw (the window may be resized);
    /// nil when unknown, and then lines are not fitted.
    private let columns: () -> Int?
    private let start: TimeInterval
    private var timeAfterFirstStep: TimeInterval?
    private var lastUpdate: TimeInterval = 0
    private var previousWidth = 0
    /// The cells of the last in-place line (nil before it: `width`).
    private var lastCells: Int?

    /// - Parameters:
    ///   - target: the number of steps the bar counts up to (batches in an epoch).
    ///   - isDynamic: redraw in place, as on a terminal.
    ///   - usesColor: ANSI colours; by default on a dynamic bar, as Keras draws it.
    ///   - columns: the width to fit; by default none (Keras's lines as they are).
    ///   - now: the start time, for tests that drive the clock.
    public init(target: Int, isDynamic: Bool, usesColor: Bool? = nil, columns: @escaping () -> Int? = { nil },
                now: TimeInterval = ProgressBar.now()) {
        self.target = target
        self.isDynamic = isDynamic
        self.usesColor = usesColor ?? isDynamic
        self.columns = columns
        self.start = now
    }

    /// A bar for standard error as it is: on a terminal, redrawn in place, fitted to its
    /// width, and coloured unless the environment says otherwise (`TerminalOutput.allowsColor`).
    public static func forStandardError(target: Int) -> ProgressBar {
        let terminal = isatty(STDERR_FILENO) != 0
        return ProgressBar(target: target, isDynamic: terminal, usesColor: terminal && TerminalOutput.allowsColor(),
                           columns: { TerminalOutput.columns(of: STDERR_FILENO) })
    }

    /// Seconds since boot: a clock that never goes back.
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
        let time = final ? "\(String(format: "%.0f", now - start))s" : ProgressBar.formatETA(perStep * Double(target - current))
        // The parts after the bar, each with its leading space: time, time per step, logs.
        var parts = [" " + time, ProgressBar.formatTimePerStep(perStep)]
        for (key, value) in logs { parts.append(" - \(key): \(ProgressBar.formatValue(value))") }
        var cells = width
        var carried: [String] = []
        if isDynamic, let columns = columns(), columns > 1 {
            (cells, parts, carried) = fitted(counter: counter, parts: parts, final: final, limit: columns - 1)
            if !final { lastCells = cells }
        }
        let done = target > 0 ? Int(Double(cells) * Double(current) / Double(target)) : cells
        var bar: String
        if usesColor {
            bar = "\u{1B}[1m\(counter)\u{1B}[0m "
            if done > 0 { bar += "\u{1B}[32m" + String(repeating: "━", count: done) + "\u{1B}[0m" }
            bar += "\u{1B}[37m" + String(repeating: "━", count: cells - done) + "\u{1B}[0m"
        } else {
            // Without colour the part to do is drawn light; a final bar is all done.
            bar = "\(counter) " + String(repeating: "━", count: done) + String(repeating: "─", count: cells - done)
        }
        var info = usesColor && !parts[0].isEmpty ? " \u{1B}[1m\(parts[0].dropFirst())\u{1B}[0m" : parts[0]
        info += parts.dropFirst().joined()
        let visibleWidth = counter.count + 1 + cells + ProgressBar.visibleCount(info)
        var message = isDynamic ? "\r" + bar + info : bar + info
        if isDynamic && previousWidth > visibleWidth { message += String(repeating: " ", count: previousWidth - visibleWidth) }
        previousWidth = visibleWidth
        if final { message += "\n" + carried.map { $0 + "\n" }.joined() }
        return message
    }

    /// The bar's cells and the parts kept on the line so that it fits in `limit` columns, and
    /// for a final line the lines that carry the logs left over. A final line keeps the
    /// cells of the epoch's last redraw, so that the bar does not jump as the epoch ends.
    private func fitted(counter: String, parts: [String], final: Bool, limit: Int)
        -> (cells: Int, parts: [String], carried: [String]) {
        let lead = counter.count + 1
        func length(_ parts: [String]) -> Int { parts.reduce(0) { $0 + $1.count } }
        let overflow = lead + width + length(parts) - limit
        guard overflow > 0 else { return (width, parts, []) }
        var cells = final ? lastCells ?? width : max(minimumWidth, width - overflow)
        if final && lead + cells + length(parts) <= limit { return (cells, parts, []) }
        var kept = parts
        var left: [String] = []
        // The time stays; then the time per step, then the logs in order, while they fit.
        while kept.count > 1 && lead + cells + length(kept) > limit { left.insert(kept.removeLast(), at: 0) }
        if final && kept.count < 2 {
            // The final line keeps its time per step, on a narrower bar if need be.
            kept = Array(parts.prefix(2))
            left = Array(parts.dropFirst(2))
            cells = max(minimumWidth, min(cells, limit - lead - length(kept)))
        }
        if lead + cells + length(kept) > limit {
            // Narrower than a counter, a short bar and a time: the bar goes, then the time is cut.
            let room = max(0, limit - lead)
            return (0, [String(kept[0].prefix(room))], final ? ProgressBar.carry(left, limit: limit) : [])
        }
        // An in-place line drops what does not fit; the final line stays on screen and carries
        // its other logs on the next lines.
        return (cells, kept, final ? ProgressBar.carry(left, limit: limit) : [])
    }

    /// Logs (` - key: value`) packed on lines of at most `limit` columns, each line starting
    /// with `- `.
    static func carry(_ logs: [String], limit: Int) -> [String] {
        var lines: [String] = []
        for log in logs {
            if let last = lines.last, last.count + log.count <= limit {
                lines[lines.count - 1] += log
            } else {
                lines.append(String(log.dropFirst().prefix(limit)))
            }
        }
        return lines
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
    /// Colour on a terminal (nil: on a terminal, as Keras).
    let usesColor: Bool?
    /// The terminal's width in columns, nil when unknown (then lines are Keras's as they are).
    let columns: () -> Int?
    /// Where the text goes: standard error, or a test's buffer.
    let output: (String) -> Void
    private var bar: ProgressBar?

    init(verbose: Int, epochs: Int, steps: Int, isTerminal: Bool = isatty(STDERR_FILENO) != 0, usesColor: Bool? = nil,
         output: @escaping (String) -> Void = ProgressLogger.write, columns: @escaping () -> Int? = { nil }) {
        self.verbose = verbose
        self.epochs = epochs
        self.steps = steps
        self.isTerminal = isTerminal
        self.usesColor = usesColor
        self.columns = columns
        self.output = output
    }

    /// A logger for standard error as it is, as `ProgressBar.forStandardError` draws.
    static func forStandardError(verbose: Int, epochs: Int, steps: Int) -> ProgressLogger {
        let terminal = isatty(STDERR_FILENO) != 0
        return ProgressLogger(verbose: verbose, epochs: epochs, steps: steps, isTerminal: terminal,
                              usesColor: terminal && TerminalOutput.allowsColor(),
                              columns: { TerminalOutput.columns(of: STDERR_FILENO) })
    }

    static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    func onEpochBegin(_ epoch: Int, model: Model) {
        guard verbose > 0 else { return }
        // Keras's ProgbarLogger prints the `Epoch i/N` line only when there is more than one epoch.
        if epochs > 1 { output("Epoch \(epoch + 1)/\(epochs)\n") }
        bar = ProgressBar(target: steps, isDynamic: isTerminal, usesColor: usesColor, columns: columns)
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

/// What a terminal tells a program writing to it: its width, and whether it takes colour.
public enum TerminalOutput {
    /// The width in columns of the terminal on `descriptor`, as its window size reports it
    /// (`TIOCGWINSZ`); else `COLUMNS` when it holds a positive whole number; else nil.
    public static func columns(of descriptor: Int32) -> Int? {
        var size = winsize()
        #if canImport(Darwin)
        let status = ioctl(descriptor, TIOCGWINSZ, &size)
        #else
        let status = ioctl(descriptor, UInt(TIOCGWINSZ), &size)
        #endif
        if status == 0 && size.ws_col > 0 { return Int(size.ws_col) }
        if let text = getenv("COLUMNS"), let value = Int(String(cString: text)), value > 0 { return value }
        return nil
    }

    /// Whether ANSI colour may be written: not when `NO_COLOR` holds any non-empty value
    /// (the no-color.org convention), nor when `TERM` is `dumb` (a terminal that takes no
    /// escape codes). Whether the output is a terminal at all is the caller's question.
    public static func allowsColor(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }
}
