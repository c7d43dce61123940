// Dropout and BatchNormalization: Keras's training and inference semantics, and backward
// against central differences (BatchNormalization) or the forward mask (Dropout).

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct DropoutTests {
    @Test("Inference is the identity; training keeps values scaled by 1/(1 - rate) or zeroes them")
    func semantics() {
        let layer = built(Dropout(0.25, name: "dropout_check"), on: [1000])
        let x = Tensor(shape: [4, 1000], repeating: 2)
        #expect(layer.forward(x, training: false) == x)
        let y = layer.forward(x, training: true)
        let kept = y.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 2 / 0.75 })
        let dropped = Double(y.count - kept.count) / Double(y.count)
        #expect(abs(dropped - 0.25) < 0.03, "dropped fraction \(dropped)")
        let dx = layer.backward(Tensor(shape: [4, 1000], repeating: 3), needsInputGradient: true)
        #expect(zip(dx.scalars, y.scalars).allSatisfy { $1 == 0 ? $0 == 0 : $0 == 3 / 0.75 })
    }

    @Test("Each value is kept exactly when its draw, nextFloat(), is below 1 - rate",
          arguments: [0.5, 0.25, 0.1, 1 / 3, 0.7, 0.9, 0.999] as [Float])
    func dropoutKeepsWhereTheDrawIsBelowTheKeepProbability(rate: Float) {
        let layer = built(Dropout(rate, name: "dropout_draws"), on: [4096], seed: 5)
        var draws = SeededGenerator(state: layer.randomState)!
        let x = Tensor(shape: [3, 4096], repeating: 1)
        let y = layer.forward(x, training: true)
        let scale = 1 / (1 - rate)
        let expected = (0..<y.count).map { _ in draws.nextFloat() < 1 - rate ? scale : 0 }
        #expect(y.scalars == expected)
        #expect(layer.randomState == draws.state)
    }

    /// Masks of 32,768 values or more are drawn by all the cores, each from the generator jumped
    /// ahead to its first value: the draws and the generator's state after are one thread's
    /// (70,014 values: the backward's product is split over the cores too).
    @Test("A large mask drawn on all the cores is the one-thread mask, draw for draw", arguments: [0.5, 0.25] as [Float])
    func largeMasksAreTheSerialDraws(rate: Float) {
        let layer = built(Dropout(rate, name: "dropout_large_\(rate)"), on: [5001], seed: 6)
        var draws = SeededGenerator(state: layer.randomState)!
        let x = Tensor(shape: [14, 5001], repeating: 1)
        let scale = 1 / (1 - rate)
        for pass in 0..<2 {
            let y = layer.forward(x, training: true)
            let expected = (0..<y.count).map { _ in draws.nextFloat() < 1 - rate ? scale : 0 }
            #expect(y.scalars == expected, "pass \(pass)")
            #expect(layer.randomState == draws.state, "pass \(pass)")
            // Backward, split over the cores at this size too, multiplies by the same mask.
            let dx = layer.backward(Tensor(shape: x.shape, repeating: 3), needsInputGradient: true)
            #expect(dx.scalars == expected.map { 3 * $0 }, "pass \(pass)")
        }
    }

    @Test("The keep threshold's boundary, which random draws almost never reach")
    func dropoutKeepThresholdBoundary() {
        // u is kept exactly when u * 2^-24 < keep; 0.1, 0.3 and 1/3 are not multiples of 2^-24.
        for keep in [0.1, 0.3, 1 / 3, 0.001, 0.5, 0.75, 1] as [Float] {
            let threshold = Dropout.keepThreshold(keep)
            #expect(Float(threshold - 1) * 0x1p-24 < keep, "keep \(keep)")
            #expect(!(Float(threshold) * 0x1p-24 < keep), "keep \(keep)")
        }
    }

    @Test("The same seed and state give the same masks; restoring the state replays them")
    func reproducible() {
        let first = built(Dropout(0.5, name: "dropout_seed_a"), on: [64], seed: 11)
        let second = built(Dropout(0.5, name: "dropout_seed_b"), on: [64], seed: 11)
        let x = Tensor(shape: [2, 64], repeating: 1)
        let saved = first.randomState
        let a = first.forward(x, training: true)
        #expect(a == second.forward(x, training: true))
        first.randomState = saved
        #expect(first.forward(x, training: true) == a)
    }
}

@Suite struct BatchNormalizationTests {
    /// Keras's training forward: biased batch variance over all axes but the last.
    static func reference(_ x: [Double], rows: Int, features: Int, gamma: [Double], beta: [Double], epsilon: Double)
        -> (y: [Double], mean: [Double], variance: [Double]) {
        var mean = [Double](repeating: 0, count: features), variance = mean
        for r in 0..<rows { for f in 0..<features { mean[f] += x[r * features + f] / Double(rows) } }
        for r in 0..<rows { for f in 0..<features { variance[f] += pow(x[r * features + f] - mean[f], 2) / Double(rows) } }
        var y = x
        for r in 0..<rows {
            for f in 0..<features {
                y[r * features + f] = gamma[f] * (x[r * features + f] - mean[f]) / (variance[f] + epsilon).squareRoot() + beta[f]
            }
        }
        return (y, mean, variance)
    }

    @Test("Training forward, moving statistics, inference and gradients as Keras")
    func batchNormalization() {
        let (rows, features) = (6, 3)
        let layer = built(BatchNormalization(name: "bn_check"), on: [features])
        #expect(layer.parameterCount == 12 && layer.trainableParameterCount == 6)
        let x = randomValues(rows * features, seed: 12, in: -3...3)
        let gamma = randomValues(features, seed: 13, in: 0.5...1.5), beta = randomValues(features, seed: 14)
        layer.gamma.value = tensor(gamma, [features])
        layer.beta.value = tensor(beta, [features])
        let expected = Self.reference(x, rows: rows, features: features, gamma: gamma, beta: beta, epsilon: 1e-3)
        let y = layer.forward(tensor(x, [rows, features]), training: true)
        expectClose(y.doubles, expected.y, relative: 1e-5, absolute: 1e-5, "y")
        // moving = moving * 0.99 + batch * 0.01, from zeros and ones.
        expectClose(layer.movingMean.value.doubles, expected.mean.map { $0 * 0.01 }, relative: 1e-5, absolute: 1e-7, "moving mean")
        expectClose(layer.movingVariance.value.doubles, expected.variance.map { 0.99 + $0 * 0.01 }, relative: 1e-5,
                    absolute: 1e-7, "moving variance")

        let g = randomValues(rows * features, seed: 15)
        let dx = layer.backward(tensor(g, [rows, features]), needsInputGradient: true)
        func objective(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> Double {
            zip(g, Self.reference(x, rows: rows, features: features, gamma: gamma, beta: beta, epsilon: 1e-3).y)
                .reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectClose(dx.doubles, centralDifferences(at: x) { objective($0, gamma, beta) }, relative: 1e-4, absolute: 1e-5, "dJ/dx")
        expectClose(layer.gamma.gradient.doubles, centralDifferences(at: gamma) { objective(x, $0, beta) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dgamma")
        expectClose(layer.beta.gradient.doubles, centralDifferences(at: beta) { objective(x, gamma, $0) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dbeta")

        // Inference: (x - moving mean) / sqrt(moving variance + eps) * gamma + beta.
        let inference = layer.forward(tensor(x, [rows, features]), training: false)
        let mm = layer.movingMean.value.doubles, mv = layer.movingVariance.value.doubles
        let expectedInference = x.enumerated().map { i, v in
            let f = i % features
            return (v - mm[f]) / (mv[f] + 1e-3).squareRoot() * gamma[f] + beta[f]
        }
        expectClose(inference.doubles, expectedInference, relative: 1e-5, absolute: 1e-5, "inference")
    }
}
