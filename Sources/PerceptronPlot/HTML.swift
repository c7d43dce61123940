// HTML building blocks: text escaping, base64 and data URIs for embedded images, and tables.
// The page around them (head, CSS, sections) is in HTMLPage.swift.

import Foundation

/// HTML text utilities.
public enum HTML {
    /// Escapes `text` for HTML element content and quoted attribute values:
    /// `&` `<` `>` `"` `'` become `&amp;` `&lt;` `&gt;` `&quot;` `&#39;`.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Standard base64 (RFC 4648, `+` and `/`, padded with `=`, no line breaks) of `bytes`.
    public static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// A `data:` URI holding `bytes`, e.g. `data:image/png;base64,iVBORw0KGgo...`, so an image
    /// travels inside the page with no file beside it.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - mediaType: the MIME type; `image/png` by default.
    public static func dataURI(_ bytes: [UInt8], mediaType: String = "image/png") -> String {
        "data:" + mediaType + ";base64," + base64(bytes)
    }
}

/// An HTML table: a header row and rows of text cells, numeric columns right-aligned so that
/// digits line up.
public struct HTMLTable: Sendable, Hashable {
    /// The column headings.
    public var headers: [String]
    /// The rows, each a list of cell texts. Short rows are padded with empty cells; extra
    /// cells are kept (and the header row padded to match).
    public var rows: [[String]]
    /// Indices of the columns to right-align (numbers), counting from 0.
    public var numericColumns: Set<Int>
    /// A caption above the table; nil for none.
    public var caption: String?

    /// A table; all text is escaped when rendered.
    public init(headers: [String], rows: [[String]], numericColumns: Set<Int> = [], caption: String? = nil) {
        self.headers = headers
        self.rows = rows
        self.numericColumns = numericColumns
        self.caption = caption
    }

    /// The table as an HTML fragment, `<table>` to `</table>`, one row a line. Numeric
    /// columns carry `class="num"`, which the page's CSS aligns right with tabular digits.
    public func html() -> String {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        func cell(_ tag: String, _ text: String, column: Int) -> String {
            let attribute = numericColumns.contains(column) ? " class=\"num\"" : ""
            return "<\(tag)\(attribute)>\(HTML.escape(text))</\(tag)>"
        }
        func padded(_ row: [String]) -> [String] {
            row + Array(repeating: "", count: columns - row.count)
        }
        var text = "<table>\n"
        if let caption { text += "<caption>\(HTML.escape(caption))</caption>\n" }
        if !headers.isEmpty {
            text += "<thead><tr>"
            text += padded(headers).enumerated().map { cell("th", $1, column: $0) }.joined()
            text += "</tr></thead>\n"
        }
        text += "<tbody>\n"
        for row in rows {
            text += "<tr>" + padded(row).enumerated().map { cell("td", $1, column: $0) }.joined() + "</tr>\n"
        }
        text += "</tbody>\n</table>"
        return text
    }
}
