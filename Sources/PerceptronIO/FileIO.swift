// Reading whole files with clear errors, and atomic writes (temp file in the same folder,
// flushed, then renamed over the target), so an interrupted write never leaves half a file.

import Foundation

/// A file could not be read or written.
public struct FileError: LocalizedError, Equatable, Sendable {
    /// The file concerned.
    public let path: String
    /// What went wrong and, where possible, what to do about it.
    public let reason: String

    /// An error about the file at `path`; `reason` completes the sentence "`path`: ...".
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, the line a command prints.
    public var errorDescription: String? { "\(path): \(reason)" }
}

/// Whole-file reads with a size limit, and atomic writes.
///
/// Every failure is a `FileError` that names the file and says what went wrong; nothing here
/// stops the program on bad input.
public enum FileIO {
    /// Reads a whole file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - limit: the largest size accepted in bytes, checked before reading; 4 GiB by default,
    ///     so a mistaken path to a device or a huge file fails instead of filling memory.
    /// - Throws: `FileError` when the file is missing, a folder, unreadable or over `limit`.
    public static func read(_ url: URL, limit: Int = 1 << 32) throws -> [UInt8] {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(path: path, reason: "no such file")
        }
        if isDirectory.boolValue {
            throw FileError(path: path, reason: "is a folder, expected a file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(path: path, reason: "cannot be opened for reading (check its permissions)")
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size > limit {
            throw FileError(path: path, reason: "is \(size) bytes, more than the \(limit) accepted")
        }
        do {
            // Read at most one byte past the limit: devices and pipes report no size.
            let data = try handle.read(upToCount: limit == Int.max ? limit : limit + 1) ?? Data()
            if data.count > limit {
                throw FileError(path: path, reason: "is more than the \(limit) bytes accepted")
            }
            return [UInt8](data)
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(path: path, reason: "read failed: \(error.localizedDescription)")
        }
    }

    /// Writes `bytes` to `url` atomically: a temporary file in the same folder is written,
    /// flushed to disk and renamed over `url`. On any failure the temporary file is removed
    /// and an existing `url` is left untouched.
    ///
    /// - Throws: `FileError` naming the file (missing folder, no permission, disk full).
    public static func writeAtomically<C: Collection>(_ bytes: C, to url: URL) throws where C.Element == UInt8 {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isDirectory),
              isDirectory.boolValue
        else {
            throw FileError(path: path, reason: "its folder \(folder) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        // A replaced file keeps its permissions; a new one gets rw-r--r-- (less the umask).
        var existing = stat()
        let mode: mode_t = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : 0o644
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else {
            throw FileError(path: path, reason: "cannot create a file in \(folder): \(String(cString: strerror(errno)))")
        }
        var failure: String?
        let contiguous = Array(bytes)
        contiguous.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil && rename(temporary.path, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw FileError(path: path, reason: "write failed: \(failure); the previous file, if any, is unchanged")
        }
        // Make the rename itself durable.
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// Writes a UTF-8 string atomically; see `writeAtomically(_:to:)`.
    public static func writeAtomically(_ text: String, to url: URL) throws {
        try writeAtomically(Array(text.utf8), to: url)
    }

    /// Creates `url` as a folder (with parents) and checks that a file can be written in it
    /// and, when `expectedBytes` is given, that the disk has that much free space, so a run
    /// fails before its work rather than after.
    ///
    /// - Throws: `FileError` when the folder cannot be made, is not writable or the disk is too full.
    public static func prepareFolder(_ url: URL, expectedBytes: Int = 0) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: url.path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        guard access(url.path, W_OK) == 0 else {
            throw FileError(path: url.path, reason: "the folder is not writable")
        }
        var info = statvfs()
        if expectedBytes > 0, statvfs(url.path, &info) == 0 {
            let free = Int(info.f_bavail) * Int(info.f_frsize)
            guard free >= expectedBytes else {
                throw FileError(path: url.path, reason: "the disk has \(free / 1_048_576) MB free, the run needs about \(expectedBytes / 1_048_576) MB; free some space or choose another --output")
            }
        }
    }
}
