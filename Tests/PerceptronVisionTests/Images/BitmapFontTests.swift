// The built-in bitmap font: known glyph patterns, coverage of the required characters, the box
// for unknown ones, text sizes, scaling, clipping and colour.

import Testing
@testable import PerceptronVision

private func art(_ rows: [String]) -> [[Bool]] { rows.map { $0.map { $0 == "#" } } }

struct BitmapFontTests {
    let font = BitmapFont.standard

    @Test func knownGlyphPatterns() {
        #expect(font.bitmap(of: "7") == art([
            "#####",
            "....#",
            "...#.",
            "..#..",
            ".#...",
            ".#...",
            ".#...",
            ".....",
        ]))
        #expect(font.bitmap(of: "g") == art([
            ".....",
            ".....",
            ".####",
            "#...#",
            "#...#",
            ".####",
            "....#",
            ".###.",
        ]))
        #expect(font.bitmap(of: "→") == art([
            ".....",
            "..#..",
            "...#.",
            "#####",
            "...#.",
            "..#..",
            ".....",
            ".....",
        ]))
    }

    @Test func coversDigitsLettersAndTheCaptionSymbols() {
        let required = "0123456789" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz"
            + " .,:;-+()[]/%=<>_'\"?!" + "→°"
        let box = font.bitmap(of: "\u{FFFF}")
        var seen: [[[Bool]]: Character] = [:]
        for character in required {
            #expect(font.contains(character), "missing \(character)")
            let glyph = font.bitmap(of: character)
            #expect(glyph != box, "\(character) looks like the unknown box")
            if let other = seen[glyph] { Issue.record("\(character) and \(other) share a glyph") }
            seen[glyph] = character
            #expect((character == " ") == !glyph.joined().contains(true), "ink of \(character)")
        }
        // All of printable ASCII is there.
        for scalar in 0x20...0x7E { #expect(font.contains(Character(Unicode.Scalar(UInt8(scalar))))) }
    }

    @Test func unknownCharactersAreAVisibleBox() {
        let box = art(["#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####", "....."])
        for character: Character in ["€", "\t", "e\u{301}", "字", "🙂"] {
            #expect(!font.contains(character))
            #expect(font.bitmap(of: character) == box)
        }
        let rendered = font.render("a€b")
        #expect(rendered.width == 17 && rendered.height == 8)
        #expect(rendered[6, 0] == 0 && rendered[10, 6] == 0 && rendered[7, 1] == 255)
    }

    @Test func sizes() {
        #expect(font.size(of: "true 7 → pred 2 (0.93)") == (131, 8))  // 22 glyphs of 6, less the last gap
        #expect(font.size(of: "5", scale: 3) == (15, 24))
        #expect(font.size(of: "") == (0, 8))
        #expect(font.size(of: "ab\ncde") == (17, 17))
        #expect(font.size(of: "ab\r\ncde\n") == (17, 26))
    }

    @Test func rendersAtScale() {
        let one = font.render("7", ink: 0, background: 255)
        #expect(one.width == 5 && one.height == 8)
        #expect(one.pixels == font.bitmap(of: "7").joined().map { $0 ? 0 : 255 })
        let two = font.render("7", scale: 2, ink: 200, background: 10)
        #expect(two.width == 10 && two.height == 16)
        #expect(two == one.applying(.gray).upscaled(by: 2).pixels.map { $0 == 0 ? 200 : 10 }.asImage(width: 10, height: 16))
        let spaced = font.render("11")
        #expect(spaced.width == 11 && (0..<8).allSatisfy { spaced[5, $0] == 255 })
    }

    @Test func drawingClipsAtTheEdges() {
        var image = GreyImage<UInt8>(width: 4, height: 4, fill: 255)
        font.draw("8", into: &image, x: -2, y: -3, ink: 0)
        // Rows 3...6 and columns 2...4 of "8" land in the image; column 3 is the letter gap.
        #expect(image.pixels == [
            0, 0, 255, 255,
            255, 255, 0, 255,
            255, 255, 0, 255,
            0, 0, 255, 255,
        ])
        font.draw("WWW", into: &image, x: 100, y: -100, scale: 5, ink: 0)
        font.draw("WWW", into: &image, x: -1000, y: 3, scale: 5, ink: 0)
        #expect(image.pixels.count == 16)
    }

    @Test func drawsInColour() {
        var image = ColorImage(width: 8, height: 10, channels: 4, fill: .white)
        font.draw("-", into: &image, x: 1, y: 1, color: .red)
        #expect(image[1, 4] == .red && image[5, 4] == .red && image[6, 4] == .white && image[1, 3] == .white)
        #expect(image.bytes[(4 * 8 + 1) * 4 + 3] == 255)
    }
}

private extension Array where Element == UInt8 {
    func asImage(width: Int, height: Int) -> GreyImage<UInt8> { GreyImage(width: width, height: height, pixels: self) }
}
