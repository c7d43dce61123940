// `summary()` in Keras 3's table form, as Keras prints it when its output is not a terminal:
// box-drawing table, thousands separators, totals with Keras's readable memory sizes.

import Foundation

extension Model {
    /// The summary table as Keras 3 prints it to a pipe (columns 33, 24 and 15 wide):
    ///
    ///     Model: "functional"
    ///     ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ///     ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ///     ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    ///     │ dense (Dense)                   │ (None, 512)            │       401,920 │
    ///     └─────────────────────────────────┴────────────────────────┴───────────────┘
    ///      Total params: 669,706 (2.55 MB)
    ///
    /// A Sequential model omits its input layer, as Keras does. Long entries wrap inside
    /// their cell at spaces (`batch_normalization` / `(BatchNormalization)`), as Keras's table does.
    public func summaryText() -> String {
        var rows: [[String]] = []
        let shown: [any Layer] = (self is Sequential ? [] : [inputLayer]) + layers
        var shape = inputLayer.shape
        for layer in shown {
            if !(layer is InputLayer) { shape = layer.outputShape(for: shape) }
            let shapeText = "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")"
            rows.append(["\(layer.name) (\(layer.typeName))", shapeText, Model.grouped(layer.parameterCount)])
        }
        let header = ["Layer (type)", "Output Shape", "Param #"]
        let widths = [33, 24, 15]
        func line(_ left: String, _ fill: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: fill, count: $0) }.joined(separator: middle) + right
        }
        func cells(_ values: [String], border: String) -> [String] {
            // Each cell wraps at spaces to its width less the padding, as rich does.
            let wrapped = values.enumerated().map { Model.wrap($0.element, width: widths[$0.offset] - 2) }
            let height = wrapped.map(\.count).max() ?? 1
            return (0..<height).map { lineIndex in
                var parts: [String] = []
                for (index, cellLines) in wrapped.enumerated() {
                    let value = lineIndex < cellLines.count ? cellLines[lineIndex] : ""
                    let space = max(0, widths[index] - 2 - value.count)
                    let padded = index == 2 ? String(repeating: " ", count: space) + value : value + String(repeating: " ", count: space)
                    parts.append(" \(padded) ")
                }
                return border + parts.joined(separator: border) + border
            }
        }
        var out = ["Model: \"\(name)\""]
        out.append(line("┏", "━", "┳", "┓"))
        out += cells(header, border: "┃")
        out.append(line("┡", "━", "╇", "┩"))
        for (index, row) in rows.enumerated() {
            out += cells(row, border: "│")
            if index < rows.count - 1 { out.append(line("├", "─", "┼", "┤")) }
        }
        out.append(line("└", "─", "┴", "┘"))
        let total = shown.reduce(0) { $0 + $1.parameterCount }
        let trainable = shown.reduce(0) { $0 + $1.trainableParameterCount }
        out.append(" Total params: \(Model.grouped(total)) (\(Model.readableSize(total * 4)))")
        out.append(" Trainable params: \(Model.grouped(trainable)) (\(Model.readableSize(trainable * 4)))")
        out.append(" Non-trainable params: \(Model.grouped(total - trainable)) (\(Model.readableSize((total - trainable) * 4)))")
        return out.joined(separator: "\n") + "\n"
    }

    /// Prints `summaryText()` to standard output, like Keras's `model.summary()`.
    public func summary() { print(summaryText(), terminator: "") }

    /// `text` broken at spaces into lines of at most `width` characters; a word longer than
    /// `width` is cut.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            var word = word
            while word.count > width {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(word.prefix(width)))
                word = String(word.dropFirst(width))
            }
            if current.isEmpty { current = word } else if current.count + 1 + word.count <= width { current += " " + word } else {
                lines.append(current)
                current = word
            }
        }
        lines.append(current)
        return lines
    }

    /// `669706 -> "669,706"`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Keras's `readable_memory_size`: divide by 1024 until below 1024, two decimals:
    /// `2678824 -> "2.55 MB"`, `0 -> "0.00 B"`.
    public static func readableSize(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var size = Double(bytes)
        for unit in units {
            if size / 1024 < 1 { return String(format: "%.2f", size) + " " + unit }
            size /= 1024
        }
        return String(format: "%.2f PB", size)
    }
}
