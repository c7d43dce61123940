// `perceptron represent` run as a user runs it: a tiny model trained by `train`, then the
// table on stdout, the files written, progress on stderr, and clean failures. Determinism is
// checked in the library's tests (a debug build takes about 25 s per run here).

import Foundation
import Testing

@Suite("perceptron represent", .serialized)
struct RepresentTests {
    @Test func tableAndFilesForATinyModel() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let train = try await CLI.run(["train", "--hidden", "32", "--epochs", "1", "--output", run.path, "--no-report", "--verbose", "0"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let model = run.appendingPathComponent("model.safetensors").path
        let output = folder.appendingPathComponent("represent")
        let result = try await CLI.run(["represent", "--model", model, "--samples", "300", "--train-samples", "1000",
                                  "--probe-epochs", "5", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")

        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 5, "stdout: \(result.stdout)")
        #expect(lines.first == "| representation | layers | width | linear probe | between/within | nearest centroid |")
        #expect(lines.dropFirst(2).map { $0.split(separator: "|").first.map(String.init) ?? "" }
                    == [" raw pixels ", " hidden 1 ", " output (softmax probabilities) "])
        #expect(lines[2].contains("| 784 |") && lines[3].contains("| 32 |") && lines[4].contains("| 10 |"))
        let probe = lines.dropFirst(2).map { line -> Double in
            let cell = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }[3]
            return Double(cell.dropLast()) ?? -1
        }
        #expect(probe.count == 3 && probe[0] > 50 && probe.allSatisfy { (0...100).contains($0) }, "probe accuracies: \(probe)")

        let files = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        #expect(files.count == 5 && files.contains("represent.html") && files.contains("represent.csv"), "\(files)")
        #expect(files.filter { $0.hasPrefix("pca-") && $0.hasSuffix(".svg") }.count == 3)
        let page = try String(contentsOf: output.appendingPathComponent("represent.html"), encoding: .utf8)
        #expect(page.contains("300 test images") && page.contains("for 1000 training images"))
        #expect(result.stderr.contains("raw pixels (") && result.stderr.contains("represent took "))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test(arguments: [
        (["represent"], "--model"),
        (["represent", "--model", "/nonexistent/model.safetensors"], "no such file"),
        (["represent", "--model", "m", "--samples", "1"], "--samples must be at least 2"),
        (["represent", "--model", "m", "--train-samples", "0"], "--train-samples must be at least 1"),
        (["represent", "--model", "m", "--probe-epochs", "0"], "--probe-epochs must be at least 1"),
    ])
    func badArgumentsFailCleanly(arguments: [String], fragment: String) async throws {
        expectCleanFailure(try await CLI.run(arguments), mentioning: fragment)
    }
}
