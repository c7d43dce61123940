// The linear probe: a softmax regression trained on a layer's activations with the project's
// own Dense, Adam and fit, then scored on other samples. Other probe kinds are left out.

import Foundation
import PerceptronNN
import PerceptronTensor

/// How well a linear classifier can read the classes off a set of features: Alain and
/// Bengio's "linear classifier probe" (2016).
///
/// The probe is `softmax(z W + b)` on standardised features `z_j = (x_j - m_j) / s_j`, with
/// `m_j` and `s_j` the mean and standard deviation of feature j over the training rows
/// (`s_j = 1` where a feature is constant there), so that raw pixels and hidden units of any
/// scale train alike. It is a `Dense(K, activation: .softmax)` trained with sparse categorical
/// cross-entropy and `Adam` by `Model.fit` (shuffled with `seed`, no validation split). Its
/// weights start at zero: softmax regression is convex, so a random start buys nothing, and
/// with one a short training can still be dominated by it (a probe on 10 softmax outputs read
/// 50% after 5 epochs from Glorot weights, 98.3% from zeros). The same inputs and seed give
/// the same accuracy.
///
/// The defaults, 20 epochs of batches of 128 at learning rate 0.001, were chosen on the lesson's
/// MLP with 10,000 training rows. The probe has no penalty, so longer training overfits the
/// widest inputs: on raw pixels (784 weights per class) it reads 90.9% after 5 epochs, 91.2%
/// after 20 and 90.8% after 50; from 20 to 50 epochs the hidden layers move by less than 0.15 points.
/// A layer costs under a second at these settings.
public struct LinearProbe: Sendable, Hashable {
    /// Passes over the training rows.
    public var epochs: Int
    /// Rows per Adam step.
    public var batchSize: Int
    /// Adam's learning rate.
    public var learningRate: Float
    /// Seeds the shuffles of the training rows.
    public var seed: UInt64

    /// A probe with the given settings; the defaults are explained above.
    ///
    /// - Precondition: `epochs` and `batchSize` at least 1, `learningRate` positive.
    public init(epochs: Int = 20, batchSize: Int = 128, learningRate: Float = 0.001, seed: UInt64 = 42) {
        precondition(epochs >= 1 && batchSize >= 1 && learningRate > 0,
                     "LinearProbe needs epochs and batch size of at least 1 and a positive learning rate, got \(epochs), \(batchSize), \(learningRate)")
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }

    /// Trains a probe on `train` (`[N, ...]`, flattened) and returns its accuracy on `test`.
    ///
    /// - Parameters:
    ///   - train: the training features `[N, ...]`; the standardisation is fitted on them.
    ///   - trainLabels: the class of each training row, `N` values in `0..<classes`.
    ///   - test: the features scored, `[M, ...]` with the same per-row width.
    ///   - testLabels: the class of each test row, `M` values.
    ///   - classes: K, the probe's outputs; at least the largest label + 1.
    /// - Returns: the fraction of test rows whose most probable class is their label, in 0...1.
    /// - Throws: `TrainingError` when training fails (e.g. non-finite features).
    public func accuracy(train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int], classes: Int) throws -> Double {
        let predicted = try predictions(train: train, trainLabels: trainLabels, test: test, classes: classes)
        return SeparationMeasures.accuracy(predicted, testLabels)
    }

    /// The probe's class for each row of `test`, after training on `train`.
    public func predictions(train: Tensor, trainLabels: [Int], test: Tensor, classes: Int) throws -> [Int] {
        let d = train.rowWidth
        precondition(test.rowWidth == d, "probe train rows have width \(d), test rows \(test.rowWidth)")
        precondition(trainLabels.count == train.sampleCount, "\(train.sampleCount) training rows need as many labels, got \(trainLabels.count)")
        precondition(trainLabels.allSatisfy { (0..<classes).contains($0) }, "probe labels must lie in 0..<\(classes)")
        let (mean, deviation) = LinearProbe.moments(train)
        let x = LinearProbe.standardized(train, mean: mean, deviation: deviation)
        let input = Input(shape: [d], name: "probe_input")
        let dense = Dense(classes, activation: .softmax, kernelInitializer: .zeros, name: "probe")
        var generator = SeededGenerator(seed: seed)  // draws nothing: both initialisers are zeros
        dense.build(inputShape: [d], generator: &generator)
        let model = Model(inputs: input, outputs: dense(input), name: "linear_probe")
        model.compile(loss: .sparseCategoricalCrossentropy, optimizer: Adam(learningRate: learningRate))
        let y = Tensor(trainLabels.map(Float.init))
        try model.fit(x, y, batchSize: batchSize, epochs: epochs, verbose: 0, seed: seed)
        let probabilities = try model.predict(LinearProbe.standardized(test, mean: mean, deviation: deviation), batchSize: 1000)
        return test.sampleCount == 0 ? [] : probabilities.argmax(axis: 1)
    }

    /// Per-feature mean and standard deviation (population, in Double; 1 for a constant feature).
    static func moments(_ x: Tensor) -> (mean: [Double], deviation: [Double]) {
        let n = x.sampleCount, d = x.rowWidth
        var mean = [Double](repeating: 0, count: d)
        var squares = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { values in
            for row in 0..<n {
                for j in 0..<d { mean[j] += Double(values[row * d + j]) }
            }
            for j in 0..<d { mean[j] /= Double(max(n, 1)) }
            for row in 0..<n {
                for j in 0..<d {
                    let difference = Double(values[row * d + j]) - mean[j]
                    squares[j] += difference * difference
                }
            }
        }
        let deviation = squares.map { sum -> Double in
            let s = (sum / Double(max(n, 1))).squareRoot()
            return s > 0 ? s : 1
        }
        return (mean, deviation)
    }

    /// `(x - mean) / deviation`, per feature, as `[N, D]`.
    static func standardized(_ x: Tensor, mean: [Double], deviation: [Double]) -> Tensor {
        let n = x.sampleCount, d = mean.count
        var result = Tensor.zeros([n, d])
        result.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { values in
                for row in 0..<n {
                    for j in 0..<d { out[row * d + j] = Float((Double(values[row * d + j]) - mean[j]) / deviation[j]) }
                }
            }
        }
        return result
    }
}
