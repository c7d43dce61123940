// Tests of HTML escaping, base64, tables and the self-contained report page (no external
// references, data URIs, inlined SVG). HTML is checked as text; no HTML parser is used.

import Foundation
import Testing
@testable import PerceptronPlot

@Suite struct HTMLTests {
    @Test func escaping() {
        #expect(HTML.escape("<a href=\"x\">Tom & Jerry's</a>")
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(HTML.escape("plain text, é ü 0.97") == "plain text, é ü 0.97")
        #expect(HTML.escape("&amp;") == "&amp;amp;")
    }

    @Test func base64AndDataURIs() {
        #expect(HTML.base64(Array("Man".utf8)) == "TWFu")
        #expect(HTML.base64(Array("Ma".utf8)) == "TWE=")
        #expect(HTML.base64([0xFF, 0xFE]) == "//4=")
        #expect(HTML.base64([]) == "")
        #expect(HTML.dataURI([0x89, 0x50, 0x4E, 0x47]) == "data:image/png;base64,iVBORw==")
    }

    @Test func tableEscapesCellsAndAlignsNumbers() {
        let table = HTMLTable(headers: ["layer", "params"], rows: [["conv <3x3>", "320"], ["dense"]],
                              numericColumns: [1], caption: "summary")
        #expect(table.html() == """
            <table>
            <caption>summary</caption>
            <thead><tr><th>layer</th><th class="num">params</th></tr></thead>
            <tbody>
            <tr><td>conv &lt;3x3&gt;</td><td class="num">320</td></tr>
            <tr><td>dense</td><td class="num"></td></tr>
            </tbody>
            </table>
            """)
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]

    static func page() -> HTMLPage {
        var page = HTMLPage(title: "Run <1> & summary")
        page.append(HTMLSection("Loss", [.svg(tutorialChart().svg()), .paragraph("Lower is better & so on.")]))
        page.append(HTMLSection("Samples", [
            .png(png, alt: "digit \"7\""), .png(png, alt: "digit 2", width: 112), .paragraph("after"),
        ]))
        page.append(HTMLSection("Model", [
            .preformatted("Layer <Dense>   Params\ndense_1         401920"),
            .table(HTMLTable(headers: ["epoch", "loss"], rows: [["1", "0.31"]], numericColumns: [0, 1])),
        ]))
        return page
    }

    @Test func pageIsSelfContained() {
        let html = Self.page().html()
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(!html.contains("http:") && !html.contains("https:"))
        #expect(!html.contains("<script") && !html.contains("<link"))
        // The only url() references are to fragments in the page (the charts' clip paths).
        #expect(html.components(separatedBy: "url(").dropFirst().allSatisfy { $0.hasPrefix("#") })
        // Every source is a data URI.
        let sources = html.components(separatedBy: "src=\"").dropFirst()
        #expect(sources.count == 2)
        #expect(sources.allSatisfy { $0.hasPrefix("data:image/png;base64,") })
        #expect(html.contains("src=\"\(HTML.dataURI(Self.png))\" alt=\"digit &quot;7&quot;\">"))
        #expect(html.contains("alt=\"digit 2\" width=\"112\">"))
    }

    @Test func pageContentIsEscapedAndInOrder() throws {
        let html = Self.page().html()
        #expect(html.contains("<title>Run &lt;1&gt; &amp; summary</title>"))
        #expect(html.contains("<h1>Run &lt;1&gt; &amp; summary</h1>"))
        #expect(html.contains("<pre>Layer &lt;Dense&gt;   Params\ndense_1         401920</pre>"))
        #expect(html.contains("<p>Lower is better &amp; so on.</p>"))
        #expect(html.components(separatedBy: "<section>").count - 1 == 3)
        // Consecutive images share one row, closed before the next paragraph.
        #expect(html.contains("<div class=\"images\">\n<img "))
        #expect(html.contains(">\n</div>\n<p>after</p>"))
        let headings = ["<h2>Loss</h2>", "<h2>Samples</h2>", "<h2>Model</h2>"].map { html.range(of: $0)?.lowerBound }
        #expect(headings.allSatisfy { $0 != nil })
        #expect(headings[0]! < headings[1]! && headings[1]! < headings[2]!)
    }

    @Test func inlinedSVGLosesItsPrologueAndNamespace() throws {
        let html = Self.page().html()
        #expect(!html.contains("<?xml"))
        #expect(html.contains("<div class=\"figure\">\n<svg version=\"1.1\" width=\"640\""))
        #expect(html.components(separatedBy: "<polyline").count - 1 == 2)
        let inlined = HTMLPage.inlined("<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
        #expect(inlined == "<svg/>")
    }
}
