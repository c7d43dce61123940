// perceptron predict --output: every image's probabilities in a file, equal to the library's
// Model.predict bit for bit, as CSV or raw float32; run folders accepted wherever --model is.

import Foundation
import PerceptronData
import PerceptronNN
import Testing

@Suite("perceptron predict --output")
struct PredictOutputTests {
    @Test func everyTestImageGoesToTheFileAsTheLibraryPredictsIt() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let modelFile = try await trainTinyModel(in: folder)
        let run = modelFile.deletingLastPathComponent()
        let raw = folder.appendingPathComponent("p.f32")
        let csv = folder.appendingPathComponent("p.csv")

        let rawResult = try await CLI.run(["predict", "--model", run.path, "--output", raw.path])
        #expect(rawResult.status == 0, "stderr: \(rawResult.stderr)")
        #expect(rawResult.stderr == "wrote \(raw.path): 10000 images x 10 classes\n")
        let csvResult = try await CLI.run(["predict", "--model", modelFile.path, "--output", csv.path])
        #expect(csvResult.status == 0, "stderr: \(csvResult.stderr)")

        let model = try Model.load(from: modelFile)
        let mnist = try MNIST.load()
        let expected = try model.predict(mnist.testImages.scaled(by: 1 / 255).reshaped(sampleShape: [784])).scalars
        let bytes = [UInt8](try Data(contentsOf: raw))
        #expect(bytes.count == 10000 * 10 * 4)
        let written = (0..<bytes.count / 4).map { i in
            Float(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24)
        }
        #expect(written == expected)

        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 10001)
        #expect(lines[0] == "index,label,predicted,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9")
        let first = lines[1].split(separator: ",").map(String.init)
        #expect(first[0] == "0" && first[1] == "7")
        #expect(first[3...].map { Float($0)! } == Array(expected[0..<10]))
        let best = expected[0..<10].indices.max { expected[$0] < expected[$1] }!
        #expect(first[2] == String(best))
    }

    @Test func oneImageAndBadArguments() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let modelFile = try await trainTinyModel(in: folder)
        let one = folder.appendingPathComponent("five.csv")
        let result = try await CLI.run(["predict", "--model", modelFile.path, "--index", "5", "--output", one.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try String(contentsOf: one, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines[1].hasPrefix("5,1,"))

        expectCleanFailure(try await CLI.run(["predict", "--model", modelFile.path]),
                           mentioning: "give --index N for one image, or --output FILE for every image of the split")
        expectCleanFailure(try await CLI.run(["predict", "--model", modelFile.path, "--output", folder.appendingPathComponent("p.txt").path]),
                           mentioning: "--output writes .csv or .f32 files only")
        expectCleanFailure(try await CLI.run(["predict", "--model", modelFile.path, "--output", one.path]),
                           mentioning: "already exists; give --overwrite to replace it", status: 1)
        #expect(try String(contentsOf: one, encoding: .utf8).split(separator: "\n").count == 2)
        expectCleanFailure(try await CLI.run(["predict", "--model", modelFile.path, "--output", folder.appendingPathComponent("missing/p.f32").path]),
                           mentioning: "does not exist", status: 1)
    }
}
