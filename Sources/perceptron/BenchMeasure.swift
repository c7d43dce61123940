// The measurements behind `perceptron bench`, each timed with the monotonic clock: GEMM
// repeats, lesson training runs, evaluate and predict latency; and the table that shows them.

import Foundation
import Perceptron

enum BenchMeasure {
    /// Monotonic seconds.
    static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    /// The lesson's GEMM shapes as (m, n, k, transposeA, transposeB, label): forward `x W`,
    /// the weight gradient `xᵀ dz` and the input gradient `dz Wᵀ` of each Dense layer at batch 1000.
    static let shapes: [(Int, Int, Int, Bool, Bool, String)] = [
        (1000, 512, 784, false, false, "1000x784 · 784x512"),
        (1000, 512, 512, false, false, "1000x512 · 512x512"),
        (1000, 10, 512, false, false, "1000x512 · 512x10"),
        (784, 512, 1000, true, false, "(1000x784)ᵀ · 1000x512"),
        (512, 512, 1000, true, false, "(1000x512)ᵀ · 1000x512"),
        (512, 10, 1000, true, false, "(1000x512)ᵀ · 1000x10"),
        (1000, 512, 512, false, true, "1000x512 · (512x512)ᵀ"),
        (1000, 512, 10, false, true, "1000x10 · (512x10)ᵀ"),
    ]

    /// GFLOP/s of `body`, which does `flops` floating-point operations: the best of several
    /// timed batches of repeats (2 quick, else 5), each batch at least 0.1 s.
    static func bestRate(flops: Double, quick: Bool, _ body: () -> Void) -> Double {
        var best = 0.0
        for _ in 0..<(quick ? 2 : 5) {
            var repeats = 0
            let start = now()
            repeat { body(); repeats += 1 } while now() - start < 0.1
            best = max(best, flops * Double(repeats) / (now() - start) / 1e9)
        }
        return best
    }

    /// GFLOP/s (2 m n k per product) of each backend at each shape: the best of several
    /// timed batches of repeats, each batch at least 0.1 s.
    static func gemm(quick: Bool) -> [(backend: String, shape: String, gflops: Double)] {
        // The system BLAS, then each micro-kernel of the portable kernel, widest first.
        var backends: [(label: String, backend: any GEMMBackend)] = PortableGEMM.MicroKernel.available.reversed().map {
            let portable = PortableGEMM(kernel: $0)
            return (portable.label, portable)
        }
        if let blas = GEMM.blas { backends.insert((blas.name, blas), at: 0) }
        var generator = SeededGenerator(seed: 7)
        var rows: [(String, String, Double)] = []
        for (m, n, k, ta, tb, label) in shapes {
            let a = (0..<(m * k)).map { _ in generator.nextFloat() - 0.5 }
            let b = (0..<(k * n)).map { _ in generator.nextFloat() - 0.5 }
            var c = [Float](repeating: 0, count: m * n)
            for (name, backend) in backends {
                let best = bestRate(flops: 2.0 * Double(m * n * k), quick: quick) {
                    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                        backend.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                                      a: pa.baseAddress!, lda: ta ? m : k, b: pb.baseAddress!, ldb: tb ? k : n,
                                      beta: 0, c: pc.baseAddress!, ldc: n)
                    } } }
                }
                rows.append((name, label, best))
            }
        }
        return rows
    }

    /// The first Dense layer's products on real pixels (training images / 255) at the batch
    /// sizes of the training runs (1,000 and 128 rows), dense (the backend in use) against the
    /// sparse blocks: the forward `x W` and the kernel gradient `xᵀ dz`, each sparse figure
    /// including the building of the blocks. Figures are dense-equivalent GFLOP/s (2 m n k over
    /// the time taken), comparable with the GEMM rows; `kept` is the fraction of (block,
    /// column) pairs the sparse product works on.
    static func sparse(_ mnist: MNIST, quick: Bool) -> [(shape: String, kept: Double, method: String, gflops: Double)] {
        guard SparseBlocks.isSupported else { return [] }
        let (k, n) = (784, 512)
        var rows: [(String, Double, String, Double)] = []
        for m in [1000, 128] {
            let x = mnist.trainImages.rows(0..<m).asFloat().scalars.map { $0 / 255 }
            var generator = SeededGenerator(seed: 11)
            let w = (0..<(k * n)).map { _ in generator.nextFloat() - 0.5 }
            let g = (0..<(m * n)).map { _ in generator.nextFloat() - 0.5 }
            var c = [Float](repeating: 0, count: max(m, k) * n)
            var blocks = SparseBlocks()
            let backend = GEMM.current
            func time(_ body: () -> Void) -> Double { bestRate(flops: 2.0 * Double(m * n * k), quick: quick, body) }
            x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in g.withUnsafeBufferPointer { pg in
                c.withUnsafeMutableBufferPointer { pc in
                    let (x, w, g, c) = (px.baseAddress!, pw.baseAddress!, pg.baseAddress!, pc.baseAddress!)
                    let forward = "\(m)x\(k) · \(k)x\(n)", gradient = "(\(m)x\(k))ᵀ · \(m)x\(n)"
                    // Each kernel this CPU runs: AVX2's 6 x 16 tile, AVX-512's 4 x 64 and 6 x 64.
                    let kernels = SparseBlocks.kernels
                    rows.append((forward, 1, backend.name, time {
                        backend.sgemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: x, lda: k,
                                      b: w, ldb: n, beta: 0, c: c, ldc: n)
                    }))
                    for (unit, height) in kernels {
                        blocks.assign(x, rows: m, columns: k, height: height)
                        rows.append((forward, blocks.keptFraction, "sparse/\(unit.rawValue)/\(height)", time {
                            blocks.assign(x, rows: m, columns: k, height: height)
                            blocks.multiply(w, n: n, into: c, vectorUnit: unit)
                        }))
                    }
                    rows.append((gradient, 1, backend.name, time {
                        backend.sgemm(transposeA: true, transposeB: false, m: k, n: n, k: m, alpha: 1, a: x, lda: k,
                                      b: g, ldb: n, beta: 1, c: c, ldc: n)
                    }))
                    for (unit, height) in kernels {
                        blocks.assign(x, rows: m, columns: k, transposed: true, height: height)
                        rows.append((gradient, blocks.keptFraction, "sparse/\(unit.rawValue)/\(height)", time {
                            blocks.assign(x, rows: m, columns: k, transposed: true, height: height)
                            blocks.multiply(g, n: n, accumulate: true, into: c, vectorUnit: unit)
                        }))
                    }
                }
            } } }
        }
        return rows
    }

    struct TrainRun {
        let model: Model
        let seconds: [Double]
        let testAccuracy: Double
        let testLoss: Double
        /// Median of the epochs after the first.
        var medianSeconds: Double {
            let rest = seconds.dropFirst().sorted()
            return rest.isEmpty ? seconds.first ?? .nan : rest[rest.count / 2]
        }
    }

    /// The lesson's job: 784-512-512-10, Adam 0.001, validation split 0.2, pixels / 255.
    static func train(_ mnist: MNIST, batchSize: Int, epochs: Int, evaluateTest: Bool = true) throws -> TrainRun {
        setRandomSeed(42)
        let input = Input(shape: [784])
        var h = Dense(512, activation: .relu)(input)
        h = Dense(512, activation: .relu)(h)
        let model = Model(inputs: input, outputs: Dense(10, activation: .softmax)(h))
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.001), metrics: [.categoricalAccuracy])
        let x = mnist.trainImages.reshaped([60000, 784]).scaled(by: 1 / 255)
        let y = oneHot(mnist.trainLabels, classes: 10)
        printError("bench: training at batch \(batchSize) for \(epochs) epoch\(epochs == 1 ? "" : "s")")
        let history = try model.fit(x, y, batchSize: batchSize, epochs: epochs, verbose: 0, validationSplit: 0.2, seed: 42)
        var accuracy = Double.nan, loss = Double.nan
        if evaluateTest {
            let result = try model.evaluate(mnist.testImages.reshaped([10000, 784]).scaled(by: 1 / 255),
                                            oneHot(mnist.testLabels, classes: 10), batchSize: 1000, verbose: 0)
            accuracy = result.metrics["categorical_accuracy"] ?? .nan
            loss = result.loss
        }
        return TrainRun(model: model, seconds: history.epochSeconds, testAccuracy: accuracy, testLoss: loss)
    }

    /// Keras's MNIST convnet (`Architecture.cnn`, Adam 0.001, batch 128, the last 10% held out,
    /// pixels / 255) on the first `images` training images for `epochs` epochs: seconds of each
    /// epoch, and the images trained and validated on in each.
    static func trainCNN(_ mnist: MNIST, images: Int, epochs: Int) throws -> (seconds: [Double], train: Int, validation: Int) {
        setRandomSeed(42)
        let model = Architecture.cnn(height: 28, width: 28, classes: 10)
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.001), metrics: [.categoricalAccuracy])
        let x = mnist.trainImages.rows(0..<images).reshaped([images, 28, 28, 1]).scaled(by: 1 / 255)
        let y = oneHot(mnist.trainLabels.rows(0..<images), classes: 10)
        printError("bench: training the convnet on \(images) images for \(epochs) epochs")
        let history = try model.fit(x, y, batchSize: 128, epochs: epochs, verbose: 0, validationSplit: 0.1, seed: 42)
        let train = Int((Double(images) * 0.9).rounded(.down))
        return (history.epochSeconds, train, images - train)
    }

    /// Best of three evaluations of the 10,000 test images at batch 1000.
    static func evaluateSeconds(_ model: Model, _ mnist: MNIST) throws -> Double {
        let x = mnist.testImages.reshaped([10000, 784]).scaled(by: 1 / 255)
        let y = oneHot(mnist.testLabels, classes: 10)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = now()
            _ = try model.evaluate(x, y, batchSize: 1000, verbose: 0)
            best = min(best, now() - start)
        }
        return best
    }

    /// p50 and p99 of `model.predict` on one image, in microseconds, after 50 warm-up calls.
    static func predictLatency(_ model: Model, _ mnist: MNIST, calls: Int) throws -> (p50: Double, p99: Double) {
        let image = mnist.testImages.reshaped([10000, 784]).rows(0..<1).asFloat() / 255
        for _ in 0..<50 { _ = try model.predict(image) }
        var samples: [Double] = []
        samples.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = now()
            _ = try model.predict(image)
            samples.append((now() - start) * 1e6)
        }
        samples.sort()
        return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)])
    }

    /// The human-readable form of a bench result.
    static func table(_ result: [String: JSONValue]) -> String {
        var out = ""
        let machine = result["machine"]?.objectValue
        out += "machine: \(machine?["cpu"]?.stringValue ?? "?"), \(machine?["cores"]?.intValue ?? 0) cores\n"
        out += "backend: \(result["backend"]?.stringValue ?? "?") (\(result["threads"]?.intValue ?? 0) threads)\n\n"
        if let gemm = result["gemm"]?.arrayValue {
            out += "GEMM                            backend             GFLOP/s\n"
            for row in gemm.compactMap(\.objectValue) {
                let shape = row["shape"]?.stringValue ?? ""
                let backend = row["backend"]?.stringValue ?? ""
                out += shape.padding(toLength: 32, withPad: " ", startingAt: 0)
                    + backend.padding(toLength: 17, withPad: " ", startingAt: 0)
                    + String(format: "%10.1f", row["gflops"]?.doubleValue ?? .nan) + "\n"
            }
            out += "\n"
        }
        if let sparse = result["sparse"]?.arrayValue, !sparse.isEmpty {
            out += "first layer on MNIST pixels             kept      method          GFLOP/s (dense-equivalent)\n"
            for row in sparse.compactMap(\.objectValue) {
                let shape = row["shape"]?.stringValue ?? ""
                let method = row["method"]?.stringValue ?? ""
                out += shape.padding(toLength: 40, withPad: " ", startingAt: 0)
                    + String(format: "%4.0f%%", 100 * (row["kept"]?.doubleValue ?? .nan)).padding(toLength: 10, withPad: " ", startingAt: 0)
                    + method.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(format: "%10.1f", row["gflops"]?.doubleValue ?? .nan) + "\n"
            }
            out += "\n"
        }
        if let epochs = result["epoch_seconds"]?.objectValue, !epochs.isEmpty {
            out += "seconds per epoch (median, first epoch excluded; 48,000 train + 12,000 validation)\n"
            for batch in ["1000", "128", "32"] {
                if let value = epochs[batch]?.doubleValue { out += "  batch \(batch):".padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.3f s\n", value) }
            }
        }
        if let floor = result["floor"]?.objectValue, let shares = floor["share"]?.objectValue {
            out += String(format: "floor at the best GEMM rate (%.1f GFLOP/s): dense %.1f GFLOP, %.3f s; "
                + "sparse-aware (pixels %.1f%% non-zero) %.1f GFLOP, %.3f s\n",
                          floor["best_gflops"]?.doubleValue ?? .nan, floor["dense_gflop"]?.doubleValue ?? .nan,
                          floor["dense_seconds"]?.doubleValue ?? .nan, 100 * (floor["train_density"]?.doubleValue ?? .nan),
                          floor["sparse_aware_gflop"]?.doubleValue ?? .nan, floor["sparse_aware_seconds"]?.doubleValue ?? .nan)
            for batch in ["1000", "128", "32"] {
                guard let share = shares[batch]?.objectValue else { continue }
                out += "  batch \(batch):".padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(format: "%.1f%% of the dense floor, %.1f%% of the sparse-aware floor\n",
                             100 * (share["dense"]?.doubleValue ?? .nan), 100 * (share["sparse_aware"]?.doubleValue ?? .nan))
            }
        }
        if let cnn = result["cnn"]?.objectValue {
            out += String(format: "convnet, batch 128: %.3f s per epoch (54,000 + 6,000 images, %.0f GFLOP)",
                          cnn["epoch_seconds"]?.doubleValue ?? .nan, cnn["full_epoch_gflop"]?.doubleValue ?? .nan)
            if let share = cnn["floor_share"]?.doubleValue {
                out += String(format: "; floor %.3f s, %.1f%% of it", cnn["floor_seconds"]?.doubleValue ?? .nan, 100 * share)
            }
            out += "\n"
        }
        if let accuracy = result["test_accuracy"]?.doubleValue {
            let epochs = result["epochs"]?.intValue ?? 0
            out += "test accuracy after \(epochs) epoch\(epochs == 1 ? "" : "s"): \(formatMetric(accuracy)) "
                + "(loss \(formatMetric(result["test_loss"]?.doubleValue ?? .nan)))\n"
        }
        if let evaluate = result["evaluate_seconds"]?.doubleValue {
            out += String(format: "evaluate, 10,000 test images: %.3f s\n", evaluate)
        }
        if let latency = result["predict_latency_us"]?.objectValue {
            out += String(format: "predict one image: p50 %.1f µs, p99 %.1f µs\n",
                          latency["p50"]?.doubleValue ?? .nan, latency["p99"]?.doubleValue ?? .nan)
        }
        if let memory = result["peak_rss_mb"]?.doubleValue { out += String(format: "peak resident memory: %.1f MB\n", memory) }
        return out
    }
}
