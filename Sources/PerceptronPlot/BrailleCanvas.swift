// A character canvas for terminal charts: braille cells of 2 x 4 dots (U+2800 block), lines
// between dots, marker characters over cells. Axes, labels and colour are TerminalChart's.

/// A grid of `columns` x `rows` braille cells, i.e. (2 columns) x (4 rows) dots, where dot
/// (0, 0) is the top left. Each cell remembers the last series that drew in it, for colour.
struct BrailleCanvas {
    let columns: Int
    let rows: Int
    private var bits: [UInt8]
    private var owners: [Int?]
    private var markers: [Character?]

    /// Braille dot bits by position in the cell, `[row][column]`: dots 1, 2, 3, 7 run down the
    /// left column, 4, 5, 6, 8 down the right (Unicode's braille numbering).
    private static let dotBits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        bits = Array(repeating: 0, count: columns * rows)
        owners = Array(repeating: nil, count: columns * rows)
        markers = Array(repeating: nil, count: columns * rows)
    }

    /// Dots across, `2 * columns`.
    var dotWidth: Int { columns * 2 }
    /// Dots down, `4 * rows`.
    var dotHeight: Int { rows * 4 }

    /// Sets the dot at (`x`, `y`) for `series`; dots outside the canvas are ignored.
    mutating func setDot(x: Int, y: Int, series: Int) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let cell = (y / 4) * columns + x / 2
        bits[cell] |= Self.dotBits[y % 4][x % 2]
        owners[cell] = series
    }

    /// Sets the dots of a straight line from one dot to another, both ends included
    /// (Bresenham's algorithm, so the result is exact and the same on every machine).
    mutating func drawLine(from start: (x: Int, y: Int), to end: (x: Int, y: Int), series: Int) {
        var x = start.x, y = start.y
        let dx = abs(end.x - x), dy = -abs(end.y - y)
        let sx = x < end.x ? 1 : -1, sy = y < end.y ? 1 : -1
        var error = dx + dy
        while true {
            setDot(x: x, y: y, series: series)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += sx
            }
            if doubled <= dx {
                error += dx
                y += sy
            }
        }
    }

    /// Puts `character` in the cell holding dot (`x`, `y`), over any braille there.
    mutating func mark(x: Int, y: Int, character: Character, series: Int) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let cell = (y / 4) * columns + x / 2
        markers[cell] = character
        owners[cell] = series
    }

    /// The character of a cell (a marker, a braille pattern, or a space when empty) and the
    /// series that drew it last.
    func cell(column: Int, row: Int) -> (character: Character, series: Int?) {
        let index = row * columns + column
        if let marker = markers[index] { return (marker, owners[index]) }
        if bits[index] == 0 { return (" ", nil) }
        return (Character(Unicode.Scalar(0x2800 + UInt32(bits[index]))!), owners[index])
    }
}
