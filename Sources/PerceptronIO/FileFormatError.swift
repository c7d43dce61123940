// The one shape of a file-format error: the file (nil for bytes in memory), what is wrong as the
// format's own problem type, and the message `<file>: <problem>`. A format supplies only its problems.

import Foundation

/// One way a format's data can be wrong, able to say so in words. Each format's problems are an
/// enum conforming to this (`PNGErrorKind`, `PGMErrorKind`); `FileFormatError` adds the file.
public protocol FileFormatProblem: Error, Equatable, Sendable {
    /// How messages name data that came from no file: `"PNG data"`.
    static var dataName: String { get }
    /// The file could not be read at all; `reason` says why (missing, a folder, no permission).
    static func unreadable(reason: String) -> Self
    /// The problem in words: what was expected, what was found and, where useful, a hint.
    var message: String { get }
}

/// A file or byte buffer of one format that cannot be decoded.
///
/// `kind` says what is wrong; `file` is the path when the bytes came from a file, so the message
/// reads `digits.png: bad CRC in chunk IDAT ...`, and `PNG data: ...` for bytes in memory.
/// The problem type is an `Error` itself, so decoding stages can throw it before the file name
/// is known; public entry points always throw the `FileFormatError`.
public struct FileFormatError<Problem: FileFormatProblem>: LocalizedError, Equatable, Sendable {
    /// What can be wrong with the data: `PNGError.Kind` is `PNGErrorKind`.
    public typealias Kind = Problem

    /// What is wrong.
    public let kind: Kind
    /// The file the bytes came from, or nil for bytes in memory.
    public var file: String?

    /// An error of `kind`, in `file` when the bytes came from one.
    public init(_ kind: Kind, file: String? = nil) {
        self.kind = kind
        self.file = file
    }

    /// `<file>: <problem>`, or `<dataName>: <problem>` for bytes in memory.
    public var errorDescription: String? {
        (file.map { "\($0): " } ?? "\(Kind.dataName): ") + kind.message
    }

    /// Reads the file at `url` whole (`FileIO.read`) and decodes its bytes with `decode`.
    ///
    /// - Throws: this error with `file` set to the path: `Kind.unreadable` when the file cannot
    ///   be read (missing, a folder, no permission), and `decode`'s error otherwise.
    public static func decodingFile<Value>(
        _ url: URL, _ decode: ([UInt8]) throws(Self) -> Value
    ) throws(Self) -> Value {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(url) } catch let error as FileError {
            throw Self(.unreadable(reason: error.reason), file: url.path)
        } catch {
            throw Self(.unreadable(reason: error.localizedDescription), file: url.path)
        }
        do throws(Self) { return try decode(bytes) } catch { throw Self(error.kind, file: url.path) }
    }
}
