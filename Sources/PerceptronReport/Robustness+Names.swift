// Names for the models of a robustness sweep: distinct in the CSV, the legends and the file
// names, even when two run folders share a name (`xa/m` and `xb/m`).

import Foundation

extension Robustness {
    /// One distinct display name per model file.
    ///
    /// A model is named by its folder (`runs/mlp/model.safetensors` is `mlp`), or by
    /// `given[i]` when given. Folder names that collide take more of their path until they
    /// differ (`xa/m` and `xb/m`); names that still collide (the same file twice, or a
    /// repeated given name) take a suffix in order: `m`, `m-2`, `m-3`.
    ///
    /// - Parameters:
    ///   - paths: the model files, as typed (relative to the working folder or absolute).
    ///   - given: names chosen by the user, one per path, or empty.
    public static func modelNames(forPaths paths: [String], given: [String] = []) -> [String] {
        let folders = paths.map { path -> [String] in
            let parts = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().pathComponents
            let named = parts.filter { $0 != "/" }
            return named.isEmpty ? ["/"] : named
        }
        var depth = [Int](repeating: 1, count: paths.count)
        func name(_ index: Int) -> String {
            if given.count == paths.count { return given[index] }
            return folders[index].suffix(depth[index]).joined(separator: "/")
        }
        if given.count != paths.count {
            while true {
                let names = paths.indices.map(name)
                let grown = paths.indices.filter { index in
                    depth[index] < folders[index].count
                        && names.indices.contains { $0 != index && names[$0] == names[index] && folders[$0] != folders[index] }
                }
                if grown.isEmpty { break }
                for index in grown { depth[index] += 1 }
            }
        }
        return distinct(paths.indices.map(name))
    }

    /// The file name of each model's heatmap, `grid-NAME.svg`, with every character other
    /// than letters, digits, `-` and `_` replaced by `_`, and distinct (`-2`, `-3` suffixes
    /// when two names map to the same file).
    public static func gridFileNames(for names: [String]) -> [String] {
        let stems = names.map { name in
            String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        }
        return distinct(stems).map { "grid-\($0).svg" }
    }

    /// `names` with repeats suffixed in order (`m`, `m-2`, `m-3`), skipping suffixed names
    /// already taken.
    static func distinct(_ names: [String]) -> [String] {
        var taken = Set<String>()
        var result: [String] = []
        for (index, name) in names.enumerated() {
            var candidate = name
            var number = 2
            // A later plain name keeps its own spelling: reserve every original first.
            let reserved = Set(names[(index + 1)...])
            while taken.contains(candidate) || (candidate != name && reserved.contains(candidate)) {
                candidate = "\(name)-\(number)"
                number += 1
            }
            taken.insert(candidate)
            result.append(candidate)
        }
        return result
    }
}
