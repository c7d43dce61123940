// Laying out grey images in a grid, upscaled and colour-mapped, each with a caption under it, as
// one RGB image ready for PNG. Text drawing is BitmapFont's; file output is PNG's.

/// A grid of captioned images, such as misclassified digits labelled "true 7 → pred 2 (0.93)".
///
/// Every cell is as wide as the widest upscaled image or caption and as tall as the tallest
/// image plus the tallest caption, so images of different sizes line up; each image is centred
/// in its cell and its caption centred under it. `padding` pixels of background surround every
/// cell; captions sit `padding / 2` pixels under the image area.
///
/// ```swift
/// let grid = ImageGrid(columns: 5, scale: 4, colormap: .greys)
/// let picture = grid.render(mistakes.map {
///     ImageGrid.Tile($0.image, caption: "true \($0.label) → pred \($0.guess)", captionColor: .tabRed)
/// })
/// try PNG.write(picture, to: URL(fileURLWithPath: "mistakes.png"))
/// ```
public struct ImageGrid: Sendable {
    /// One image and the caption under it.
    public struct Tile: Sendable {
        /// The picture, shown through the grid's colormap at the grid's scale.
        public var image: GreyImage<UInt8>
        /// Text under the image; newlines start new lines; "" for none.
        public var caption: String
        /// Colour of the caption text, e.g. `.tabRed` for a wrong prediction.
        public var captionColor: RGBColor

        /// A tile; black text by default.
        public init(_ image: GreyImage<UInt8>, caption: String = "", captionColor: RGBColor = .black) {
            self.image = image
            self.caption = caption
            self.captionColor = captionColor
        }
    }

    /// Where things go, in output pixels.
    public struct Layout: Equatable, Sendable {
        /// Size of the whole picture.
        public var width: Int, height: Int
        /// Columns and rows actually used: at most as many columns as tiles.
        public var columns: Int, rows: Int
        /// Size of one cell without padding: the image area and, under it, the caption area.
        public var cellWidth: Int, imageHeight: Int, captionHeight: Int
        /// Rows between the image area and the caption area (0 without captions).
        public var captionGap: Int
    }

    /// Most cells per row; fewer tiles use fewer columns.
    public var columns: Int
    /// Whole-number nearest-neighbour upscaling of every image (10 shows a 28x28 digit at 280x280).
    public var scale: Int
    /// Whole-number scale of caption text (1: 8-pixel-high lines).
    public var captionScale: Int
    /// Background pixels around and between cells.
    public var padding: Int
    /// How image values are shown: `.gray` (0 black) or `.greys` (0 white, matplotlib's look).
    public var colormap: Colormap
    /// Colour around the images and behind the captions.
    public var background: RGBColor
    /// The caption font, `BitmapFont.standard` by default.
    public var font: BitmapFont

    /// A grid of `columns` cells per row; each setting is the property of the same name.
    ///
    /// The defaults draw images at their own size (`scale` 1) with 8-pixel-high captions,
    /// 4 pixels of white around and between cells, and grey values as they are (`.gray`).
    ///
    /// - Precondition: `columns`, `scale` and `captionScale` at least 1; `padding` at least 0.
    public init(
        columns: Int, scale: Int = 1, captionScale: Int = 1, padding: Int = 4,
        colormap: Colormap = .gray, background: RGBColor = .white, font: BitmapFont = .standard
    ) {
        precondition(columns >= 1 && scale >= 1 && captionScale >= 1 && padding >= 0,
                     "ImageGrid needs columns, scale and captionScale >= 1 and padding >= 0, "
                        + "got \(columns), \(scale), \(captionScale), \(padding)")
        self.columns = columns
        self.scale = scale
        self.captionScale = captionScale
        self.padding = padding
        self.colormap = colormap
        self.background = background
        self.font = font
    }

    /// The layout `render(_:)` uses for `tiles`. No tiles give a blank square of side
    /// `max(1, 2 * padding)`, so the result is always a valid PNG.
    public func layout(for tiles: [Tile]) -> Layout {
        let side = max(1, 2 * padding)
        guard !tiles.isEmpty else {
            return Layout(width: side, height: side, columns: 0, rows: 0,
                          cellWidth: 0, imageHeight: 0, captionHeight: 0, captionGap: 0)
        }
        let used = min(columns, tiles.count)
        let rows = (tiles.count + used - 1) / used
        let captions = tiles.map { $0.caption.isEmpty ? (width: 0, height: 0) : font.size(of: $0.caption, scale: captionScale) }
        let cellWidth = max(tiles.map { $0.image.width * scale }.max()!, captions.map(\.width).max()!)
        let imageHeight = tiles.map { $0.image.height * scale }.max()!
        let captionHeight = captions.map(\.height).max()!
        let gap = captionHeight > 0 ? padding / 2 : 0
        let cellHeight = imageHeight + gap + captionHeight
        return Layout(width: max(1, used * cellWidth + (used + 1) * padding),
                      height: max(1, rows * cellHeight + (rows + 1) * padding),
                      columns: used, rows: rows,
                      cellWidth: cellWidth, imageHeight: imageHeight, captionHeight: captionHeight, captionGap: gap)
    }

    /// The grid as an RGB image: tiles left to right, then top to bottom.
    public func render(_ tiles: [Tile]) -> ColorImage {
        let layout = layout(for: tiles)
        var canvas = ColorImage(width: layout.width, height: layout.height, fill: background)
        let table = colormap.table
        for (index, tile) in tiles.enumerated() {
            let cellLeft = padding + (index % layout.columns) * (layout.cellWidth + padding)
            let cellTop = padding + (index / layout.columns) * (layout.imageHeight + layout.captionGap
                                                                + layout.captionHeight + padding)
            let image = tile.image.upscaled(by: scale)
            let left = cellLeft + (layout.cellWidth - image.width) / 2
            let top = cellTop + (layout.imageHeight - image.height) / 2
            for y in 0..<image.height {
                for x in 0..<image.width {
                    canvas[left + x, top + y] = RGBColor(grey: table[Int(image.pixels[y * image.width + x])])
                }
            }
            guard !tile.caption.isEmpty else { continue }
            let text = font.size(of: tile.caption, scale: captionScale)
            font.draw(tile.caption, into: &canvas, x: cellLeft + (layout.cellWidth - text.width) / 2,
                      y: cellTop + layout.imageHeight + layout.captionGap, scale: captionScale, color: tile.captionColor)
        }
        return canvas
    }
}
