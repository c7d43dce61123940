// The SVG 1.1 writer behind every chart: the document prologue, escaping, and one method per
// element used. No layout or chart logic here; coordinates arrive in pixels.

/// SVG text utilities.
public enum SVG {
    /// Escapes `text` for XML character data and double- or single-quoted attribute values:
    /// `&` `<` `>` `"` `'` become `&amp;` `&lt;` `&gt;` `&quot;` `&#39;`.
    ///
    /// Characters XML 1.0 forbids (C0 controls other than tab, newline and carriage return)
    /// are dropped, so any string gives a well-formed document.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

/// How text is placed horizontally about its anchor point (SVG `text-anchor`).
enum TextAnchor: String {
    case start, middle, end
}

/// Builds one SVG document, element by element, one element a line. Numbers are written
/// with `NumberText.coordinate` (a tenth of a pixel), so equal input gives equal bytes.
struct SVGWriter {
    private var text: String
    private var openGroups = 0
    let style: ChartStyle

    /// Starts a document `width` x `height` pixels with the style's font and a background
    /// rectangle. `title` becomes the document's `<title>` (shown as a tooltip, read by
    /// screen readers).
    init(width: Double, height: Double, style: ChartStyle, title: String? = nil) {
        self.style = style
        let w = NumberText.coordinate(width), h = NumberText.coordinate(height)
        text = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
        text += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" height=\"\(h)\""
        text += " viewBox=\"0 0 \(w) \(h)\" font-family=\"\(SVG.escape(style.fontFamily))\""
        text += " fill=\"\(style.textColor.hexString)\">\n"
        if let title, !title.isEmpty {
            text += "<title>\(SVG.escape(title))</title>\n"
        }
        rect(x: 0, y: 0, width: width, height: height, fill: style.background)
    }

    /// Appends an element with its attributes (values escaped) and optional text content.
    mutating func element(_ name: String, _ attributes: [(String, String)], content: String? = nil) {
        text += "<" + name
        for (key, value) in attributes {
            text += " " + key + "=\"" + SVG.escape(value) + "\""
        }
        if let content {
            text += ">" + SVG.escape(content) + "</" + name + ">\n"
        } else {
            text += "/>\n"
        }
    }

    /// Opens a `<g>` whose attributes its children inherit; close it with `closeGroup()`.
    mutating func openGroup(_ attributes: [(String, String)]) {
        text += "<g"
        for (key, value) in attributes {
            text += " " + key + "=\"" + SVG.escape(value) + "\""
        }
        text += ">\n"
        openGroups += 1
    }

    /// Closes the innermost open `<g>`.
    mutating func closeGroup() {
        precondition(openGroups > 0, "SVGWriter.closeGroup called with no open group")
        text += "</g>\n"
        openGroups -= 1
    }

    /// Appends pre-built markup verbatim; the caller guarantees it is well formed.
    mutating func raw(_ markup: String) {
        text += markup
    }

    /// A `<rect>`; nil `fill` is `fill="none"`, a nil `stroke` draws no outline.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: RGBColor?,
                       stroke: RGBColor? = nil, strokeWidth: Double = 1, extra: [(String, String)] = []) {
        var attributes = [("x", c(x)), ("y", c(y)), ("width", c(max(width, 0))), ("height", c(max(height, 0)))]
        attributes.append(("fill", fill?.hexString ?? "none"))
        if let stroke {
            attributes += [("stroke", stroke.hexString), ("stroke-width", c(strokeWidth))]
        }
        element("rect", attributes + extra)
    }

    /// A `<line>` from (x1, y1) to (x2, y2).
    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: RGBColor,
                       width: Double = 1, extra: [(String, String)] = []) {
        element("line", [("x1", c(x1)), ("y1", c(y1)), ("x2", c(x2)), ("y2", c(y2)),
                         ("stroke", stroke.hexString), ("stroke-width", c(width))] + extra)
    }

    /// A `<circle>`; a nil `fill` inherits the enclosing group's.
    mutating func circle(cx: Double, cy: Double, r: Double, fill: RGBColor? = nil) {
        var attributes = [("cx", c(cx)), ("cy", c(cy)), ("r", c(r))]
        if let fill { attributes.append(("fill", fill.hexString)) }
        element("circle", attributes)
    }

    /// A `<polyline>` through `points`, unfilled, with round joins and caps.
    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: RGBColor, width: Double) {
        var list = ""
        list.reserveCapacity(points.count * 12)
        for (index, point) in points.enumerated() {
            if index > 0 { list += " " }
            list += c(point.x) + "," + c(point.y)
        }
        element("polyline", [("points", list), ("fill", "none"), ("stroke", stroke.hexString),
                             ("stroke-width", c(width)), ("stroke-linejoin", "round"),
                             ("stroke-linecap", "round")])
    }

    /// Text at (x, y). `y` is the baseline; `rotation` turns the text by that many degrees
    /// about (x, y) (-90 reads bottom to top).
    mutating func text(_ content: String, x: Double, y: Double, size: Double, anchor: TextAnchor = .start,
                       color: RGBColor? = nil, bold: Bool = false, rotation: Double? = nil) {
        var attributes = [("x", c(x)), ("y", c(y)), ("font-size", c(size))]
        if anchor != .start { attributes.append(("text-anchor", anchor.rawValue)) }
        if let color { attributes.append(("fill", color.hexString)) }
        if bold { attributes.append(("font-weight", "bold")) }
        if let rotation { attributes.append(("transform", "rotate(\(c(rotation)) \(c(x)) \(c(y)))")) }
        element("text", attributes, content: content)
    }

    /// The finished document. Any group still open is closed.
    func finished() -> String {
        text + String(repeating: "</g>\n", count: openGroups) + "</svg>\n"
    }

    private func c(_ value: Double) -> String {
        NumberText.coordinate(value)
    }
}
