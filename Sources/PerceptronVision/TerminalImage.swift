// Drawing a grey image in a terminal: ANSI 256-colour half blocks on a terminal, a plain
// character ramp otherwise, and the tutorial's tab-separated pixel dump.

/// Renders grey images as text.
public enum TerminalImage {
    /// How to draw.
    public enum Style: Sendable {
        /// Two pixel rows per text row with `▀`, foreground and background from the 24 ANSI
        /// grey levels (232...255), dark ink on light paper like `cmap='Greys'`.
        case ansi
        /// One character per pixel from a density ramp (` .:-=+*#%@`), two columns wide so
        /// the digit keeps its proportions; no escape codes.
        case plain
    }

    /// The image as text lines ending in newlines. Pixel value 0 is paper, 255 is ink, as
    /// matplotlib's `Greys` draws MNIST.
    public static func render(_ image: GreyImage<UInt8>, style: Style) -> String {
        switch style {
        case .plain:
            let ramp = Array(" .:-=+*#%@")
            var out = ""
            for y in 0..<image.height {
                var line: [Character] = []
                line.reserveCapacity(2 * image.width)
                for x in 0..<image.width {
                    let level = Int(image[x, y]) * (ramp.count - 1) / 255
                    line.append(ramp[level])
                    line.append(ramp[level])
                }
                while line.last == " " { line.removeLast() }
                out.append(contentsOf: line)
                out.append("\n")
            }
            return out
        case .ansi:
            var out = ""
            var y = 0
            while y < image.height {
                for x in 0..<image.width {
                    let top = ansiGrey(image[x, y])
                    let bottom = y + 1 < image.height ? ansiGrey(image[x, y + 1]) : ansiGrey(0)
                    out += "\u{1B}[38;5;\(top)m\u{1B}[48;5;\(bottom)m▀"
                }
                out += "\u{1B}[0m\n"
                y += 2
            }
            return out
        }
    }

    /// Side by side rendering of several images, separated by `gap` spaces, top-aligned.
    ///
    /// With `columns` and `lines` (the terminal's size), images too large for their share of
    /// the terminal are drawn shrunk (`downscaled(toFitWidth:height:)`) into the box
    /// `displayBox` gives; without them, every image is drawn pixel for pixel.
    public static func renderSideBySide(_ images: [GreyImage<UInt8>], style: Style, gap: Int = 4,
                                        columns: Int? = nil, lines: Int? = nil) -> String {
        var images = images
        if let columns, let lines {
            let box = displayBox(count: images.count, style: style, gap: gap, columns: columns, lines: lines)
            images = images.map { $0.downscaled(toFitWidth: box.width, height: box.height) }
        }
        let blocks = images.map { render($0, style: style).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
        let widths = images.map { style == .plain ? $0.width * 2 : $0.width }
        let rows = blocks.map(\.count).max() ?? 0
        var out = ""
        for row in 0..<rows {
            var line = ""
            for (index, block) in blocks.enumerated() {
                let text = row < block.count ? block[row] : ""
                let visible = style == .plain ? text.count : widths[index]
                line += text + String(repeating: " ", count: max(0, widths[index] - visible))
                if index < blocks.count - 1 { line += String(repeating: " ", count: gap) }
            }
            out += (style == .plain ? String(line.reversed().drop(while: { $0 == " " }).reversed()) : line) + "\n"
        }
        return out
    }

    /// The pixel box each of `count` images side by side may fill in a terminal of `columns`
    /// x `lines` characters: an equal share of the width less the gaps, and the height less
    /// `reservedLines` for the text around the pictures. A pixel takes one column and half a
    /// line in `.ansi`, two columns and a line in `.plain`. The box is never smaller than
    /// `minimumSide` pixels square, 28 so that an MNIST digit is always drawn whole.
    public static func displayBox(count: Int, style: Style, gap: Int = 4, columns: Int, lines: Int,
                                  reservedLines: Int = 6, minimumSide: Int = 28) -> (width: Int, height: Int) {
        let count = max(count, 1)
        let share = (columns - gap * (count - 1)) / count
        let rows = lines - reservedLines
        let width = style == .plain ? share / 2 : share
        let height = style == .plain ? rows : 2 * rows
        return (max(width, minimumSide), max(height, minimumSide))
    }

    /// The tutorial's dump: every row as `%d\t` per pixel followed by a newline, exactly as
    /// `for x in X_train[0]: for i in x: sys.stdout.write('%d\t' % i)` prints it.
    public static func pixelTable(_ image: GreyImage<UInt8>) -> String {
        var out = ""
        for y in 0..<image.height {
            for x in 0..<image.width { out += "\(image[x, y])\t" }
            out += "\n"
        }
        return out
    }

    /// Paper white (255 on the ANSI grey ramp) for 0, ink black for 255.
    static func ansiGrey(_ value: UInt8) -> Int {
        255 - Int(value) * 23 / 255
    }
}
