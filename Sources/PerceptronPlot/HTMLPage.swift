// Self-contained HTML report pages: a title, inline CSS, sections of paragraphs, inline SVG,
// embedded PNG images, preformatted text and tables. No scripts, links or external assets.

import Foundation

/// One piece of content in a report section.
public enum HTMLBlock: Sendable, Hashable {
    /// A paragraph of plain text (escaped).
    case paragraph(String)
    /// An SVG document, such as a chart's `svg()`, inlined in the page. Its XML declaration
    /// and DOCTYPE are dropped and `xmlns="http://www.w3.org/2000/svg"` is removed: HTML5
    /// places `<svg>` in the SVG namespace by itself, and the page then names no URL at all.
    case svg(String)
    /// PNG bytes shown as an image with a `data:image/png;base64,` source. `width` is the
    /// displayed width in CSS pixels (nil: natural size); images are scaled without
    /// smoothing, so a 28 x 28 digit shown at 112 stays crisp. Consecutive images share a row.
    case png([UInt8], alt: String, width: Int? = nil)
    /// Preformatted text (escaped), such as a model summary or a terminal chart.
    case preformatted(String)
    /// A table.
    case table(HTMLTable)
    /// HTML inserted as is. The caller is responsible for it being well formed and
    /// self-contained.
    case rawHTML(String)
}

/// A section of a report: a heading and its blocks.
public struct HTMLSection: Sendable, Hashable {
    /// The heading, written as `<h2>`.
    public var heading: String
    /// The content, in order.
    public var blocks: [HTMLBlock]

    /// A section with a heading and blocks.
    public init(_ heading: String, _ blocks: [HTMLBlock] = []) {
        self.heading = heading
        self.blocks = blocks
    }
}

/// A complete, self-contained HTML5 page: everything (CSS, charts, images) is inside the one
/// file, so it opens offline and can be mailed or archived as is. No JavaScript.
///
/// ```swift
/// var page = HTMLPage(title: "MNIST CNN")
/// page.append(HTMLSection("Loss", [.svg(lossChart.svg())]))
/// page.append(HTMLSection("Model", [.preformatted(summary)]))
/// try Data(page.html().utf8).write(to: url)
/// ```
public struct HTMLPage: Sendable, Hashable {
    /// The page title, in `<title>` and as the `<h1>` heading.
    public var title: String
    /// The sections, in order.
    public var sections: [HTMLSection]
    /// The style sheet placed in `<style>`; `HTMLPage.defaultCSS` by default.
    public var css: String

    /// A page with a title and optional sections.
    public init(title: String, sections: [HTMLSection] = []) {
        self.title = title
        self.sections = sections
        css = HTMLPage.defaultCSS
    }

    /// Appends a section.
    public mutating func append(_ section: HTMLSection) {
        sections.append(section)
    }

    /// A small style sheet: system sans-serif text in a readable column, tables with light
    /// rules and right-aligned tabular numbers, scrollable preformatted blocks, charts scaled
    /// down to the column width. Preformatted lines are 1.15 em apart, a little under the
    /// monospace fonts' glyph height, so the box-drawing rules of a model summary join up.
    public static let defaultCSS = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; background: #fff;
               max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
        h1 { font-size: 1.6rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
        h2 { font-size: 1.25rem; margin-top: 2rem; }
        table { border-collapse: collapse; margin: 1rem 0; }
        caption { text-align: left; font-weight: bold; padding-bottom: .3rem; }
        th, td { padding: .25rem .7rem; border-bottom: 1px solid #e3e3e3; text-align: left; }
        th { border-bottom: 2px solid #bbb; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        pre { background: #f6f6f6; border: 1px solid #e3e3e3; padding: .7rem; overflow-x: auto;
              font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85rem; line-height: 1.15; }
        .figure svg { max-width: 100%; height: auto; }
        .images { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
        .images img { image-rendering: pixelated; image-rendering: crisp-edges; border: 1px solid #e3e3e3; }
        """

    /// The page as HTML5 text, UTF-8, ending with a newline. All text is escaped; only
    /// `.svg` and `.rawHTML` blocks are inserted as markup.
    public func html() -> String {
        var text = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        text += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        text += "<title>\(HTML.escape(title))</title>\n<style>\n\(css)\n</style>\n</head>\n<body>\n"
        text += "<h1>\(HTML.escape(title))</h1>\n"
        for section in sections {
            text += "<section>\n<h2>\(HTML.escape(section.heading))</h2>\n"
            var inImageRow = false
            for block in section.blocks {
                let isImage: Bool
                if case .png = block { isImage = true } else { isImage = false }
                if isImage != inImageRow {
                    text += isImage ? "<div class=\"images\">\n" : "</div>\n"
                    inImageRow = isImage
                }
                text += Self.render(block) + "\n"
            }
            if inImageRow { text += "</div>\n" }
            text += "</section>\n"
        }
        text += "</body>\n</html>\n"
        return text
    }

    private static func render(_ block: HTMLBlock) -> String {
        switch block {
        case .paragraph(let paragraph):
            return "<p>\(HTML.escape(paragraph))</p>"
        case .svg(let svg):
            return "<div class=\"figure\">\n\(inlined(svg))</div>"
        case .png(let bytes, let alt, let width):
            let size = width.map { " width=\"\($0)\"" } ?? ""
            return "<img src=\"\(HTML.dataURI(bytes))\" alt=\"\(HTML.escape(alt))\"\(size)>"
        case .preformatted(let preformatted):
            return "<pre>\(HTML.escape(preformatted))</pre>"
        case .table(let table):
            return table.html()
        case .rawHTML(let html):
            return html
        }
    }

    /// An SVG document made fit for inlining: the XML declaration, any DOCTYPE and the SVG
    /// namespace declaration removed (see `HTMLBlock.svg`).
    static func inlined(_ svg: String) -> String {
        var text = Substring(svg)
        while let start = text.firstRange(of: "<")?.lowerBound,
              text[start...].hasPrefix("<?xml") || text[start...].hasPrefix("<!DOCTYPE"),
              let end = text[start...].firstIndex(of: ">") {
            text = text[text.index(after: end)...]
        }
        let body = text.drop { $0.isWhitespace }
        return body.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    }
}
