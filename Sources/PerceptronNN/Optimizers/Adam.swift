// Adam with Keras 3's update rule and defaults, as one fused pass over each parameter.
// AMSGrad and weight decay are not implemented.

import CPerceptronCPU
import Foundation
import PerceptronIO
import PerceptronTensor

/// Adam (Kingma and Ba, 2015) exactly as Keras 3 computes it, in Float:
///
///     t      = iterations + 1
///     alpha  = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
///     m     += (g - m) * (1 - beta1)
///     v     += (g^2 - v) * (1 - beta2)
///     w     -= alpha * m / (sqrt(v) + epsilon)
///
/// Defaults are Keras's: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7 (added
/// outside the square root and outside the bias correction, so results match Keras).
public final class Adam: Optimizer {
    /// `"adam"`.
    public let name = "adam"
    /// The step size `lr`.
    public var learningRate: Float
    /// The decay of the first moment `m`, in [0, 1).
    public let beta1: Float
    /// The decay of the second moment `v`, in [0, 1).
    public let beta2: Float
    /// Added to `sqrt(v)` in the denominator.
    public let epsilon: Float
    /// Steps taken so far; `t - 1` in the update.
    public var iterations = 0
    /// The moments `m` and `v` of each parameter.
    public let slots = OptimizerSlots(names: ["m", "v"])
    /// `["m", "v"]`.
    public let slotNames = ["m", "v"]

    /// Adam with Keras's defaults.
    ///
    /// - Parameters:
    ///   - learningRate: at least 0; 0.001 by default, Keras's value.
    ///   - beta1: in [0, 1); 0.9 by default, Keras's value.
    ///   - beta2: in [0, 1); 0.999 by default, Keras's value.
    ///   - epsilon: at least 0; 1e-7 by default, Keras's value, so results match Keras.
    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        precondition(learningRate >= 0 && (0..<1).contains(beta1) && (0..<1).contains(beta2) && epsilon >= 0,
                     "Adam needs learningRate >= 0, betas in [0, 1), epsilon >= 0; got \(learningRate), \(beta1), \(beta2), \(epsilon)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// `learning_rate`, `beta_1`, `beta_2` and `epsilon`, Keras's keys.
    public var config: [String: JSONValue] {
        ["learning_rate": .double(Double(learningRate)), "beta_1": .double(Double(beta1)),
         "beta_2": .double(Double(beta2)), "epsilon": .double(Double(epsilon))]
    }

    /// One Adam update of every trainable parameter (the rule above), one fused pass each;
    /// then `iterations` grows by one.
    public func step(_ parameters: [Parameter]) {
        let t = Float(iterations + 1)
        let alpha = learningRate * (1 - Foundation.pow(beta2, t)).squareRoot() / (1 - Foundation.pow(beta1, t))
        let (oneMinusBeta1, oneMinusBeta2, epsilon) = (kerasComplement(beta1), kerasComplement(beta2), self.epsilon)
        for parameter in parameters where parameter.isTrainable {
            slots.withTensors(for: parameter) { state in
                updateInParallel(parameter, state: &state) { range, w, g, m, v in
                    Adam.update(range, w: w, g: g, m: m!, v: v!, alpha: alpha, oneMinusBeta1: oneMinusBeta1,
                                oneMinusBeta2: oneMinusBeta2, epsilon: epsilon, unit: VectorUnit.widest)
                }
            }
        }
        iterations += 1
    }

    /// The fused update of `range`, 8 values at a time in Swift, or 8 or 16 at a time in the
    /// C versions for AVX2 and AVX-512 (`unit`). Every value goes through the same IEEE
    /// operations in the same order, with no fused multiply-add, in the vectors and in the
    /// scalar tails, so results depend neither on the split nor on the unit. The update is
    /// bound by the divider: on one Zen 5 core the lesson's 670,000 values take 0.36 ms on
    /// 4-lane SSE and 0.13 ms on AVX-512.
    @inline(__always)
    static func update(_ range: Range<Int>, w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>,
                       m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                       alpha: Float, oneMinusBeta1: Float, oneMinusBeta2: Float, epsilon: Float, unit: VectorUnit) {
        let (start, count) = (range.lowerBound, range.count)
        switch unit {
        case .avx512:
            perceptron_adam_update_avx512(count, w + start, g + start, m + start, v + start, alpha,
                                          oneMinusBeta1, oneMinusBeta2, epsilon)
            return
        case .avx2:
            perceptron_adam_update_avx2(count, w + start, g + start, m + start, v + start, alpha,
                                        oneMinusBeta1, oneMinusBeta2, epsilon)
            return
        case .baseline:
            break
        }
        typealias Vector = SIMD8<Float>
        func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        func store(_ x: Vector, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: Vector.self) }
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let gi = load(g + i)
            let mi = load(m + i) + (gi - load(m + i)) * oneMinusBeta1
            let vi = load(v + i) + (gi * gi - load(v + i)) * oneMinusBeta2
            store(mi, m + i)
            store(vi, v + i)
            store(load(w + i) - alpha * mi / (vi.squareRoot() + epsilon), w + i)
            i += 8
        }
        while i < range.upperBound {
            let gi = g[i]
            m[i] += (gi - m[i]) * oneMinusBeta1
            v[i] += (gi * gi - v[i]) * oneMinusBeta2
            w[i] -= alpha * m[i] / (v[i].squareRoot() + epsilon)
            i += 1
        }
    }
}
