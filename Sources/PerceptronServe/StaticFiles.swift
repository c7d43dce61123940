// The page and its assets, served from the package's resources with their content types.
// The folder is found without `Bundle.module`, whose accessor stops the process when missing.

import Foundation
import PerceptronIO

/// The playground page's files (`Resources/web`).
public enum StaticFiles {
    /// The folder holding `index.html`, or nil when the resources cannot be found (a binary
    /// copied away from its build folder): next to the executable first, where SwiftPM puts
    /// the resource bundle, then the package's source folder.
    public static let folder: URL? = ResourceBundle.folder(
        named: "Perceptron_PerceptronServe", subfolder: "web", containing: "index.html",
        source: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/web"))

    /// Content types by file extension; other files are not served.
    public static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "json": "application/json; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon", "txt": "text/plain; charset=utf-8", "woff2": "font/woff2",
        "webp": "image/webp",
    ]

    /// The file `name` (a relative path of safe segments) from the web folder; under
    /// `assets/`, or at the top when not there.
    /// - Throws: `APIError` 404 for a missing file, a name with `..`, or an unknown type.
    static func reply(for name: String, underAssets: Bool = false) throws -> Reply {
        let segments = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty, segments.allSatisfy({ segment in
            !segment.isEmpty && segment != "." && !segment.contains("..")
                && segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        }) else {
            throw APIError.notFound("no such file: \(name)")
        }
        let fileExtension = String(segments.last!.split(separator: ".").last ?? "").lowercased()
        guard let type = contentTypes[fileExtension] else { throw APIError.notFound("no such file: \(name)") }
        guard let folder else {
            throw APIError.notFound("the page's files are missing: run perceptron from its build folder, where its resources are")
        }
        let candidates = underAssets ? [folder.appendingPathComponent("assets/" + name), folder.appendingPathComponent(name)]
            : [folder.appendingPathComponent(name)]
        for file in candidates {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue,
               let bytes = FileManager.default.contents(atPath: file.path) {
                return .file(contentType: type, bytes: bytes)
            }
        }
        throw APIError.notFound("no such file: \(name)")
    }
}
