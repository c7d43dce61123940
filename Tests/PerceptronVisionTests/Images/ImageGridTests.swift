// Captioned image grids: layout sizes, where images and captions land, colours, mixed sizes and
// the empty grid, and that the result encodes as PNG.

import Testing
@testable import PerceptronVision

struct ImageGridTests {
    static func digit(_ value: UInt8, width: Int = 28, height: Int = 28) -> GreyImage<UInt8> {
        GreyImage(width: width, height: height, fill: value)
    }

    @Test func layoutOfTenDigits() {
        let tiles = (0..<10).map { ImageGrid.Tile(Self.digit(UInt8($0 * 20)), caption: "\($0)") }
        let grid = ImageGrid(columns: 5, scale: 2)
        // Cells 56 wide; 56 image + 2 gap + 8 caption tall; 4 pixels of padding around each.
        #expect(grid.layout(for: tiles) == ImageGrid.Layout(
            width: 5 * 56 + 6 * 4, height: 2 * (56 + 2 + 8) + 3 * 4, columns: 5, rows: 2,
            cellWidth: 56, imageHeight: 56, captionHeight: 8, captionGap: 2))
        let picture = grid.render(tiles)
        #expect(picture.width == 304 && picture.height == 144 && picture.channels == 3)
        #expect(picture[0, 0] == .white)
        // Tile 6 (second row, second column) is grey 120, its top-left at (4 + 60, 4 + 70).
        #expect(picture[64, 74] == RGBColor(grey: 120) && picture[64 + 55, 74 + 55] == RGBColor(grey: 120))
        #expect(picture[63, 74] == .white && picture[64, 73] == .white)
    }

    @Test func aTenTimesDigitWithAWideRedCaption() {
        let caption = "true 7 → pred 2 (0.93)"
        let tiles = [ImageGrid.Tile(Self.digit(255), caption: caption, captionColor: .red)]
        let grid = ImageGrid(columns: 4, scale: 10, captionScale: 2, padding: 6, colormap: .greys)
        let layout = grid.layout(for: tiles)
        // One tile uses one column; the caption (131 x 2 = 262) is narrower than the image (280).
        #expect(layout == ImageGrid.Layout(width: 280 + 12, height: 280 + 3 + 16 + 12, columns: 1, rows: 1,
                                           cellWidth: 280, imageHeight: 280, captionHeight: 16, captionGap: 3))
        let picture = grid.render(tiles)
        #expect(picture[6, 6] == .black && picture[285, 285] == .black)  // Greys shows 255 as black
        var red = 0
        for y in 0..<picture.height {
            for x in 0..<picture.width where picture[x, y] == .red {
                red += 1
                #expect(y >= 6 + 280 + 3 && y < 6 + 280 + 3 + 16 && x >= 6 + 9 && x < 6 + 9 + 262, "red at \(x), \(y)")
            }
        }
        #expect(red > 0 && red % 4 == 0)  // whole 2x2 blocks
    }

    @Test func mixedSizesAreCentredInTheirCells() {
        let tiles = [ImageGrid.Tile(Self.digit(0, width: 4, height: 2)), ImageGrid.Tile(Self.digit(0, width: 2, height: 4))]
        let grid = ImageGrid(columns: 2, padding: 1)
        #expect(grid.layout(for: tiles) == ImageGrid.Layout(width: 11, height: 6, columns: 2, rows: 1,
                                                            cellWidth: 4, imageHeight: 4, captionHeight: 0, captionGap: 0))
        let picture = grid.render(tiles)
        let black = (0..<6).map { y in String((0..<11).map { picture[$0, y] == .black ? "#" : "." }) }
        #expect(black == [
            "...........",
            ".......##..",
            ".####..##..",
            ".####..##..",
            ".......##..",
            "...........",
        ])
    }

    @Test func anEmptyGridIsABlankValidImage() throws {
        let picture = ImageGrid(columns: 3).render([])
        #expect(picture.width == 8 && picture.height == 8 && picture.bytes.allSatisfy { $0 == 255 })
        #expect(ImageGrid(columns: 3, padding: 0).render([]).width == 1)
        #expect(try PNG.decodeColor(PNG.encode(picture)) == picture)
    }

    @Test func theGridEncodesAsPNG() throws {
        let tiles = (0..<7).map { ImageGrid.Tile(Self.digit(UInt8($0 * 30)), caption: "\($0)", captionColor: $0 == 3 ? .red : .black) }
        let picture = ImageGrid(columns: 3, scale: 3, colormap: .greys).render(tiles)
        #expect(try PNG.decodeColor(PNG.encode(picture)) == picture)
    }
}
