// Conv2D, pooling, batch normalisation and Dropout against their plain references (the
// `Reference` beside each layer). Exact where the kernel sums in the reference's order;
// otherwise within the rounding bound of a sum in any order (`roundingBound`).

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct ConvolutionReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let h, w, c, f, kh, kw, sh, sw: Int
        let same: Bool
        var testDescription: String { "\(h)x\(w)x\(c) -> \(f), kernel \(kh)x\(kw), strides \(sh)x\(sw), \(same ? "same" : "valid")" }
    }

    // The first two take the short-window kernels (K <= 32, F a multiple of 8) when linear or
    // ReLU; the last two the direct forward on AVX-512 (stride 1, valid, F a multiple of 64;
    // rows of 4, 3, 2 and 1 positions, two panels of filters); the others im2col and GEMM.
    static let cases = [Case(h: 7, w: 7, c: 1, f: 8, kh: 3, kw: 3, sh: 1, sw: 1, same: false),
                        Case(h: 7, w: 6, c: 1, f: 16, kh: 3, kw: 3, sh: 2, sw: 2, same: true),
                        Case(h: 7, w: 6, c: 3, f: 5, kh: 3, kw: 2, sh: 2, sw: 1, same: true),
                        Case(h: 1, w: 7, c: 33, f: 1, kh: 1, kw: 1, sh: 1, sw: 1, same: false),
                        Case(h: 33, w: 7, c: 1, f: 7, kh: 3, kw: 1, sh: 2, sw: 1, same: true),
                        Case(h: 6, w: 9, c: 6, f: 64, kh: 2, kw: 3, sh: 1, sw: 1, same: false),
                        Case(h: 4, w: 5, c: 33, f: 128, kh: 1, kw: 2, sh: 1, sw: 1, same: false)]

    @Test("Conv2D forward and backward equal the reference loops, with and without bias, in chunks or not",
          arguments: cases, [ActivationFunction.linear, .relu, .sigmoid])
    func convolution(_ t: Case, activation: ActivationFunction) {
        for (useBias, chunked) in [(true, false), (false, false), (true, true)] {
            let layer = built(Conv2D(t.f, kernelSize: (t.kh, t.kw), strides: (t.sh, t.sw), padding: t.same ? .same : .valid,
                                     activation: activation, useBias: useBias, name: "reference_conv"), on: [t.h, t.w, t.c], seed: 3)
            if chunked { layer.convolution.chunkBytes = 1 }
            if useBias { layer.bias!.value = tensor(randomValues(t.f, seed: 5, in: -0.5...0.5), [t.f]) }
            let (w, b, g) = (layer.kernel.value, layer.bias?.value, layer.geometry)
            let n = 3, terms = t.kh * t.kw * t.c
            let x = tensor(randomValues(n * t.h * t.w * t.c, seed: 4), [n, t.h, t.w, t.c])
            let reference = Conv2D.Reference.forward(x, kernel: w, bias: b, geometry: g, activation: activation)
            let zBound = roundingBound(Conv2D.Reference.forward(x.magnitudes, kernel: w.magnitudes, bias: b?.magnitudes,
                                                                geometry: g, activation: .linear), terms: terms + 1)
            let yBound = zip(zBound, reference.scalars).map { $0 + 4 * Float.ulpOfOne * abs($1) }
            expectWithin(layer.forward(x, training: false), reference, bound: yBound, "y (inference)")
            let dy = tensor(randomValues(reference.count, seed: 6), reference.shape)
            // Without an input gradient (a first layer), then with one.
            for needsInputGradient in [false, true] {
                let y = layer.forward(x, training: true)
                expectWithin(y, reference, bound: yBound, "y")
                for parameter in layer.parameters { parameter.clearGradient() }
                let dx = layer.backward(dy, needsInputGradient: needsInputGradient)
                let expected = Conv2D.Reference.backward(dy, output: y, input: x, kernel: w, geometry: g, activation: activation)
                let dz = ActivationFunction.Reference.backward(activation, dy, output: y)
                let magnitude = Conv2D.Reference.backward(dz.magnitudes, output: dz, input: x.magnitudes, kernel: w.magnitudes,
                                                          geometry: g, activation: .linear)
                let positions = n * g.outputPositions
                if needsInputGradient { expectWithin(dx, expected.dx, bound: roundingBound(magnitude.dx, terms: t.kh * t.kw * t.f), "dx") }
                expectWithin(layer.kernel.gradient, expected.dw, bound: roundingBound(magnitude.dw, terms: positions), "dkernel")
                if useBias { expectWithin(layer.bias!.gradient, expected.db, bound: roundingBound(magnitude.db, terms: positions), "dbias") }
            }
        }
    }
}

@Suite struct PoolingReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let h, w, c, window, stride: Int
        let same: Bool
        var testDescription: String { "\(h)x\(w)x\(c), window \(window), stride \(stride), \(same ? "same" : "valid")" }
    }

    // 2x2 stride 2 with channels a multiple of 8 is max pooling's pairwise way (odd sizes
    // leave a row or column out); the rest the window loops.
    static let cases = [Case(h: 6, w: 6, c: 8, window: 2, stride: 2, same: false),
                        Case(h: 7, w: 5, c: 16, window: 2, stride: 2, same: false),
                        Case(h: 5, w: 7, c: 7, window: 2, stride: 2, same: true),
                        Case(h: 7, w: 7, c: 33, window: 3, stride: 2, same: true),
                        Case(h: 1, w: 7, c: 1, window: 1, stride: 2, same: false),
                        Case(h: 33, w: 1, c: 9, window: 3, stride: 1, same: true)]

    @Test("Max and average pooling equal the reference loops bit for bit, ties and negative zeros included",
          arguments: cases, [Pooling2D.Kind.max, .average])
    func pooling(_ t: Case, kind: Pooling2D.Kind) {
        let padding: Padding = t.same ? .same : .valid
        let layer = built(kind == .max ? MaxPooling2D(t.window, strides: t.stride, padding: padding, name: "reference_pool")
                                       : AveragePooling2D(t.window, strides: t.stride, padding: padding, name: "reference_pool"),
                          on: [t.h, t.w, t.c])
        // Coarse values: many ties, and negative zeros.
        var generator = SeededGenerator(seed: 9)
        let n = 2
        let x = Tensor(shape: [n, t.h, t.w, t.c], scalars: (0..<(n * t.h * t.w * t.c)).map { _ in
            let value = Float(Int(generator.nextFloat() * 7) - 3) / 2
            return value == 0 && generator.nextFloat() < 0.5 ? -0.0 : value
        })
        let reference = Pooling2D.Reference.forward(x, kind: kind, geometry: layer.geometry).y
        expectIdentical(layer.forward(x, training: false), reference, "y (inference)")
        expectIdentical(layer.forward(x, training: true), reference, "y")
        let dy = tensor(randomValues(reference.count, seed: 10), reference.shape)
        expectIdentical(layer.backward(dy, needsInputGradient: true),
                        Pooling2D.Reference.backward(dy, input: x, kind: kind, geometry: layer.geometry), "dx")
    }
}

@Suite struct NormalizationReferenceTests {
    @Test("BatchNormalization in training equals the reference bit for bit (output, moving statistics, gradients)",
          arguments: [[7, 33], [1, 7], [3, 2, 5, 7]])
    func training(shape: [Int]) {
        let features = shape.last!, count = shape.reduce(1, *)
        let layer = built(BatchNormalization(name: "reference_bn"), on: Array(shape.dropFirst()))
        layer.gamma.value = tensor(randomValues(features, seed: 31, in: 0.5...1.5), [features])
        layer.beta.value = tensor(randomValues(features, seed: 32), [features])
        let (gamma, beta) = (layer.gamma.value, layer.beta.value)
        let x = tensor(randomValues(count, seed: 33, in: -3...3), shape)
        let y = layer.forward(x, training: true)
        let reference = BatchNormalization.Reference.trainingForward(x, gamma: gamma, beta: beta, epsilon: layer.epsilon)
        expectIdentical(y, reference.y, "y")
        let keep = layer.momentum
        expectIdentical(layer.movingMean.value, Tensor(shape: [features], scalars: reference.mean.map { 0 * keep + Float($0) * (1 - keep) }), "moving mean")
        expectIdentical(layer.movingVariance.value,
                        Tensor(shape: [features], scalars: reference.variance.map { 1 * keep + Float($0) * (1 - keep) }), "moving variance")
        let dy = tensor(randomValues(count, seed: 34), shape)
        for parameter in layer.parameters { parameter.clearGradient() }
        let dx = layer.backward(dy, needsInputGradient: true)
        let expected = BatchNormalization.Reference.backward(dy, normalized: reference.normalized, gamma: gamma,
                                                             variance: reference.variance, epsilon: layer.epsilon)
        expectIdentical(dx, expected.dx, "dx")
        expectIdentical(layer.gamma.gradient, expected.dgamma, "dgamma")
        expectIdentical(layer.beta.gradient, expected.dbeta, "dbeta")
    }

    @Test("BatchNormalization in inference equals the definition with the moving statistics", arguments: [[7, 33], [3, 2, 5, 7]])
    func inference(shape: [Int]) {
        let features = shape.last!, count = shape.reduce(1, *)
        let layer = built(BatchNormalization(name: "reference_bn_inference"), on: Array(shape.dropFirst()))
        layer.gamma.value = tensor(randomValues(features, seed: 41, in: 0.5...1.5), [features])
        layer.beta.value = tensor(randomValues(features, seed: 42), [features])
        layer.movingMean.value = tensor(randomValues(features, seed: 43), [features])
        layer.movingVariance.value = tensor(randomValues(features, seed: 44, in: 0.1...2), [features])
        let x = tensor(randomValues(count, seed: 45, in: -3...3), shape)
        let reference = BatchNormalization.Reference.inferenceForward(
            x, gamma: layer.gamma.value, beta: layer.beta.value, mean: layer.movingMean.value,
            variance: layer.movingVariance.value, epsilon: layer.epsilon)
        // The layer folds the statistics into y = x scale + shift: a few roundings of the
        // terms' sizes |x scale|, |mean scale| and |beta|.
        let (g, m, v, b) = (layer.gamma.value.scalars, layer.movingMean.value.scalars, layer.movingVariance.value.scalars,
                            layer.beta.value.scalars)
        let bound = x.scalars.indices.map { i -> Float in
            let f = i % features, scale = abs(g[f]) / (v[f] + layer.epsilon).squareRoot()
            return 8 * Float.ulpOfOne * (abs(x.scalars[i]) * scale + abs(m[f]) * scale + abs(b[f]))
        }
        expectWithin(layer.forward(x, training: false), reference, bound: bound, "y")
    }

    @Test("Dropout with a fixed seed equals the reference draws bit for bit; inference is the identity",
          arguments: [Float(0.25), 0.5], [[1, 1], [7, 33], [33, 7]])
    func dropout(rate: Float, shape: [Int]) {
        let count = shape.reduce(1, *)
        let layer = built(Dropout(rate, name: "reference_dropout"), on: [shape[1]])
        layer.randomState = SeededGenerator(seed: 51).state
        var generator = SeededGenerator(seed: 51)
        let x = tensor(randomValues(count, seed: 52), shape)
        let reference = Dropout.Reference.forward(x, rate: rate, generator: &generator)
        expectIdentical(layer.forward(x, training: true), reference.y, "y")
        #expect(layer.randomState == generator.state, "one draw per value")
        let dy = tensor(randomValues(count, seed: 53), shape)
        let dyScalars = dy.scalars, maskScalars = reference.mask.scalars
        expectIdentical(layer.backward(dy, needsInputGradient: true),
                        Tensor(shape: shape, scalars: dyScalars.indices.map { dyScalars[$0] * maskScalars[$0] }), "dx")
        expectIdentical(layer.forward(x, training: false), x, "inference")
    }
}
