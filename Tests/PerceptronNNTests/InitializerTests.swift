// Initializers: Keras's fan computation, glorot/he bounds and spreads, zeros and ones, and
// reproducibility from a seed. Limits from Scripts/reference/layers_reference.py (Python
// 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6) and Keras's
// keras/src/initializers/random_initializers.py.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO
import PerceptronTensor

@Suite struct InitializerTests {
    struct Fans: Sendable, CustomTestStringConvertible {
        let shape: [Int]
        let fanIn: Int
        let fanOut: Int
        /// sqrt(6 / (fan_in + fan_out)) as layers_reference.py printed it.
        let glorotLimit: Double
        var testDescription: String { "\(shape)" }
    }

    static let fans = [
        Fans(shape: [784, 512], fanIn: 784, fanOut: 512, glorotLimit: 0.0680413817),
        Fans(shape: [512, 10], fanIn: 512, fanOut: 10, glorotLimit: 0.107211253),
        Fans(shape: [3, 3, 1, 32], fanIn: 9, fanOut: 288, glorotLimit: 0.142133811),
        Fans(shape: [3, 3, 32, 64], fanIn: 288, fanOut: 576, glorotLimit: 0.0833333333),
        Fans(shape: [5, 7], fanIn: 5, fanOut: 7, glorotLimit: 0.707106781),
    ]

    @Test("compute_fans and glorot_uniform's bounds", arguments: fans)
    func glorotUniform(_ fans: Fans) {
        let (fanIn, fanOut) = Initializer.fans(fans.shape)
        #expect(fanIn == fans.fanIn && fanOut == fans.fanOut)
        #expect(isClose((6 / Double(fanIn + fanOut)).squareRoot(), fans.glorotLimit, relative: 1e-8, absolute: 0))
        var generator = SeededGenerator(seed: 7)
        let values = Initializer.glorotUniform.make(fans.shape, generator: &generator)
        #expect(values.shape == fans.shape)
        let limit = Float(fans.glorotLimit)
        #expect(values.scalars.allSatisfy { abs($0) <= limit }, "a value beyond ±\(limit)")
        guard values.count >= 10_000 else { return }
        // Uniform on [-L, L]: reaches near both ends, mean 0, variance L^2 / 3.
        let scalars = values.doubles
        let mean = Reference.mean(scalars)
        let variance = Reference.mean(scalars.map { ($0 - mean) * ($0 - mean) })
        #expect(scalars.max()! > 0.99 * fans.glorotLimit && scalars.min()! < -0.99 * fans.glorotLimit)
        #expect(abs(mean) < 0.02 * fans.glorotLimit)
        #expect(isClose(variance, fans.glorotLimit * fans.glorotLimit / 3, relative: 0.05, absolute: 0))
    }

    @Test("Fans of rank 0 and 1 shapes")
    func smallRankFans() {
        let scalar = Initializer.fans([]), vector = Initializer.fans([5])
        #expect(scalar.fanIn == 1 && scalar.fanOut == 1)
        #expect(vector.fanIn == 5 && vector.fanOut == 5)
    }

    @Test("he_uniform: limit sqrt(6 / fan_in)")
    func heUniform() {
        var generator = SeededGenerator(seed: 8)
        let values = Initializer.heUniform.make([3, 3, 8, 16], generator: &generator).doubles
        let limit = (6.0 / 72).squareRoot()
        #expect(values.allSatisfy { abs($0) <= limit })
        #expect(values.max()! > 0.98 * limit && values.min()! < -0.98 * limit)
    }

    @Test("glorot_normal and he_normal: truncated at two standard deviations, Keras's stddev",
          arguments: [Initializer.glorotNormal, .heNormal])
    func truncatedNormal(_ initializer: Initializer) {
        let shape = [400, 300]
        let target = initializer == .glorotNormal ? (2.0 / 700).squareRoot() : (2.0 / 400).squareRoot()
        // The untruncated normal has stddev target / 0.8796..., and is cut at twice that.
        let cut = 2 * target / 0.87962566103423978
        var generator = SeededGenerator(seed: 9)
        let values = initializer.make(shape, generator: &generator).doubles
        #expect(values.allSatisfy { abs($0) <= cut * (1 + 1e-6) })
        let mean = Reference.mean(values)
        let stddev = Reference.mean(values.map { ($0 - mean) * ($0 - mean) }).squareRoot()
        #expect(abs(mean) < 0.01 * target)
        #expect(isClose(stddev, target, relative: 0.02, absolute: 0), "stddev \(stddev), Keras's target \(target)")
    }

    @Test("zeros and ones")
    func constants() {
        var generator = SeededGenerator(seed: 10)
        #expect(Initializer.zeros.make([3, 4], generator: &generator) == Tensor.zeros([3, 4]))
        #expect(Initializer.ones.make([5], generator: &generator) == Tensor.ones([5]))
    }

    @Test("The same seed gives identical weights, another seed different ones")
    func seeds() {
        func draw(_ seed: UInt64) -> Tensor {
            var generator = SeededGenerator(seed: seed)
            return Initializer.glorotUniform.make([20, 30], generator: &generator)
        }
        #expect(draw(42) == draw(42))
        #expect(draw(42) != draw(43))
        // Two Dense layers built from equal generators hold equal kernels.
        let a = built(Dense(6, name: "seeded_a"), on: [5], seed: 99)
        let b = built(Dense(6, name: "seeded_b"), on: [5], seed: 99)
        #expect(a.kernel.value == b.kernel.value)
    }

    @Test("Dense builds a glorot_uniform kernel [in, units] and a zero bias, as Keras")
    func denseDefaults() {
        let layer = built(Dense(512, name: "wide_dense"), on: [784])
        #expect(layer.kernel.value.shape == [784, 512])
        #expect(layer.bias?.value == Tensor.zeros([512]))
        #expect(layer.kernel.value.scalars.allSatisfy { abs($0) <= Float(0.0680413817) })
        #expect(layer.parameterCount == 401_920 && layer.trainableParameterCount == 401_920)
        #expect(layer.activation == .linear && layer.useBias)
        #expect(layer.config["kernel_initializer"] == .string("glorot_uniform"))
        #expect(layer.config["bias_initializer"] == .string("zeros"))
        let noBias = built(Dense(4, useBias: false, kernelInitializer: .ones, name: "ones_dense"), on: [3])
        #expect(noBias.bias == nil && noBias.parameters.count == 1 && noBias.kernel.value == Tensor.ones([3, 4]))
    }
}
