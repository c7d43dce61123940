// The command line end to end: the binary is run as a user runs it, and stdout, stderr and
// the exit status are checked.

import Foundation
import PerceptronData
import PerceptronIO
import PerceptronTensor
import PerceptronVision
import Testing

@Suite("perceptron command", .serialized)
struct CLITests {
    @Test func infoNamesTheBackend() async throws {
        let result = try await CLI.run(["info"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("GEMM backend: "))
        #expect(result.stdout.contains("perceptron "))
        let portable = try await CLI.run(["info"], environment: ["PERCEPTRON_BACKEND": "portable"])
        #expect(portable.stdout.contains("GEMM backend: portable"))
        #expect(result.stdout.contains("portable micro-kernel: \(PortableGEMM.MicroKernel.best.rawValue) (this CPU runs swift"))
        let swift = try await CLI.run(["info"], environment: ["PERCEPTRON_PORTABLE_KERNEL": "swift"])
        #expect(swift.stdout.contains("portable micro-kernel: swift"))
    }

    @Test func infoNamesTheConvolutionKernels() async throws {
        let result = try await CLI.run(["info"])
        let expected = switch VectorUnit.widest {
        case .avx512: "convolution kernels: direct on AVX-512"
        case .avx2: "convolution kernels: direct on AVX2"
        case .baseline: "convolution kernels: im2col and GEMM"
        }
        #expect(result.stdout.contains(expected))
    }

    @Test func infoSaysWhetherTheFirstLayerRunsSparse() async throws {
        let result = try await CLI.run(["info"])
        #expect(result.stdout.contains("sparse first layer: \(SparseProducts.enabled ? "on" : "off")"))
        let off = try await CLI.run(["info"], environment: ["PERCEPTRON_SPARSE": "off"])
        #expect(off.stdout.contains("sparse first layer: off (PERCEPTRON_SPARSE=off)"))
    }

    @Test(.enabled(if: GEMM.blas?.name == "openblas" && Parallel.threadCount > 1
                   && ProcessInfo.processInfo.environment["PERCEPTRON_BLAS_THREADING"] == nil, "needs OpenBLAS and 2 cores"))
    func infoSaysWhoThreadsTheBLAS() async throws {
        let split = try await CLI.run(["info"])
        #expect(split.stdout.contains("BLAS threading: split over Perceptron's \(Parallel.threadCount) threads"))
        let library = try await CLI.run(["info"], environment: ["PERCEPTRON_BLAS_THREADING": "library"])
        #expect(library.stdout.contains("BLAS threading: the library's own threads"))
    }

    @Test func unknownBLASThreadingIsOneLine() async throws {
        expectCleanFailure(try await CLI.run(["info"], environment: ["PERCEPTRON_BLAS_THREADING": "openmp"]),
                           mentioning: "PERCEPTRON_BLAS_THREADING=openmp is not a setting; use split or library")
    }

    @Test func unknownSparseSettingIsOneLine() async throws {
        expectCleanFailure(try await CLI.run(["info"], environment: ["PERCEPTRON_SPARSE": "maybe"]),
                           mentioning: "PERCEPTRON_SPARSE=maybe is not a setting; use auto or off")
    }

    @Test func benchMeasuresTheSparseFirstLayer() async throws {
        let result = try await CLI.run(["bench", "--json", "--quick", "--skip", "gemm,train,small-batches,predict,cnn"])
        #expect(result.status == 0)
        let object = try #require(try JSONValue.parse(result.stdout).objectValue)
        #expect(object["sparse_products"]?.boolValue == SparseProducts.enabled)
        let rows = try #require(object["sparse"]?.arrayValue).compactMap(\.objectValue)
        guard SparseBlocks.isSupported else { #expect(rows.isEmpty); return }
        // Forward and kernel gradient, dense then each sparse kernel the CPU runs (AVX2's 6-row
        // tile; AVX-512's 4- and 6-row ones), at 1,000 rows and at 128.
        let kernels = SparseBlocks.kernels.map { "sparse/\($0.unit.rawValue)/\($0.height)" }
        let perShape = 1 + kernels.count
        #expect(rows.count == 4 * perShape)
        #expect(rows.map { $0["method"]?.stringValue } == Array(repeating: [GEMM.current.name] + kernels, count: 4).flatMap { $0 })
        let shapes = ["1000x784 · 784x512", "(1000x784)ᵀ · 1000x512", "128x784 · 784x512", "(128x784)ᵀ · 128x512"]
        #expect(rows.map { $0["shape"]?.stringValue } == shapes.flatMap { Array(repeating: $0, count: perShape) })
        for row in rows {
            let kept = try #require(row["kept"]?.doubleValue)
            #expect(kept > 0 && kept <= 1)
            #expect((row["gflops"]?.doubleValue ?? 0) > 0)
        }
        // MNIST's pixels: about 43% of the columns of 6 digits (39% of 4), 34% of the (6 pixels,
        // image) pairs (28% of 4 pixels).
        for (i, row) in rows.enumerated() where i % perShape != 0 {
            let height = Int(row["method"]!.stringValue!.split(separator: "/").last!)!
            #expect(row["kept"]!.doubleValue! < (height == 4 ? 0.42 : 0.46))
        }
        let wrong = try await CLI.run(["bench", "--skip", "sparse,gpu"])
        expectCleanFailure(wrong, mentioning: "--skip takes gemm, sparse, train, small-batches, predict, cnn; got 'gpu'")
    }

    @Test func unknownMicroKernelIsOneLine() async throws {
        expectCleanFailure(try await CLI.run(["info"], environment: ["PERCEPTRON_PORTABLE_KERNEL": "sse"]),
                           mentioning: "PERCEPTRON_PORTABLE_KERNEL=sse is not a micro-kernel")
    }

    @Test func unknownBackendIsOneLine() async throws {
        expectCleanFailure(try await CLI.run(["info"], environment: ["PERCEPTRON_BACKEND": "gpu"]), mentioning: "PERCEPTRON_BACKEND=gpu")
    }

    @Test func showPixelsPrintsTheTutorialLoop() async throws {
        let result = try await CLI.run(["show", "--index", "0", "--pixels"])
        #expect(result.status == 0)
        let mnist = try MNIST.load()
        let image = GreyImage(batch: mnist.trainImages, index: 0)
        var expected = ""
        for y in 0..<28 {
            for x in 0..<28 { expected += "\(image[x, y])\t" }
            expected += "\n"
        }
        #expect(result.stdout == expected)
        #expect(result.stdout.split(separator: "\n").count == 28)
    }

    @Test func showDrawsTheDigitWithItsLabel() async throws {
        let result = try await CLI.run(["show", "--index", "0"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("train image 0, label 5\n"))
        #expect(!result.stdout.contains("\u{1B}["), "no escape codes when stdout is not a terminal")
        #expect(result.stdout.contains("@"))
    }

    @Test(arguments: [
        (["show", "--index", "60000"], "out of range"),
        (["show", "--index=-1"], "out of range"),
        (["show", "--index", "10000", "--split", "test"], "out of range"),
        (["train", "--epochs", "0"], "--epochs must be at least 1"),
        (["train", "--validation-split", "1.0"], "--validation-split"),
        (["train", "--validation-split", "-0.1"], "--validation-split"),
        (["train", "--batch-size", "0"], "--batch-size"),
        (["train", "--hidden", "512,,3"], "--hidden"),
        (["train", "--optimizer", "adagrad"], "--optimizer"),
        (["train", "--data-dir", "/nonexistent-folder"], "no such folder"),
        (["evaluate", "--model", "/nonexistent/model.safetensors"], "no such file"),
    ])
    func badArgumentsFailCleanly(arguments: [String], fragment: String) async throws {
        expectCleanFailure(try await CLI.run(arguments), mentioning: fragment)
    }

    @Test func corruptModelFileFailsCleanly() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("broken.safetensors")
        try Data([0x10, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\":".utf8)).write(to: file)
        expectCleanFailure(try await CLI.run(["predict", "--model", file.path, "--index", "0"]), mentioning: file.path)
    }

    @Test func trainEvaluatePredictSummaryRoundTrip() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let train = try await CLI.run(["train", "--hidden", "32", "--epochs", "2", "--batch-size", "200", "--output", run.path, "--verbose", "2"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stdout.contains("Model: \"functional"))
        #expect(train.stdout.contains("│ dense"))
        #expect(train.stderr.contains("Epoch 1/2\n240/240 - "))
        #expect(train.stderr.contains(" - categorical_accuracy: 0."))
        #expect(train.stderr.contains(" - val_loss: 0."))
        let lines = train.stdout.split(separator: "\n")
        let accuracyLine = try #require(lines.last)
        #expect(accuracyLine.hasPrefix("Test accuracy: 0.9"), "a 784-32-10 MLP reaches 90% in two epochs of batch 200")
        #expect(lines.dropLast().last?.hasPrefix("Test loss: ") == true)
        let model = run.appendingPathComponent("model.safetensors")
        #expect(FileManager.default.fileExists(atPath: model.path))
        let csv = try String(contentsOf: run.appendingPathComponent("history.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss\n0,"))
        #expect(csv.split(separator: "\n").count == 3)

        let evaluate = try await CLI.run(["evaluate", "--model", model.path])
        #expect(evaluate.status == 0)
        #expect(evaluate.stdout.split(separator: "\n").last.map(String.init) == String(accuracyLine))

        let predict = try await CLI.run(["predict", "--model", model.path, "--index", "0"])
        #expect(predict.status == 0)
        let predictLines = predict.stdout.split(separator: "\n").map(String.init)
        #expect(predictLines.count == 3)
        #expect(predictLines[0].wholeMatch(of: /prediction: \d 0\.\d{4}|prediction: \d 1\.0000/) != nil, "got \(predictLines[0])")
        #expect(predictLines[1] == "label: 7")
        #expect(predictLines[2].split(separator: " ").count == 11)

        let summary = try await CLI.run(["summary", "--model", model.path])
        #expect(summary.status == 0)
        #expect(summary.stdout.contains("Total params: 25,450 (99.41 KB)"))
    }

    @Test func summaryWithoutModelIsTheLessonMLP() async throws {
        let result = try await CLI.run(["summary"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(" Total params: 669,706 (2.55 MB)\n"))
        #expect(result.stdout.contains("│ dense_2 (Dense)                 │ (None, 10)             │         5,130 │"))
    }
}

@Suite("perceptron train: interruption and resumption", .serialized)
struct ResumeCLITests {
    /// Ctrl-C (a real SIGINT) in the middle of a run, then `--resume`: the files equal those of
    /// the same run left alone.
    ///
    /// The interrupt cannot come too late: it is sent as soon as the second epoch begins, and
    /// the child cannot finish its 60 epochs before it arrives, because it writes 132 bytes of
    /// progress per epoch into a pipe that is not read again until the signal is sent. On
    /// Linux the pipe is shrunk to one page (4,096 bytes) and the 58 other epochs need about
    /// 7,700, so the child blocks long before its end (measured: at epoch 33). Where a pipe
    /// cannot be shrunk (macOS: 16 KiB) those 58 epochs still take far longer than a signal.
    @Test func ctrlCThenResumeGivesTheUninterruptedRun() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let epochs = 60
        let settings = ["--hidden", "8", "--epochs", "\(epochs)", "--batch-size", "100", "--train-limit", "300",
                        "--checkpoint-every", "0", "--verbose", "2", "--no-report"]
        let full = folder.appendingPathComponent("full"), cut = folder.appendingPathComponent("cut")
        let uninterrupted = try await CLI.run(["train"] + settings + ["--output", full.path])
        #expect(uninterrupted.status == 0, "stderr: \(uninterrupted.stderr)")

        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["train"] + settings + ["--output", cut.path]
        let errors = Pipe()
        #if os(Linux)
        _ = fcntl(errors.fileHandleForWriting.fileDescriptor, 1031 /* F_SETPIPE_SZ */, 4096)
        #endif
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var stderr = ""
        while !stderr.contains("Epoch 2/\(epochs)\n") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // the child ended before its second epoch
            stderr += String(decoding: chunk, as: UTF8.self)
        }
        try #require(stderr.contains("Epoch 2/\(epochs)\n"), "stderr: \(stderr)")
        kill(process.processIdentifier, SIGINT)
        stderr += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "stderr: \(stderr)")
        #expect(stderr.contains("resume with: perceptron train --resume \(cut.path)"))
        #expect(!stderr.contains("Epoch \(epochs)/\(epochs)"), "the run went on to its last epoch")

        let resumed = try await CLI.run(["train", "--resume", cut.path, "--verbose", "0"])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming \(cut.path) at epoch"))
        for file in ["model.safetensors", "history.csv"] {
            let a = try Data(contentsOf: full.appendingPathComponent(file))
            let b = try Data(contentsOf: cut.appendingPathComponent(file))
            #expect(a == b, "\(file) differs from the uninterrupted run's")
        }
        expectCleanFailure(try await CLI.run(["train", "--resume", cut.path, "--epochs", "9"]), mentioning: "--resume continues a run")
        expectCleanFailure(try await CLI.run(["train", "--resume", folder.path]), mentioning: "train.json")
    }
}

@Suite("perceptron train: backends")
struct BackendCLITests {
    /// The README's claim: another backend sums in another order, so results are not
    /// bit-identical, but after one epoch the metrics agree to about 1e-3.
    @Test(.enabled(if: GEMM.blas != nil, "needs a system BLAS (OpenBLAS)"))
    func portableAndBLASAgreeAfterAnEpoch() async throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var histories: [[Double]] = []
        for backend in ["blas", "portable"] {
            let run = folder.appendingPathComponent(backend)
            let result = try await CLI.run(["train", "--hidden", "16", "--epochs", "1", "--batch-size", "100", "--train-limit", "2000",
                                      "--verbose", "0", "--no-report", "--output", run.path],
                                     environment: ["PERCEPTRON_BACKEND": backend])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let csv = try String(contentsOf: run.appendingPathComponent("history.csv"), encoding: .utf8)
            let row = try #require(csv.split(separator: "\n").last)
            histories.append(row.split(separator: ",").dropFirst().compactMap { Double($0) })
        }
        try #require(histories.count == 2 && histories[0].count == 4)
        for (a, b) in zip(histories[0], histories[1]) { #expect(abs(a - b) <= 2e-3, "\(histories)") }
    }
}
