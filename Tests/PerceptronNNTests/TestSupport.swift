// Shared helpers for the PerceptronNN tests: building layers and models without touching the
// process-wide state, tolerance checks, Double reference implementations, central differences.
//
// The tests run in parallel in one process, and PerceptronNN has two process-wide things:
// - The global random generator. Only DeterminismTests draws from it. Everywhere else layers
//   with weights are built with a local generator (`built(_:on:seed:)`, `functionalModel`)
//   before they are connected, and every `fit` passes `seed:`.
// - The automatic layer-name counters. Only the `.serialized` NameCounterTests suite (and the
//   suites nested in it) creates automatic names or Keras-style explicit names (`dense_1`).
//   Everywhere else layers and models get explicit names that are not Keras's automatic ones
//   (`hidden`, not `dense_1`), and no `Sequential` is built (its input layer is always named
//   automatically).

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO
import PerceptronTensor

// MARK: Building

/// Builds `layer` for per-sample `inputShape` with a local generator, leaving the global one alone.
@discardableResult
func built<L: Layer>(_ layer: L, on inputShape: [Int], seed: UInt64 = 1) -> L {
    var generator = SeededGenerator(seed: seed)
    layer.build(inputShape: inputShape, generator: &generator)
    return layer
}

/// A Functional model `Input(inputShape) -> layers...`, each layer built with a local generator
/// (seeded from `seed`) on the previous output before it is connected.
func functionalModel(_ inputShape: [Int], _ layers: [any Layer], seed: UInt64 = 1, name: String) -> Model {
    let input = Input(shape: inputShape, name: "\(name)_input")
    var generator = SeededGenerator(seed: seed)
    var node = input
    for layer in layers {
        if layer.inputShape == nil { layer.build(inputShape: node.shape, generator: &generator) }
        node = layer.callAsFunction(node)
    }
    return Model(inputs: input, outputs: node, name: name)
}

// MARK: Values

/// `count` values uniform in `range`, each exactly representable as a Float, so a Float
/// computation and its Double reference start from the same numbers.
func randomValues(_ count: Int, seed: UInt64, in range: ClosedRange<Double> = -1...1) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        Double(Float(range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextDouble()))
    }
}

/// A Float tensor of `shape` holding `values`.
func tensor(_ values: [Double], _ shape: [Int]) -> Tensor {
    Tensor(shape: shape, scalars: values.map { Float($0) })
}

extension Tensor {
    /// The scalars widened to Double.
    var doubles: [Double] { scalars.map(Double.init) }
}

/// Parses a Keras golden printed with 9 significant digits (which identify a float32 exactly).
func float32(_ text: String) -> Float { Float(text)! }

// MARK: Tolerances

/// `|actual - expected| <= absolute + relative * |expected|`.
func isClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double) -> Bool {
    if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
    if actual.isInfinite || expected.isInfinite { return actual == expected }
    return abs(actual - expected) <= absolute + relative * abs(expected)
}

/// Records one issue per element of `actual` that is not close to `expected`.
func expectClose(_ actual: [Double], _ expected: [Double], relative: Double = 1e-6, absolute: Double = 1e-6,
                 _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for (index, (a, e)) in zip(actual, expected).enumerated()
    where !isClose(a, e, relative: relative, absolute: absolute) {
        Issue.record("\(what)[\(index)] = \(a), expected \(e) (difference \(abs(a - e)), tolerance \(absolute) + \(relative)·|expected|)",
                     sourceLocation: sourceLocation)
    }
}

func expectClose(_ actual: [Float], _ expected: [Double], relative: Double = 1e-6, absolute: Double = 1e-6,
                 _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose(actual.map(Double.init), expected, relative: relative, absolute: absolute, what, sourceLocation: sourceLocation)
}

/// The largest `|a - b| / max(1, |b|)` over two equally long arrays.
func largestError(_ actual: [Double], _ expected: [Double]) -> Double {
    zip(actual, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}

// MARK: Finite differences

/// Central differences `(f(x + h e_i) - f(x - h e_i)) / 2h` for every coordinate of `x`, in Double.
func centralDifferences(at x: [Double], step h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var point = x
    return x.indices.map { i in
        point[i] = x[i] + h
        let up = f(point)
        point[i] = x[i] - h
        let down = f(point)
        point[i] = x[i]
        return (up - down) / (2 * h)
    }
}

// MARK: Double references

/// Plain Double re-implementations of the maths under test, written from Keras's formulas
/// (Keras 3.15.1's keras/src/losses/losses.py, keras/src/backend/tensorflow/nn.py and
/// keras/src/activations/activations.py) rather than from PerceptronNN's code.
enum Reference {
    /// Keras's `backend.epsilon()`.
    static let epsilon = 1e-7

    /// `x W + b` for `x: [rows, inWidth]`, `w: [inWidth, units]`, `b: [units]`.
    static func affine(_ x: [Double], rows: Int, _ w: [Double], _ b: [Double]?, inWidth: Int, units: Int) -> [Double] {
        var z = [Double](repeating: 0, count: rows * units)
        for r in 0..<rows {
            for u in 0..<units {
                var sum = b?[u] ?? 0
                for d in 0..<inWidth { sum += x[r * inWidth + d] * w[d * units + u] }
                z[r * units + u] = sum
            }
        }
        return z
    }

    /// The activation applied to rows of `columns` values.
    static func activate(_ function: ActivationFunction, _ z: [Double], columns: Int) -> [Double] {
        switch function {
        case .linear: return z
        case .relu: return z.map { max(0, $0) }
        case .sigmoid: return z.map { 1 / (1 + Foundation.exp(-$0)) }
        case .tanh: return z.map { Foundation.tanh($0) }
        case .softmax:
            var y = z
            for start in stride(from: 0, to: z.count, by: columns) {
                let row = z[start..<start + columns]
                let largest = row.max()!
                let total = row.reduce(0) { $0 + Foundation.exp($1 - largest) }
                for k in 0..<columns { y[start + k] = Foundation.exp(z[start + k] - largest) / total }
            }
            return y
        }
    }

    static func clip(_ p: Double) -> Double { min(max(p, epsilon), 1 - epsilon) }

    /// Per-sample losses from probabilities (Keras's clipped formulas). Targets are rows of
    /// `columns` values, or one class index per row for the sparse loss.
    static func perSample(_ loss: Loss, predictions p: [Double], targets y: [Double], rows: Int, columns: Int) -> [Double] {
        (0..<rows).map { r in
            let pr = Array(p[r * columns..<(r + 1) * columns])
            switch loss {
            case .categoricalCrossentropy:
                let total = pr.reduce(0, +)
                return -(0..<columns).reduce(0) { $0 + y[r * columns + $1] * Foundation.log(clip(pr[$1] / total)) }
            case .sparseCategoricalCrossentropy:
                let clipped = pr.map(clip)
                return -Foundation.log(clipped[Int(y[r])]) + Foundation.log(clipped.reduce(0, +))
            case .binaryCrossentropy:
                return -(0..<columns).reduce(0) { sum, k in
                    let t = y[r * columns + k], q = clip(pr[k])
                    return sum + t * Foundation.log(q) + (1 - t) * Foundation.log(1 - q)
                } / Double(columns)
            case .meanSquaredError:
                return (0..<columns).reduce(0) { $0 + Foundation.pow(y[r * columns + $1] - pr[$1], 2) } / Double(columns)
            }
        }
    }

    /// Per-sample losses from logits, unclipped: `lse(z) - z_t` and the stable sigmoid form.
    static func perSample(_ loss: Loss, logits z: [Double], targets y: [Double], rows: Int, columns: Int) -> [Double] {
        (0..<rows).map { r in
            let zr = Array(z[r * columns..<(r + 1) * columns])
            let largest = zr.max()!
            let lse = largest + Foundation.log(zr.reduce(0) { $0 + Foundation.exp($1 - largest) })
            switch loss {
            case .categoricalCrossentropy:
                return (0..<columns).reduce(0) { $0 + y[r * columns + $1] * (lse - zr[$1]) }
            case .sparseCategoricalCrossentropy:
                return lse - zr[Int(y[r])]
            case .binaryCrossentropy:
                return (0..<columns).reduce(0) { sum, k in
                    let v = zr[k], t = y[r * columns + k]
                    return sum + max(v, 0) - v * t + Foundation.log1p(Foundation.exp(-abs(v)))
                } / Double(columns)
            case .meanSquaredError:
                preconditionFailure("mean squared error has no logits form")
            }
        }
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}

// MARK: Loss and metric calls on arrays

extension Loss {
    /// `perSample(predictions:)` on Float arrays.
    func perSample(predictions p: [Float], targets y: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows)
        perSample(predictions: p, targets: y, rows: rows, columns: columns, into: &out)
        return out
    }

    /// `perSample(logits:)` on Float arrays.
    func perSample(logits z: [Float], targets y: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows)
        perSample(logits: z, targets: y, rows: rows, columns: columns, into: &out)
        return out
    }

    /// `gradient(predictions:)` on Float arrays.
    func gradient(predictions p: [Float], targets y: [Float], rows: Int, columns: Int, batchSize: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * columns)
        gradient(predictions: p, targets: y, rows: rows, columns: columns, batchSize: batchSize, into: &out)
        return out
    }

    /// `logitsGradient(probabilities:)` on Float arrays.
    func logitsGradient(probabilities p: [Float], targets y: [Float], rows: Int, columns: Int, batchSize: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * columns)
        logitsGradient(probabilities: p, targets: y, rows: rows, columns: columns, batchSize: batchSize, into: &out)
        return out
    }
}

// MARK: Training helpers

/// One training step on all of `x`, through the same code as `fit` (fused logits path
/// included), with a zero learning rate so the weights stay put and their gradients can be read.
/// - Returns: the mean loss the step reported.
@discardableResult
func gradientStep(_ model: Model, loss: Loss, x: Tensor, y: Tensor) -> Double {
    // Compiling sets the loss, which decides whether the fused logits path is taken.
    model.compile(loss: loss, optimizer: SGD(learningRate: 0))
    let trainer = Trainer(model: model, loss: loss, optimizer: model.optimizer!)
    var running = RunningLogs(metricCount: 0)
    let indices = Array(0..<x.sampleCount)
    trainer.trainStep(source: x, targets: y, indices: indices[...], into: &running)
    return running.lossSum / Double(running.samples)
}

/// A callback that records every hook `fit` calls, in order.
final class RecordingCallback: Callback {
    var events: [String] = []
    var epochLogs: [Logs] = []
    var batchLogs: [Logs] = []
    /// When set, asks `fit` to stop after this (epoch, batch).
    var stopAt: (epoch: Int, batch: Int)?
    private var epoch = 0
    let label: String
    /// Shared with other recorders to check the order in which callbacks run.
    let journal: Journal?

    final class Journal { var entries: [String] = [] }

    init(label: String = "", journal: Journal? = nil) {
        self.label = label
        self.journal = journal
    }

    private func note(_ event: String) {
        events.append(event)
        journal?.entries.append(label + " " + event)
    }

    func onTrainBegin(model: Model) { note("trainBegin") }
    func onEpochBegin(_ epoch: Int, model: Model) {
        self.epoch = epoch
        note("epochBegin \(epoch)")
    }
    func onBatchEnd(_ batch: Int, logs: Logs, model: Model) {
        note("batchEnd \(batch)")
        batchLogs.append(logs)
        if let stopAt, stopAt.epoch == epoch, stopAt.batch == batch { model.stopTraining = true }
    }
    func onEpochEnd(_ epoch: Int, logs: Logs, model: Model) {
        note("epochEnd \(epoch)")
        epochLogs.append(logs)
    }
    func onTrainEnd(model: Model) { note("trainEnd") }
}

/// An identity layer that records, per forward call, the first feature of every sample it
/// sees and whether it was a training call: with inputs `x[i] = i` it shows which samples
/// each batch held.
final class SampleRecorder: Layer {
    let name: String
    let typeName = "SampleRecorder"
    private(set) var inputShape: [Int]?
    private(set) var trainingBatches: [[Int]] = []
    private(set) var inferenceBatches: [[Int]] = []

    init(name: String) { self.name = name }

    func build(inputShape: [Int], generator: inout SeededGenerator) { self.inputShape = inputShape }
    func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    var parameters: [Parameter] { [] }
    var config: [String: JSONValue] { [:] }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let width = x.rowWidth
        let scalars = x.scalars
        let firsts = (0..<x.shape[0]).map { Int(scalars[$0 * width]) }
        if training { trainingBatches.append(firsts) } else { inferenceBatches.append(firsts) }
        return x
    }

    func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor { dy }
}

/// A fresh folder under the temporary directory, removed by `cleanUp()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("perceptron-nn-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
