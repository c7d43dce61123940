// `perceptron import`: PyTorch's exported convnet becomes a model file that summary, evaluate
// and predict read; an existing output is kept unless --overwrite; damaged input fails cleanly.

import Foundation
import Testing

@Suite struct ImportCLITests {
    /// A fixture of the ONNX tests, read from the source tree.
    private func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PerceptronONNXTests/Fixtures/\(name)").path
    }

    @Test("import writes a model that summary, evaluate and predict read; an existing output needs --overwrite")
    func importConvnet() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("convnet.safetensors").path
        let result = try await CLI.run(["import", fixture("torch_convnet.onnx"), "--output", output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("Conv2D") && result.stdout.contains("Total params: 34,826"), "\(result.stdout)")
        #expect(result.stderr.contains("Wrote \(output)"))
        let evaluate = try await CLI.run(["evaluate", "--model", output])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        #expect(evaluate.stdout.contains("Test accuracy"), "\(evaluate.stdout)")
        let predict = try await CLI.run(["predict", "--model", output, "--index", "0", "--split", "test"])
        #expect(predict.status == 0, "stderr: \(predict.stderr)")

        let again = try await CLI.run(["import", fixture("torch_convnet.onnx"), "--output", output])
        expectCleanFailure(again, mentioning: "already exists; pass --overwrite", status: 1)
        let replaced = try await CLI.run(["import", fixture("torch_mlp.onnx"), "--output", output, "--overwrite"])
        #expect(replaced.status == 0, "stderr: \(replaced.stderr)")
        let summary = try await CLI.run(["summary", "--model", output])
        #expect(summary.stdout.contains("Total params: 669,706"), "\(summary.stdout)")
    }

    @Test("A damaged ONNX file fails in one line and writes nothing")
    func damagedFile() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let damaged = folder.appendingPathComponent("half.onnx")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("torch_convnet.onnx")))
        try bytes.prefix(bytes.count / 2).write(to: damaged)
        let output = folder.appendingPathComponent("out.safetensors")
        let result = try await CLI.run(["import", damaged.path, "--output", output.path])
        expectCleanFailure(result, mentioning: "truncated", status: 1)
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let missing = try await CLI.run(["import", folder.appendingPathComponent("none.onnx").path, "--output", output.path])
        expectCleanFailure(missing, mentioning: "none.onnx", status: 1)
    }

    @Test("A bad --output is refused before reading anything", arguments: [
        (["--output", "model.onnx"], "--output writes .safetensors files only"),
        (["--output", "/nonexistent-folder/m.safetensors"], "does not exist"),
    ])
    func badOutput(arguments: [String], fragment: String) async throws {
        let result = try await CLI.run(["import", fixture("torch_mlp.onnx")] + arguments)
        expectCleanFailure(result, mentioning: fragment)
    }
}
