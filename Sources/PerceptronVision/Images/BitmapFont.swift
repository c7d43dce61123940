// A built-in bitmap font for captions: measuring and drawing lines of text at a whole scale
// into grey or colour images. The glyph table is in BitmapFont+Glyphs.swift; no anti-aliasing.

/// A fixed-width bitmap font; `standard` is the only one built in.
///
/// Text is drawn glyph by glyph, each `glyphWidth x glyphHeight` pixels followed by
/// `letterSpacing` blank columns; lines (split at newlines) are `lineSpacing` rows apart. A
/// character the font lacks, including a combined one such as "é" written as e + U+0301, is
/// drawn as a hollow box: never skipped, never a crash.
public struct BitmapFont: Sendable {
    /// Pixels per glyph across.
    public let glyphWidth: Int
    /// Pixels per glyph down, descender row included.
    public let glyphHeight: Int
    /// Blank columns after each glyph but the last of a line.
    public let letterSpacing: Int
    /// Blank rows between lines.
    public let lineSpacing: Int
    private let glyphs: [Character: UInt64]
    private let missing: UInt64

    /// 5x8 glyphs (capitals 7 tall, one row of descender), 1 column and 1 row apart: a 6-pixel
    /// advance, small enough for a caption under a 28x28 digit shown at scale 10 with room for
    /// 46 characters. Covers printable ASCII, → and °.
    public static let standard = BitmapFont(
        glyphWidth: 5, glyphHeight: 8, letterSpacing: 1, lineSpacing: 1,
        glyphs: standardGlyphs, missing: missingGlyph)

    /// Whether the font has a glyph for `character` (otherwise it is drawn as a box).
    public func contains(_ character: Character) -> Bool { glyphs[character] != nil }

    /// The glyph of `character` as rows of pixels, top first, `true` for ink; the box for a
    /// character the font lacks.
    public func bitmap(of character: Character) -> [[Bool]] {
        let bits = glyphs[character] ?? missing
        return (0..<glyphHeight).map { row in
            let byte = bits >> UInt64(8 * (7 - row)) & 0xFF
            return (0..<glyphWidth).map { column in byte >> UInt64(glyphWidth - 1 - column) & 1 == 1 }
        }
    }

    /// The size `text` takes at `scale`: the widest line, and every line's height. An empty
    /// line is 0 wide and still one glyph tall.
    ///
    /// - Precondition: `scale >= 1`.
    public func size(of text: String, scale: Int = 1) -> (width: Int, height: Int) {
        precondition(scale >= 1, "text scale must be at least 1, got \(scale)")
        let lines = Self.lines(text)
        let widest = lines.map(\.count).max() ?? 0
        let width = widest == 0 ? 0 : widest * (glyphWidth + letterSpacing) - letterSpacing
        let height = lines.count * glyphHeight + (lines.count - 1) * lineSpacing
        return (width * scale, height * scale)
    }

    /// `text` drawn in `ink` on `background`, each font pixel a `scale x scale` block, the image
    /// exactly `size(of: text, scale: scale)`. Lines are left-aligned.
    ///
    /// - Precondition: `scale >= 1`.
    public func render(_ text: String, scale: Int = 1, ink: UInt8 = 0, background: UInt8 = 255) -> GreyImage<UInt8> {
        let (width, height) = size(of: text, scale: scale)
        var image = GreyImage<UInt8>(width: width, height: height, fill: background)
        draw(text, into: &image, x: 0, y: 0, scale: scale, ink: ink)
        return image
    }

    /// Draws `text` into a grey image with its top-left corner at (`x`, `y`); ink falling
    /// outside the image is clipped, so any position is safe.
    ///
    /// - Precondition: `scale >= 1`.
    public func draw(_ text: String, into image: inout GreyImage<UInt8>, x: Int, y: Int, scale: Int = 1, ink: UInt8 = 0) {
        let width = image.width
        forEachInkBlock(text, x: x, y: y, scale: scale, width: width, height: image.height) { columns, rows in
            for py in rows {
                for px in columns { image.pixels[py * width + px] = ink }
            }
        }
    }

    /// Draws `text` into a colour image in `color` (alpha, if any, set to 255) with its top-left
    /// corner at (`x`, `y`); ink falling outside the image is clipped.
    ///
    /// - Precondition: `scale >= 1`.
    public func draw(_ text: String, into image: inout ColorImage, x: Int, y: Int, scale: Int = 1, color: RGBColor) {
        forEachInkBlock(text, x: x, y: y, scale: scale, width: image.width, height: image.height) { columns, rows in
            for py in rows {
                for px in columns { image[px, py] = color }
            }
        }
    }

    /// Calls `body(columns, rows)` for every `scale x scale` block of ink, clipped to a
    /// `width x height` image; blocks wholly outside it are skipped.
    private func forEachInkBlock(
        _ text: String, x: Int, y: Int, scale: Int, width: Int, height: Int, _ body: (Range<Int>, Range<Int>) -> Void
    ) {
        precondition(scale >= 1, "text scale must be at least 1, got \(scale)")
        for (lineIndex, line) in Self.lines(text).enumerated() {
            let lineTop = y + lineIndex * (glyphHeight + lineSpacing) * scale
            for (column, character) in line.enumerated() {
                let glyphLeft = x + column * (glyphWidth + letterSpacing) * scale
                for (row, pixels) in bitmap(of: character).enumerated() {
                    let top = lineTop + row * scale
                    let rows = max(top, 0)..<max(min(top + scale, height), max(top, 0))
                    if rows.isEmpty { continue }
                    for (dx, isInk) in pixels.enumerated() where isInk {
                        let left = glyphLeft + dx * scale
                        let columns = max(left, 0)..<max(min(left + scale, width), max(left, 0))
                        if !columns.isEmpty { body(columns, rows) }
                    }
                }
            }
        }
    }

    /// The lines of `text`, split at every newline character ("\n", "\r\n", "\r", U+2028...).
    private static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }
}
