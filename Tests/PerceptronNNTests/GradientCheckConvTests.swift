// Central finite-difference checks of Conv2D's general path (windows unfolded, one GEMM, then
// the bias and the activation) for each activation, with and without bias, valid and same
// padding, strides 1 and 2; and of BatchNormalization on images, whose statistics run over
// N·H·W per channel. References in Double; one Conv2D check perturbs the Float weights.
// Legend: N batch, H/W input size, C channels, F filters, KH/KW window.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct ConvolutionGeneralPathGradientTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let activation: ActivationFunction
        let h, w, c, f, kh, kw: Int
        let stride: (Int, Int)
        let same: Bool
        let useBias: Bool
        var testDescription: String {
            "\(activation.rawValue): \(h)x\(w)x\(c) -> \(f), kernel \(kh)x\(kw), strides \(stride), "
                + "\(same ? "same" : "valid")\(useBias ? "" : ", no bias")"
        }
    }

    /// Geometries that take the general path for every activation: fewer than 8 filters, or a
    /// window of more than 32 values (3x3x4 = 36), so the short-window kernels never apply.
    static let cases: [Case] = [ActivationFunction.relu, .tanh, .sigmoid, .softmax].flatMap { a in [
        Case(activation: a, h: 5, w: 5, c: 2, f: 3, kh: 3, kw: 3, stride: (1, 1), same: false, useBias: true),
        Case(activation: a, h: 4, w: 5, c: 2, f: 3, kh: 3, kw: 3, stride: (1, 1), same: true, useBias: true),
        Case(activation: a, h: 6, w: 5, c: 2, f: 4, kh: 3, kw: 3, stride: (2, 2), same: true, useBias: false),
        Case(activation: a, h: 7, w: 6, c: 1, f: 2, kh: 2, kw: 3, stride: (2, 1), same: false, useBias: false),
        Case(activation: a, h: 4, w: 5, c: 4, f: 8, kh: 3, kw: 3, stride: (2, 2), same: true, useBias: true),
    ] }

    /// `activation(conv(x, k) + b)` in Double, rows of F values.
    static func forward(_ t: Case, n: Int, _ x: [Double], _ k: [Double], _ b: [Double]) -> [Double] {
        let z = WindowReference.conv(x, n: n, h: t.h, w: t.w, c: t.c, k, kh: t.kh, kw: t.kw, f: t.f, b, stride: t.stride, same: t.same)
        return Reference.activate(t.activation, z.y, columns: t.f)
    }

    static func layer(_ t: Case, name: String) -> Conv2D {
        built(Conv2D(t.f, kernelSize: (t.kh, t.kw), strides: t.stride, padding: t.same ? .same : .valid,
                     activation: t.activation, useBias: t.useBias, name: name), on: [t.h, t.w, t.c], seed: 17)
    }

    @Test("Conv2D general path: input, kernel and bias gradients against Double central differences", arguments: cases)
    func generalPath(_ t: Case) throws {
        let n = 2
        let layer = Self.layer(t, name: "conv_general_check")
        try #require(!layer.usesSmallKernel, "the case must take the general path")
        #expect((layer.bias != nil) == t.useBias)
        let x = randomValues(n * t.h * t.w * t.c, seed: 18)
        let k = randomValues(t.kh * t.kw * t.c * t.f, seed: 19, in: -0.5...0.5)
        let b = t.useBias ? randomValues(t.f, seed: 20, in: -0.5...0.5) : [Double](repeating: 0, count: t.f)
        layer.kernel.value = tensor(k, [t.kh, t.kw, t.c, t.f])
        if t.useBias { layer.bias!.value = tensor(b, [t.f]) }
        // ReLU's kink at 0: differences of step 1e-6 must not straddle it.
        let z = WindowReference.conv(x, n: n, h: t.h, w: t.w, c: t.c, k, kh: t.kh, kw: t.kw, f: t.f, b, stride: t.stride, same: t.same)
        try #require(z.y.allSatisfy { abs($0) > 1e-4 })

        let y = layer.forward(tensor(x, [n, t.h, t.w, t.c]), training: true)
        #expect(y.shape == [n, z.oh, z.ow, t.f])
        expectClose(y.doubles, Self.forward(t, n: n, x, k, b), relative: 1e-5, absolute: 1e-6, "y")
        // J = Σ g ⊙ y, so dJ/dy = g.
        let g = randomValues(y.count, seed: 21)
        let dx = layer.backward(tensor(g, y.shape), needsInputGradient: true)
        #expect(dx.shape == [n, t.h, t.w, t.c])
        expectClose(dx.doubles, centralDifferences(at: x) { innerProduct(g, Self.forward(t, n: n, $0, k, b)) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dx")
        expectClose(layer.kernel.gradient.doubles, centralDifferences(at: k) { innerProduct(g, Self.forward(t, n: n, x, $0, b)) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dkernel")
        if t.useBias {
            expectClose(layer.bias!.gradient.doubles, centralDifferences(at: b) { innerProduct(g, Self.forward(t, n: n, x, k, $0)) },
                        relative: 1e-4, absolute: 1e-5, "dJ/dbias")
        }
    }

    @Test("Conv2D general path: Float central differences with eps 1e-3 through the layer's own forward agree to 1e-3",
          arguments: [ActivationFunction.relu, .tanh, .sigmoid, .softmax])
    func floatDifferences(activation: ActivationFunction) throws {
        let t = Case(activation: activation, h: 6, w: 5, c: 2, f: 3, kh: 3, kw: 3, stride: (2, 2), same: true, useBias: true)
        let n = 2
        let layer = Self.layer(t, name: "conv_general_float_check")
        try #require(!layer.usesSmallKernel)
        let x = tensor(randomValues(n * t.h * t.w * t.c, seed: 22), [n, t.h, t.w, t.c])
        layer.bias!.value = tensor(randomValues(t.f, seed: 23, in: -0.5...0.5), [t.f])
        // A step of 1e-3 in one weight moves each pre-activation by at most 1e-3 (|x| <= 1):
        // keep ReLU's kink further away than that.
        let z = WindowReference.conv(x.doubles, n: n, h: t.h, w: t.w, c: t.c, layer.kernel.value.doubles, kh: t.kh, kw: t.kw,
                                     f: t.f, layer.bias!.value.doubles, stride: t.stride, same: t.same)
        try #require(z.y.allSatisfy { abs($0) > 2e-3 })
        let g = randomValues(n * z.oh * z.ow * t.f, seed: 24)
        let objective = { innerProduct(g, layer.forward(x, training: false).doubles) }

        _ = layer.forward(x, training: true)
        _ = layer.backward(tensor(g, [n, z.oh, z.ow, t.f]), needsInputGradient: true)
        expectClose(layer.kernel.gradient.doubles, perturbedDifferences(of: layer.kernel, step: 1e-3, objective),
                    relative: 0, absolute: 1e-3, "dJ/dkernel")
        expectClose(layer.bias!.gradient.doubles, perturbedDifferences(of: layer.bias!, step: 1e-3, objective),
                    relative: 0, absolute: 1e-3, "dJ/dbias")
    }
}

@Suite struct BatchNormalizationImageGradientTests {
    /// Keras's training forward on `[N, H, W, C]`: per channel, the mean and the biased
    /// variance over every image, row and column.
    static func reference(_ x: [Double], n: Int, h: Int, w: Int, c: Int, gamma: [Double], beta: [Double], epsilon: Double)
        -> (y: [Double], mean: [Double], variance: [Double]) {
        let count = Double(n * h * w)
        func index(_ i: Int, _ r: Int, _ s: Int, _ ch: Int) -> Int { ((i * h + r) * w + s) * c + ch }
        var mean = [Double](repeating: 0, count: c), variance = mean
        var y = x
        for ch in 0..<c {
            for i in 0..<n { for r in 0..<h { for s in 0..<w { mean[ch] += x[index(i, r, s, ch)] / count } } }
            for i in 0..<n { for r in 0..<h { for s in 0..<w { variance[ch] += pow(x[index(i, r, s, ch)] - mean[ch], 2) / count } } }
            for i in 0..<n { for r in 0..<h { for s in 0..<w {
                let at = index(i, r, s, ch)
                y[at] = gamma[ch] * (x[at] - mean[ch]) / (variance[ch] + epsilon).squareRoot() + beta[ch]
            } } }
        }
        return (y, mean, variance)
    }

    @Test("BatchNormalization on [N, H, W, C] in training: output, moving statistics, input, gamma and beta gradients",
          arguments: [(Float(0.99), Float(1e-3)), (0.9, 0.01)])
    func images(momentum: Float, epsilon: Float) {
        let (n, h, w, c) = (3, 4, 3, 5)
        let layer = built(BatchNormalization(momentum: momentum, epsilon: epsilon, name: "bn_image_check"), on: [h, w, c])
        // Channel ch spans [ch - 1 - ch/2, ch + 1 + ch/2]: means and spreads differ per channel.
        let x = randomValues(n * h * w * c, seed: 31).enumerated().map { i, v in
            let ch = Double(i % c)
            return Double(Float(ch + v * (1 + ch / 2)))
        }
        let gamma = randomValues(c, seed: 32, in: 0.5...1.5), beta = randomValues(c, seed: 33, in: -0.5...0.5)
        layer.gamma.value = tensor(gamma, [c])
        layer.beta.value = tensor(beta, [c])
        let eps = Double(epsilon), keep = Double(momentum)
        let expected = Self.reference(x, n: n, h: h, w: w, c: c, gamma: gamma, beta: beta, epsilon: eps)

        let y = layer.forward(tensor(x, [n, h, w, c]), training: true)
        #expect(y.shape == [n, h, w, c])
        expectClose(y.doubles, expected.y, relative: 1e-5, absolute: 1e-5, "y")
        // From zeros and ones: moving = moving * momentum + batch * (1 - momentum).
        expectClose(layer.movingMean.value.doubles, expected.mean.map { $0 * (1 - keep) }, relative: 1e-5, absolute: 1e-7, "moving mean")
        expectClose(layer.movingVariance.value.doubles, expected.variance.map { keep + $0 * (1 - keep) }, relative: 1e-5,
                    absolute: 1e-7, "moving variance")

        let g = randomValues(n * h * w * c, seed: 34)
        let dx = layer.backward(tensor(g, [n, h, w, c]), needsInputGradient: true)
        #expect(dx.shape == [n, h, w, c])
        func objective(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> Double {
            innerProduct(g, Self.reference(x, n: n, h: h, w: w, c: c, gamma: gamma, beta: beta, epsilon: eps).y)
        }
        expectClose(dx.doubles, centralDifferences(at: x) { objective($0, gamma, beta) }, relative: 1e-4, absolute: 1e-5, "dJ/dx")
        expectClose(layer.gamma.gradient.doubles, centralDifferences(at: gamma) { objective(x, $0, beta) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dgamma")
        expectClose(layer.beta.gradient.doubles, centralDifferences(at: beta) { objective(x, gamma, $0) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dbeta")
    }
}
