// perceptron export as a user runs it: from a model file or a run folder (whose training
// settings go into the file), the same bytes as the library's, never overwriting unasked,
// and one clear line for every bad argument.

import Foundation
import PerceptronNN
import PerceptronONNX
import PerceptronTraining
import Testing

@Suite("perceptron export")
struct ExportCLITests {
    @Test func aRunFolderExportsWithItsTrainingSettings() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let modelFile = try await trainTinyModel(in: folder)
        let run = modelFile.deletingLastPathComponent()
        let output = folder.appendingPathComponent("tiny.onnx")

        let result = try await CLI.run(["export", "--model", run.path, "--format", "onnx", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == output.path + "\n")
        #expect(result.stderr == "ONNX opset 18: input [N, 784] -> output [N, 10], 2 layers, 12,730 weights, with the run's training settings\n")
        let settings = try RunFolder(run).readSettings()
        let expected = try Model.load(from: modelFile).onnxBytes(metadata: ["perceptron.training_settings": try settings.json()])
        #expect(try [UInt8](Data(contentsOf: output)) == expected)

        // A model file alone has no run settings; --format defaults to onnx.
        let plain = folder.appendingPathComponent("plain.onnx")
        let fromFile = try await CLI.run(["export", "--model", modelFile.path, "--output", plain.path])
        #expect(fromFile.status == 0, "stderr: \(fromFile.stderr)")
        #expect(try [UInt8](Data(contentsOf: plain)) == Model.load(from: modelFile).onnxBytes())
    }

    @Test func anExistingOutputIsKeptUnlessOverwriteIsGiven() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let modelFile = try await trainTinyModel(in: folder)
        let output = folder.appendingPathComponent("model.onnx")
        try Data("keep me".utf8).write(to: output)
        expectCleanFailure(try await CLI.run(["export", "--model", modelFile.path, "--output", output.path]),
                           mentioning: "already exists; give --overwrite to replace it", status: 1)
        #expect(try Data(contentsOf: output) == Data("keep me".utf8))
        let replaced = try await CLI.run(["export", "--model", modelFile.path, "--output", output.path, "--overwrite"])
        #expect(replaced.status == 0, "stderr: \(replaced.stderr)")
        #expect(try [UInt8](Data(contentsOf: output)) == Model.load(from: modelFile).onnxBytes())
    }

    @Test func badArgumentsGetOneClearLine() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let unfinished = folder.appendingPathComponent("unfinished")
        try FileManager.default.createDirectory(at: unfinished, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: unfinished.appendingPathComponent("checkpoint.safetensors"))
        let notModel = folder.appendingPathComponent("notes.safetensors")
        try Data("not a model".utf8).write(to: notModel)
        let out = folder.appendingPathComponent("out.onnx").path

        expectCleanFailure(try await CLI.run(["export", "--model", notModel.path, "--format", "tflite", "--output", out]),
                           mentioning: "tflite", status: 64)
        expectCleanFailure(try await CLI.run(["export", "--model", notModel.path, "--output", folder.appendingPathComponent("out.pt").path]),
                           mentioning: "--output writes .onnx files only", status: 64)
        expectCleanFailure(try await CLI.run(["export", "--model", notModel.path]), mentioning: "--output", status: 64)
        expectCleanFailure(try await CLI.run(["export", "--model", notModel.path, "--output", folder.appendingPathComponent("no/out.onnx").path]),
                           mentioning: "does not exist", status: 1)
        expectCleanFailure(try await CLI.run(["export", "--model", folder.appendingPathComponent("missing.safetensors").path, "--output", out]),
                           mentioning: "missing.safetensors", status: 1)
        expectCleanFailure(try await CLI.run(["export", "--model", notModel.path, "--output", out]), mentioning: "notes.safetensors", status: 1)
        expectCleanFailure(try await CLI.run(["export", "--model", empty.path, "--output", out]),
                           mentioning: "is a folder without model.safetensors", status: 1)
        expectCleanFailure(try await CLI.run(["export", "--model", unfinished.path, "--output", out]),
                           mentioning: "the run has not finished", status: 1)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
