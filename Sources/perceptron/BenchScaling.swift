// `perceptron bench --scaling`: the MLP 784-H-H-10 over a grid of hidden widths and batch
// sizes, on 1 thread and on all cores, each point timed on a subset of the images.

import Foundation
import Perceptron

/// The scaling grid: does the cost of an epoch follow its FLOPs?
///
/// Each point is the lesson's job (784-H-H-10, ReLU, softmax, Adam 0.001, pixels / 255) with
/// hidden width H and one batch size. So that the grid runs in about a minute per thread count,
/// a point trains on the first `trainImages(width:batch:quick:)` training images (about 10
/// GFLOP of dense products, 2.5 with `--quick`; whole batches, at least one, at most 48,000)
/// and validates on a quarter as many of the lesson's validation images (from image 48,000 on),
/// after a warm-up step on one batch. Its seconds per epoch are scaled to the lesson's 48,000
/// + 12,000 images; its floor is its own images' FLOPs, the first layer at those images'
/// density of non-zero pixels (`BenchFloor`), at the best GEMM rate measured in the same
/// process. `Benchmarks/peers/torch_mlp.py --scaling` runs the same points.
enum BenchScaling {
    /// Hidden widths H of 784-H-H-10.
    static let widths = [128, 256, 512, 1024, 2048, 4096]
    /// Batch sizes.
    static let batches = [32, 128, 512, 1000, 4096]

    /// Training images of a point: whole batches adding up to about 10 GFLOP of dense
    /// products (2.5 GFLOP quick), at least one batch, at most 48,000 images.
    static func trainImages(width: Int, batch: Int, quick: Bool) -> Int {
        let target = quick ? 2.5e9 : 1e10
        let perImage = BenchFloor.mlpFLOPs(hidden: [width, width], trainImages: 1, validationImages: 0)
        let batchCount = max(1, Int((target / (perImage * Double(batch))).rounded()))
        return min(batchCount, 48000 / batch) * batch
    }

    /// Runs the grid on `threads` threads in this process, or, without `threads`, in one child
    /// process for 1 thread and one for every core, and prints the table (or JSON).
    static func run(threads: Int?, quick: Bool, json: Bool) throws {
        var result: [String: JSONValue] = [
            "system": .string("perceptron"), "version": .string(PerceptronCommand.version),
            "machine": .object(["cpu": .string(SystemInfo.cpuModel), "cores": .int(SystemInfo.coreCount)]),
            "backend": .string(GEMM.current.name), "sparse_products": .bool(SparseProducts.enabled),
            "quick": .bool(quick),
        ]
        if threads != nil {
            result["runs"] = .array([try measure(quick: quick)])
        } else {
            let counts = Array(Set([1, SystemInfo.coreCount])).sorted()
            result["runs"] = .array(try counts.map { try child(threads: $0, quick: quick) })
        }
        if json {
            print(JSONValue.object(result).serialized())
        } else {
            print(table(result), terminator: "")
        }
    }

    /// One grid on this process's threads: the best GEMM rate, then every point.
    static func measure(quick: Bool) throws -> JSONValue {
        let mnist = try MNIST.load()
        let rate = bestRate()
        var points: [JSONValue] = []
        for width in widths {
            for batch in batches {
                points.append(try point(mnist, width: width, batch: batch, quick: quick, bestRate: rate))
            }
        }
        return .object(["threads": .int(GEMM.current.threadCount), "best_gflops": .double(rate), "points": .array(points)])
    }

    /// The best rate of the backend in use over the lesson's shapes and two wide ones, in GFLOP/s.
    static func bestRate() -> Double {
        var generator = SeededGenerator(seed: 7)
        let shapes = BenchMeasure.shapes.map { ($0.0, $0.1, $0.2, $0.3, $0.4) } + [
            (1000, 2048, 2048, false, false), (2048, 2048, 1000, true, false),
        ]
        var best = 0.0
        let backend = GEMM.current
        for (m, n, k, ta, tb) in shapes {
            let a = (0..<(m * k)).map { _ in generator.nextFloat() - 0.5 }
            let b = (0..<(k * n)).map { _ in generator.nextFloat() - 0.5 }
            var c = [Float](repeating: 0, count: m * n)
            best = max(best, BenchMeasure.bestRate(flops: 2.0 * Double(m * n * k), quick: true) {
                a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                    backend.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                                  a: pa.baseAddress!, lda: ta ? m : k, b: pb.baseAddress!, ldb: tb ? k : n,
                                  beta: 0, c: pc.baseAddress!, ldc: n)
                } } }
            })
        }
        return best
    }

    /// One point: a warm-up step, then one timed epoch over the point's images.
    static func point(_ mnist: MNIST, width: Int, batch: Int, quick: Bool, bestRate: Double) throws -> JSONValue {
        let train = trainImages(width: width, batch: batch, quick: quick)
        let validation = train / 4
        setRandomSeed(42)
        let model = Architecture.mlp(inputWidth: 784, hidden: [width, width], classes: 10)
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.001), metrics: [.categoricalAccuracy])
        func images(_ range: Range<Int>) -> (x: any SampleSource, y: Tensor) {
            (mnist.trainImages.rows(range).reshaped([range.count, 784]).scaled(by: 1 / 255),
             oneHot(mnist.trainLabels.rows(range), classes: 10))
        }
        let warmUp = images(0..<batch)
        _ = try model.fit(warmUp.x, warmUp.y, batchSize: batch, epochs: 1, verbose: 0, seed: 42)
        let (x, y) = images(0..<train)
        let history = try model.fit(x, y, batchSize: batch, epochs: 1, verbose: 0,
                                    validationData: images(48000..<(48000 + validation)), seed: 42)
        let seconds = history.epochSeconds[0]
        let flops = BenchFloor.mlpFLOPs(hidden: [width, width], trainImages: train, validationImages: validation,
                                        trainDensity: BenchFloor.density(mnist.trainImages, rows: 0..<train),
                                        validationDensity: BenchFloor.density(mnist.trainImages, rows: 48000..<(48000 + validation)))
        let dense = BenchFloor.mlpFLOPs(hidden: [width, width], trainImages: train, validationImages: validation)
        printError("bench: width \(width), batch \(batch), \(GEMM.current.threadCount) threads: "
            + String(format: "%.3f s for ", seconds) + "\(train) + \(validation) images, "
            + String(format: "%.1f%% of the floor", 100 * flops / (bestRate * 1e9) / seconds))
        return .object([
            "width": .int(width), "batch": .int(batch), "train_images": .int(train), "validation_images": .int(validation),
            "seconds": .double(seconds), "epoch_seconds": .double(seconds * 48000 / Double(train)),
            "gflop": .double(flops / 1e9), "dense_gflop": .double(dense / 1e9),
            "floor_share": .double(flops / (bestRate * 1e9) / seconds),
            "dense_floor_share": .double(dense / (bestRate * 1e9) / seconds),
        ])
    }

    /// Runs `perceptron bench --scaling --json --threads N` (the thread count is fixed at a
    /// process's first use) and returns its one run.
    static func child(threads: Int, quick: Bool) throws -> JSONValue {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        if !FileManager.default.fileExists(atPath: "/proc/self/exe"), let path = Bundle.main.executablePath {
            process.executableURL = URL(fileURLWithPath: path)
        }
        process.arguments = ["bench", "--scaling", "--json", "--threads", String(threads)] + (quick ? ["--quick"] : [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let run = (try? JSONValue.parse(data))?.objectValue?["runs"]?.arrayValue?.first else {
            throw CLIError("bench --scaling on \(threads) thread\(threads == 1 ? "" : "s") failed (exit status \(process.terminationStatus))")
        }
        return run
    }

    /// Seconds per epoch and share of the floor, one table per thread count: widths down, batches across.
    static func table(_ result: [String: JSONValue]) -> String {
        let machine = result["machine"]?.objectValue
        var out = "machine: \(machine?["cpu"]?.stringValue ?? "?"), \(machine?["cores"]?.intValue ?? 0) cores; "
            + "backend: \(result["backend"]?.stringValue ?? "?")\n"
        out += "MLP 784-H-H-10: seconds per epoch of 48,000 + 12,000 images (share of the sparse-aware floor)\n"
        for run in result["runs"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
            let points = run["points"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let threads = run["threads"]?.intValue ?? 0
            out += "\n\(threads) thread\(threads == 1 ? "" : "s"), "
                + String(format: "best GEMM rate %.1f GFLOP/s\n", run["best_gflops"]?.doubleValue ?? .nan)
            out += "H \\ batch".padding(toLength: 10, withPad: " ", startingAt: 0)
                + batches.map { "\($0)".leftPadded(to: 18) }.joined() + "\n"
            for width in widths {
                out += "\(width)".padding(toLength: 10, withPad: " ", startingAt: 0)
                for batch in batches {
                    let p = points.first { $0["width"]?.intValue == width && $0["batch"]?.intValue == batch }
                    let cell = p.map { String(format: "%.3f (%.0f%%)", $0["epoch_seconds"]?.doubleValue ?? .nan,
                                              100 * ($0["floor_share"]?.doubleValue ?? .nan)) } ?? "–"
                    out += cell.leftPadded(to: 18)
                }
                out += "\n"
            }
        }
        return out
    }
}

extension String {
    /// The string right-aligned in `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
