// Test support: parses SVG output as XML and finds elements, texts and attributes in it.
// No assertions here; the tests decide what must hold.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG document parsed with Foundation's XML parser; parsing fails on malformed XML.
struct ParsedSVG {
    let root: XMLElement

    init(_ svg: String) throws {
        let document = try XMLDocument(data: Data(svg.utf8), options: [])
        guard let root = document.rootElement() else { throw ParseFailure.noRoot }
        self.root = root
    }

    enum ParseFailure: Error { case noRoot }

    /// Every element named `name` (local name, ignoring the SVG namespace), in document order.
    func elements(_ name: String, in scope: XMLElement? = nil) -> [XMLElement] {
        var found: [XMLElement] = []
        func walk(_ element: XMLElement) {
            if (element.localName ?? element.name) == name { found.append(element) }
            for child in element.children ?? [] {
                if let child = child as? XMLElement { walk(child) }
            }
        }
        walk(scope ?? root)
        return found
    }

    /// The `<g>` elements whose class is `className`.
    func groups(_ className: String) -> [XMLElement] {
        elements("g").filter { $0.value("class") == className }
    }

    /// The texts of the `<text>` elements in `scope` (the whole document by default).
    func texts(in scope: XMLElement? = nil) -> [String] {
        elements("text", in: scope).map { $0.stringValue ?? "" }
    }

    /// The texts of the `<text>` elements inside the first group of class `className`.
    func texts(inGroup className: String) -> [String] {
        guard let group = groups(className).first else { return [] }
        return texts(in: group)
    }
}

extension XMLElement {
    /// The value of attribute `name`, or nil. Searches `attributes` because on Linux
    /// `attribute(forName:)` finds nothing on an element in a default namespace.
    func value(_ name: String) -> String? {
        attributes?.first { ($0.localName ?? $0.name) == name }?.stringValue
    }
}
