// `perceptron bench`: GEMM GFLOP/s per backend at the lesson's shapes, seconds per training
// epoch at batch 1000, 128 and 32 and their share of the floor, the convnet's epoch, evaluate
// and single-image predict latency, peak memory; `--scaling` runs the grid of BenchScaling.

import ArgumentParser
import Foundation
import Perceptron

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure GEMM throughput, training epoch time, evaluate and predict latency on this machine.")

    @Option(help: "Epochs of the batch-1000 run (its test accuracy is reported; the first epoch is excluded from timing). Default 30, or 3 with --quick.")
    var epochs: Int?

    @Option(name: .customLong("small-batch-epochs"), help: "Epochs of each batch-128 and batch-32 run. Default 3, or 2 with --quick.")
    var smallBatchEpochs: Int?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "A quick pass: 3 epochs at batch 1000, 2 at the small batches (unless --epochs, --small-batch-epochs say otherwise), fewer GEMM repeats.")
    var quick = false

    @Option(help: "Threads for GEMM and kernels (default: all cores; same as PERCEPTRON_THREADS).")
    var threads: Int?

    @Option(name: .customLong("skip"), help: ArgumentHelp("Parts to skip, comma-separated: gemm, sparse, train, small-batches, predict, cnn.", valueName: "parts"))
    var skip: String = ""

    @Flag(help: "Instead of the lesson's job, time the MLP over hidden widths 128 to 4096 and batches 32 to 4096, on 1 thread and on all cores (or on --threads alone): seconds per epoch and share of the floor at each point.")
    var scaling = false

    func validate() throws {
        if let epochs, epochs < 2 { throw ValidationError("--epochs must be at least 2 (the first epoch is excluded), got \(epochs)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let smallBatchEpochs, smallBatchEpochs < 2 {
            throw ValidationError("--small-batch-epochs must be at least 2, got \(smallBatchEpochs)")
        }
        let known: Set<String> = ["gemm", "sparse", "train", "small-batches", "predict", "cnn"]
        for part in skip.split(separator: ",") where !known.contains(String(part)) {
            throw ValidationError("--skip takes gemm, sparse, train, small-batches, predict, cnn; got '\(part)'")
        }
    }

    func run() throws {
        // Before anything reads the thread count (it is fixed at first use).
        if let threads { setenv("PERCEPTRON_THREADS", String(threads), 1) }
        try checkBackend()
        adviseOnCoreType()
        if scaling {
            try BenchScaling.run(threads: threads, quick: quick, json: json)
            return
        }
        let skipped = Set(skip.split(separator: ",").map(String.init))
        let trainEpochs = epochs ?? (quick ? 3 : 30)
        let smallEpochs = smallBatchEpochs ?? (quick ? 2 : 3)
        var result: [String: JSONValue] = [
            "system": .string("perceptron"),
            "version": .string(PerceptronCommand.version),
            "machine": .object(["cpu": .string(SystemInfo.cpuModel), "cores": .int(SystemInfo.coreCount)]),
            "backend": .string(GEMM.current.name),
            "threads": .int(GEMM.current.threadCount),
            "sparse_products": .bool(SparseProducts.enabled),
            "epochs": .int(trainEpochs),
        ]
        if !skipped.contains("gemm") {
            result["gemm"] = .array(BenchMeasure.gemm(quick: quick).map { row in
                .object(["backend": .string(row.backend), "shape": .string(row.shape), "gflops": .double(row.gflops)])
            })
        }
        let mnist = try MNIST.load()
        if !skipped.contains("sparse") {
            result["sparse"] = .array(BenchMeasure.sparse(mnist, quick: quick).map { row in
                .object(["shape": .string(row.shape), "kept": .double(row.kept), "method": .string(row.method),
                         "gflops": .double(row.gflops)])
            })
        }
        var epochMedians: [String: JSONValue] = [:]
        var epochAll: [String: JSONValue] = [:]
        var model: Model?
        if !skipped.contains("train") {
            let run = try BenchMeasure.train(mnist, batchSize: 1000, epochs: trainEpochs)
            model = run.model
            epochMedians["1000"] = .double(run.medianSeconds)
            epochAll["1000"] = .array(run.seconds.map { .double($0) })
            result["test_accuracy"] = .double(run.testAccuracy)
            result["test_loss"] = .double(run.testLoss)
        }
        if !skipped.contains("small-batches") {
            for batch in [128, 32] {
                let run = try BenchMeasure.train(mnist, batchSize: batch, epochs: smallEpochs, evaluateTest: false)
                epochMedians["\(batch)"] = .double(run.medianSeconds)
                epochAll["\(batch)"] = .array(run.seconds.map { .double($0) })
            }
        }
        result["epoch_seconds"] = .object(epochMedians)
        result["epoch_seconds_all"] = .object(epochAll)
        let bestRate = BenchFloor.bestRate(result["gemm"]?.arrayValue, backend: GEMM.current.name)
        if let bestRate, !epochMedians.isEmpty {
            result["floor"] = Self.mlpFloor(mnist, bestRate: bestRate, epochSeconds: epochMedians)
        }
        if !skipped.contains("predict") {
            let trained = try model ?? BenchMeasure.train(mnist, batchSize: 1000, epochs: 1, evaluateTest: false).model
            result["evaluate_seconds"] = .double(try BenchMeasure.evaluateSeconds(trained, mnist))
            let latency = try BenchMeasure.predictLatency(trained, mnist, calls: quick ? 200 : 1000)
            result["predict_latency_us"] = .object(["p50": .double(latency.p50), "p99": .double(latency.p99)])
        }
        if !skipped.contains("cnn") {
            // Two epochs, the first left out; --quick trains on a fifth of the images.
            let images = quick ? 12000 : 60000
            let run = try BenchMeasure.trainCNN(mnist, images: images, epochs: 2)
            let flops = BenchFloor.cnnFLOPs(trainImages: run.train, validationImages: run.validation)
            var cnn: [String: JSONValue] = [
                "images": .int(images), "epoch_seconds_all": .array(run.seconds.map { .double($0) }),
                "gflop": .double(flops / 1e9),
                "epoch_seconds": .double(run.seconds.last! * 60000 / Double(images)),
                "full_epoch_gflop": .double(BenchFloor.cnnFLOPs(trainImages: 54000, validationImages: 6000) / 1e9),
            ]
            if let bestRate {
                let floor = flops / (bestRate * 1e9)
                cnn["floor_seconds"] = .double(floor * 60000 / Double(images))
                cnn["floor_share"] = .double(floor / run.seconds.last!)
            }
            result["cnn"] = .object(cnn)
        }
        result["peak_rss_mb"] = .double(Double(SystemInfo.peakResidentBytes) / 1_048_576)
        if json {
            print(JSONValue.object(result).serialized())
        } else {
            print(BenchMeasure.table(result), terminator: "")
        }
    }

    /// The MLP's floor at `bestRate` GFLOP/s: one epoch's FLOPs (48,000 training images
    /// forward and backward, 12,000 validation images forward) counted dense, and counted with
    /// the first layer's products at the density of the images' non-zero pixels (measured here:
    /// MNIST's training part is about 19.1% non-zero); then each measured batch's median epoch
    /// as a share of both floors (floor / epoch: 100% is the floor reached).
    static func mlpFloor(_ mnist: MNIST, bestRate: Double, epochSeconds: [String: JSONValue]) -> JSONValue {
        let trainDensity = BenchFloor.density(mnist.trainImages, rows: 0..<48000)
        let validationDensity = BenchFloor.density(mnist.trainImages, rows: 48000..<60000)
        let dense = BenchFloor.mlpFLOPs(hidden: [512, 512], trainImages: 48000, validationImages: 12000)
        let sparse = BenchFloor.mlpFLOPs(hidden: [512, 512], trainImages: 48000, validationImages: 12000,
                                         trainDensity: trainDensity, validationDensity: validationDensity)
        let (denseFloor, sparseFloor) = (dense / (bestRate * 1e9), sparse / (bestRate * 1e9))
        var shares: [String: JSONValue] = [:]
        for (batch, seconds) in epochSeconds {
            guard let seconds = seconds.doubleValue else { continue }
            shares[batch] = .object(["dense": .double(denseFloor / seconds), "sparse_aware": .double(sparseFloor / seconds)])
        }
        return .object([
            "best_gflops": .double(bestRate), "train_density": .double(trainDensity),
            "validation_density": .double(validationDensity),
            "dense_gflop": .double(dense / 1e9), "sparse_aware_gflop": .double(sparse / 1e9),
            "dense_seconds": .double(denseFloor), "sparse_aware_seconds": .double(sparseFloor),
            "share": .object(shares),
        ])
    }
}
