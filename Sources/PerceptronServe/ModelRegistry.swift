// The models the playground serves, by name: those given on the command line, or the newest
// MLP and CNN in the runs folder, and every model a playground run finishes.

import Foundation
import PerceptronNN

/// The served models, in the order they were added.
public actor ModelRegistry {
    private var models: [ServedModel] = []

    /// Serves `models`, whose names must differ.
    public init(_ models: [ServedModel] = []) {
        precondition(Set(models.map(\.name)).count == models.count, "model names must differ: \(models.map(\.name))")
        self.models = models
    }

    /// Every model, in order.
    public var all: [ServedModel] { models }

    /// The model called `name`.
    /// - Throws: `APIError` 404 naming the models there are.
    public func model(named name: String) throws -> ServedModel {
        guard let model = models.first(where: { $0.name == name }) else {
            let known = models.isEmpty ? "none is loaded" : "the models are: " + models.map(\.name).joined(separator: ", ")
            throw APIError.notFound("no model named '\(name)'; \(known)")
        }
        return model
    }

    /// The models called `names`, in that order, each once; all of them when nil.
    /// - Throws: `APIError` 404 for an unknown name.
    public func models(named names: [String]?) throws -> [ServedModel] {
        guard let names else { return models }
        var seen = Set<String>()
        return try names.filter { seen.insert($0).inserted }.map { try model(named: $0) }
    }

    /// Loads `file` under `name`, or `name-2`, `name-3`... when taken, and serves it.
    /// - Throws: the model file's errors.
    @discardableResult
    public func add(file: URL, name: String) throws -> ServedModel {
        let taken = Set(models.map(\.name))
        let unique = Self.uniqueName(Self.safeName(name), taken: taken)
        let model = try ServedModel(name: unique, file: file)
        models.append(model)
        return model
    }

    /// `name`, or `name-2`, `name-3`... the first not in `taken`.
    public static func uniqueName(_ name: String, taken: Set<String>) -> String {
        guard taken.contains(name) else { return name }
        var suffix = 2
        while taken.contains("\(name)-\(suffix)") { suffix += 1 }
        return "\(name)-\(suffix)"
    }

    /// `name` with every character but letters, digits, `.`, `_`, `-` made `_`, and `..` made
    /// `_.`, so a name is never a path.
    public static func safeName(_ name: String) -> String {
        var text = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        while text.contains("..") { text = text.replacingOccurrences(of: "..", with: "_.") }
        return text.isEmpty ? "model" : String(text.prefix(200))
    }

    /// The file and name of a `--model` argument: a run folder's `model.safetensors` under the
    /// folder's name, or a file under its folder's name when it is a `model.safetensors`,
    /// under its stem otherwise.
    /// - Throws: `APIError` 404 when there is no such file or the folder holds no model.
    public static func resolve(_ argument: String) throws -> (file: URL, name: String) {
        let url = URL(fileURLWithPath: argument).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw APIError.notFound("\(argument): no such file or folder")
        }
        if isFolder.boolValue {
            let file = url.appendingPathComponent("model.safetensors")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw APIError.notFound("\(argument) holds no model.safetensors; give a run folder or a model file")
            }
            return (file, url.lastPathComponent)
        }
        let name = url.lastPathComponent == "model.safetensors"
            ? url.deletingLastPathComponent().lastPathComponent : url.deletingPathExtension().lastPathComponent
        return (url, name)
    }

    /// The newest MLP and the newest CNN among the run folders of `runs` (by their model
    /// file's date), each named by its folder; fewer when there are none.
    public static func newest(in runs: URL) -> [(file: URL, name: String)] {
        let folders = (try? FileManager.default.contentsOfDirectory(at: runs, includingPropertiesForKeys: nil)) ?? []
        let candidates = folders.compactMap { folder -> (URL, Date)? in
            let file = folder.appendingPathComponent("model.safetensors")
            guard let date = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date else { return nil }
            return (file, date)
        }.sorted { $0.1 > $1.1 }
        var found: [ModelKind: (file: URL, name: String)] = [:]
        for (file, _) in candidates {
            guard let model = try? Model.load(from: file) else { continue }
            let kind = ModelKind(of: model)
            guard kind != .other, found[kind] == nil else { continue }
            found[kind] = (file, file.deletingLastPathComponent().lastPathComponent)
            if found.count == 2 { break }
        }
        return [found[.mlp], found[.cnn]].compactMap { $0 }
    }
}
