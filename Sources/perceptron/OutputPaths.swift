// Checks on the files and folders a command will write, made before its work so that a
// mistyped path fails in a second rather than after the work; and the terminal's size, for
// drawing pictures that fit it.

import ArgumentParser
import Foundation

/// Checks that `path` ends in one of `extensions` (without the dot, any case), so a PNG is
/// never written under a `.jpg` name.
/// - Throws: `ValidationError` naming the option and the formats it writes.
func checkExtension(_ path: String, option: String, allowed extensions: [String]) throws {
    let given = URL(fileURLWithPath: path).pathExtension.lowercased()
    guard extensions.contains(given) else {
        let formats = extensions.map { "." + $0 }
        let list = formats.count == 1 ? formats[0] : formats.dropLast().joined(separator: ", ") + " or " + formats.last!
        throw ValidationError("\(option) writes \(list) files only; got '\(path)'")
    }
}

/// Checks that a file can be written at `path`: its folder exists and is writable, and the
/// path is not itself a folder.
/// - Throws: `CLIError` naming the option and the path.
func checkWritableFile(_ path: String, option: String) throws {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw CLIError("\(option) \(path) is a folder; give a file name")
    }
    let folder = url.deletingLastPathComponent()
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
        throw CLIError("\(option) \(path): the folder \(folder.path) does not exist")
    }
    guard isDirectory.boolValue else { throw CLIError("\(option) \(path): \(folder.path) is a file, not a folder") }
    guard access(folder.path, W_OK) == 0 else {
        throw CLIError("\(option) \(path): the folder \(folder.path) is not writable (\(String(cString: strerror(errno))))")
    }
}

/// Checks that the folder `path` can be written in or created: it is a writable folder, or it
/// does not exist yet and its nearest existing parent is a writable folder. Nothing is created.
/// - Throws: `CLIError` naming the option and the path.
func checkWritableFolder(_ path: String, option: String) throws {
    var url = URL(fileURLWithPath: path).standardizedFileURL
    while true {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CLIError("\(option) \(path): \(url.path) is a file, not a folder")
            }
            guard access(url.path, W_OK) == 0 else {
                throw CLIError("\(option) \(path): the folder \(url.path) is not writable (\(String(cString: strerror(errno))))")
            }
            return
        }
        let parent = url.deletingLastPathComponent()
        if parent.path == url.path { return }
        url = parent
    }
}

/// The terminal's size in characters: the window of standard output when it is a terminal,
/// else `COLUMNS` and `LINES` when set, else 80 x 24.
func terminalSize() -> (columns: Int, lines: Int) {
    var window = winsize()
    if isatty(STDOUT_FILENO) != 0, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 {
        return (Int(window.ws_col), Int(window.ws_row))
    }
    let environment = ProcessInfo.processInfo.environment
    let columns = environment["COLUMNS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 80
    let lines = environment["LINES"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 24
    return (columns, lines)
}
