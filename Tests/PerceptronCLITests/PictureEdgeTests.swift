// The picture commands at their edges, run as a user runs them: `transform` (large images,
// files only when asked, inputs checked first, its PNG against the library's warp),
// `robustness` (distinct model names, its CSV against a direct evaluation), `represent`,
// `show` and `plot` (formats by extension, output folders checked before the work, labels).

import Foundation
import PerceptronData
import PerceptronNN
import PerceptronVision
import Testing

/// Trains the smallest useful model into `folder/name` (a few seconds in a debug build).
func trainTinyModel(in folder: URL, name: String = "run") async throws -> URL {
    let run = folder.appendingPathComponent(name)
    let train = try await CLI.run(["train", "--hidden", "16", "--epochs", "1", "--batch-size", "500", "--train-limit", "3000",
                             "--output", run.path, "--no-report", "--verbose", "0"])
    #expect(train.status == 0, "stderr: \(train.stderr)")
    return run.appendingPathComponent("model.safetensors")
}

/// A 400 x 400 grey picture as a binary PGM: a large photograph's size, not a digit's.
func writeLargePGM(to url: URL, width: Int = 400, height: Int = 400) throws -> GreyImage<UInt8> {
    let image = GreyImage<UInt8>(width: width, height: height,
                                 pixels: (0..<width * height).map { UInt8(($0 % width + $0 / width * 3) % 256) })
    try PGM.write(image, to: url)
    return image
}

@Suite("perceptron picture edges", .serialized)
struct PictureEdgeTests {
    // MARK: transform

    /// A 400 x 400 picture used to print 400 lines (and take close to a minute); the terminal
    /// view is now fitted to the terminal, while the written image keeps every pixel.
    @Test func largeImagesAreDrawnAtTerminalSize() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let picture = folder.appendingPathComponent("big.pgm")
        let image = try writeLargePGM(to: picture)
        let output = folder.appendingPathComponent("out.pgm")
        let result = try await CLI.run(["transform", "--image", picture.path, "--rotate", "20", "--output", output.path],
                                 environment: ["COLUMNS": "80", "LINES": "24"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // The matrix line, then two 28 x 28 pictures (the smallest box) side by side.
        #expect(lines.count == 29, "\(lines.count) lines")
        #expect(lines.dropFirst().allSatisfy { $0.count <= 116 }, "longest line: \(lines.map(\.count).max() ?? 0)")
        let warped = try PGM.read(output)
        #expect(warped == warpAffine(image, rotationMatrix2D(center: (199.5, 199.5), angle: 20, scale: 1)))
    }

    /// Without `--png`, nothing is written: not even in a folder where writing would work.
    @Test func transformWritesFilesOnlyWhenAsked() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.run(["transform", "--index", "5", "--rotate", "20"], in: folder)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let listing = try folderListing(folder)
        #expect(listing.isEmpty, "written: \(listing)")
        #expect(!result.stderr.contains("wrote"))
        let asked = try await CLI.run(["transform", "--index", "5", "--rotate", "20", "--png", "t.png"], in: folder)
        #expect(asked.status == 0, "stderr: \(asked.stderr)")
        #expect(try folderListing(folder) == ["t.png"])
        let picture = try decodedPNG(folder.appendingPathComponent("t.png"))
        #expect(picture.width == 560, "two digits at 8x with padding: \(picture.width)")
    }

    /// `--output` holds exactly what the library's warp gives, byte for byte, as PNG and PGM.
    @Test func transformOutputIsTheLibrarysWarp() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let digit = GreyImage(batch: try MNIST.load().trainImages, index: 5)
        var matrix = rotationMatrix2D(center: (20, 25), angle: 20, scale: 1)
        matrix.m02 += 3
        matrix.m12 += 3
        let expected = warpAffine(digit, matrix, interpolation: .linear, border: .constant(0))
        try PNG.write(expected, to: folder.appendingPathComponent("expected.png"))
        try PGM.write(expected, to: folder.appendingPathComponent("expected.pgm"))
        for format in ["png", "pgm"] {
            let file = folder.appendingPathComponent("t.\(format)")
            let result = try await CLI.run(["transform", "--index", "5", "--split", "train", "--rotate", "20", "--center", "20,25",
                                      "--shift", "3,3", "--output", file.path])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(try Data(contentsOf: file) == (try Data(contentsOf: folder.appendingPathComponent("expected.\(format)"))),
                    "\(format) differs from the library's warp")
        }
        // A warp of another size, nearest neighbour, replicated border.
        let file = folder.appendingPathComponent("exact.png")
        let exact = AffineMatrix(m00: 0.5, m01: 0.25, m02: 2, m10: -0.25, m11: 0.5, m12: 9)
        let result = try await CLI.run(["transform", "--index", "5", "--matrix", "0.5,0.25,2,-0.25,0.5,9", "--size", "40,30",
                                  "--interpolation", "nearest", "--border", "replicate", "--output", file.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        try PNG.write(warpAffine(digit, exact, size: (40, 30), interpolation: .nearest, border: .replicate),
                      to: folder.appendingPathComponent("exact-expected.png"))
        #expect(try Data(contentsOf: file) == (try Data(contentsOf: folder.appendingPathComponent("exact-expected.png"))))
    }

    /// A model that cannot read the output size is refused before anything is printed.
    @Test func transformChecksTheModelBeforeTheWork() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try await trainTinyModel(in: folder)
        let result = try await CLI.run(["transform", "--index", "5", "--size", "56,56", "--model", model.path])
        expectCleanFailure(result, mentioning: "the transformed image is 56x56")
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout.prefix(200))")
        let missingFolder = folder.appendingPathComponent("no/such/folder/t.png").path
        let early = try await CLI.run(["transform", "--index", "5", "--output", missingFolder])
        expectCleanFailure(early, mentioning: "does not exist")
        #expect(early.stdout.isEmpty)
        let intoFolder = try await CLI.run(["transform", "--index", "5", "--png", folder.appendingPathComponent("x.png").path,
                                      "--output", folder.path + "/"])
        #expect(intoFolder.status != 0)
        let after = try folderListing(folder)
        #expect(after == ["run"], "nothing written: \(after)")
    }

    // MARK: formats by extension

    @Test(arguments: [
        (["transform", "--index", "5", "--output", "t.jpg"], "--output writes .png or .pgm files only"),
        (["transform", "--index", "5", "--png", "t.pgm"], "--png writes .png files only"),
        (["show", "--index", "0", "--png", "d.jpg"], "--png writes .png files only"),
        (["plot", "history.csv", "-o", "l.png"], "--output writes .svg files only"),
    ])
    func wrongExtensionsAreRefused(arguments: [String], fragment: String) async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.run(arguments, in: folder)
        expectCleanFailure(result, mentioning: fragment)
        #expect(try folderListing(folder).isEmpty)
    }

    // MARK: represent

    /// A folder that cannot be made is reported before the probes run, not after.
    @Test func representChecksItsOutputFolderFirst() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try await trainTinyModel(in: folder)
        let file = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let result = try await CLI.run(["represent", "--model", model.path, "--samples", "100", "--train-samples", "200",
                                  "--probe-epochs", "1", "--output", file.appendingPathComponent("represent").path])
        expectCleanFailure(result, mentioning: "is a file, not a folder")
        #expect(!result.stderr.contains("probe"), "the probes ran first: \(result.stderr)")
    }

    // MARK: robustness

    /// Two run folders with the same name: the CSV rows, the heatmaps and the legends keep
    /// them apart as `xa/m` and `xb/m`.
    @Test func robustnessNamesTwoModelsApart() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try await trainTinyModel(in: folder)
        for name in ["xa/m", "xb/m"] {
            let copy = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: model, to: copy.appendingPathComponent("model.safetensors"))
        }
        let output = folder.appendingPathComponent("robustness")
        let result = try await CLI.run(["robustness", "--model", "xa/m/model.safetensors", "--model", "xb/m/model.safetensors",
                                  "--angles=-10,10,10", "--shifts=-1,1,1", "--limit", "100", "--output", output.path],
                                 in: folder)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let files = try folderListing(output)
        #expect(files == ["grid-xa_m.svg", "grid-xb_m.svg", "robustness.csv", "rotation.svg", "shift.svg"], "\(files)")
        let csv = try String(contentsOf: output.appendingPathComponent("robustness.csv"), encoding: .utf8)
        let models = csv.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
        #expect(Set(models) == ["xa/m", "xb/m"])
        #expect(models.filter { $0 == "xa/m" }.count == models.count / 2)
        #expect(try svgTexts(output.appendingPathComponent("rotation.svg")).filter { $0.hasPrefix("x") } == ["xa/m", "xb/m"])
        #expect(try svgTexts(output.appendingPathComponent("grid-xb_m.svg")).contains { $0.hasPrefix("xb/m:") })
        #expect(result.stdout.contains("| xa/m |") && result.stdout.contains("| xb/m |"))
    }

    /// The CSV holds what a direct evaluation gives: each test image rotated alone by the
    /// library's warp, classified by the saved model.
    @Test func robustnessCSVIsADirectEvaluation() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let modelURL = try await trainTinyModel(in: folder)
        let output = folder.appendingPathComponent("sweep")
        let result = try await CLI.run(["robustness", "--model", modelURL.path, "--name", "tiny", "--angles=-30,30,30",
                                  "--shifts", "0,2,2", "--limit", "300", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let csv = try String(contentsOf: output.appendingPathComponent("robustness.csv"), encoding: .utf8)
        let rows = Dictionary(uniqueKeysWithValues: csv.split(separator: "\n").dropFirst().map { line -> (String, String) in
            let cells = line.split(separator: ",").map(String.init)
            return (cells[1...4].joined(separator: ","), cells[5])
        })

        let model = try Model.load(from: modelURL)
        let mnist = try MNIST.load()
        func accuracy(_ matrix: AffineMatrix) async throws -> String {
            var correct = 0
            for index in 0..<300 {
                let image = warpAffine(GreyImage(batch: mnist.testImages, index: index), matrix)
                let p = try model.predict(image.tensor(scale: 1 / 255).reshaped([1, 784])).scalars
                if p.indices.max(by: { p[$0] < p[$1] }) == Int(mnist.testLabels.bytes[index]) { correct += 1 }
            }
            return String(format: "%.4f", Double(correct) / 300)
        }
        for angle in [-30.0, 30] {
            let measured = try #require(rows["rotation,\(angle),0,0"])
            #expect(measured == (try await accuracy(rotationMatrix2D(center: (13.5, 13.5), angle: angle, scale: 1))), "angle \(angle)")
        }
        #expect(rows["shift_x,0.0,2,0"] == (try await accuracy(.translation(x: 2, y: 0))))
        #expect(rows["none,0.0,0,0"] == (try await accuracy(.identity)))
        #expect(rows["none,0.0,0,0"] != rows["rotation,-30.0,0,0"] || rows["none,0.0,0,0"] != rows["rotation,30.0,0,0"])
    }

    @Test func robustnessChecksEveryModelBeforeSweeping() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try await trainTinyModel(in: folder)
        let result = try await CLI.run(["robustness", "--model", model.path, "--model", folder.appendingPathComponent("none.safetensors").path,
                                  "--limit", "50", "--output", folder.appendingPathComponent("out").path])
        expectCleanFailure(result, mentioning: "none.safetensors")
        #expect(!result.stderr.contains("rotation"), "the first model was swept first: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    // MARK: messages and labels

    @Test func trainNamesTheLimitsItEnforces() async throws {
        expectCleanFailure(try await CLI.run(["train", "--hidden", "100000", "--epochs", "1"]), mentioning: "1 to 65536")
        expectCleanFailure(try await CLI.run(["train", "--augment", "rotation=20,zoom=2", "--epochs", "1"]),
                           mentioning: "zoom must be below 1")
    }

    @Test func plotSaysWhatIsMissingAndLabelsValidationCurves() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty.csv")
        try Data("epoch,loss,val_loss\n".utf8).write(to: empty)
        let chart = folder.appendingPathComponent("chart.svg")
        let none = try await CLI.run(["plot", empty.path, "-o", chart.path])
        expectCleanFailure(none, mentioning: "no epochs")
        #expect(!none.stderr.contains("it has: \n") && !none.stderr.hasSuffix("it has: "))

        let history = folder.appendingPathComponent("history.csv")
        try Data("epoch,loss,val_loss\n0,0.5,0.6\n1,0.3,0.4\n2,0.2,0.35\n".utf8).write(to: history)
        let result = try await CLI.run(["plot", history.path, "-o", chart.path, "--metric", "val_loss"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let texts = try svgTexts(chart)
        #expect(texts.contains("validation loss") && !texts.contains { $0.contains("training") }, "\(texts)")
        expectCleanFailure(try await CLI.run(["plot", history.path, "-o", chart.path, "--metric", "f1"]),
                           mentioning: "it has: loss")
    }
}
