// RMSprop with Keras 3's update rule and defaults (plain and centered, optional momentum).
// Weight decay and learning-rate schedules are not implemented.

import PerceptronIO
import PerceptronTensor

/// RMSprop as Keras 3 computes it:
///
///     v = rho * v + (1 - rho) * g^2
///     centered: a = rho * a + (1 - rho) * g;  d = v - a^2 + epsilon,  else d = v + epsilon
///     increment = lr * g / sqrt(d)
///     momentum > 0: m = momentum * m + increment; w -= m,  else w -= increment
///
/// Defaults are Keras's: learning rate 0.001, rho 0.9, momentum 0, epsilon 1e-7 (inside the
/// square root, as Keras 3 puts it), not centered.
public final class RMSprop: Optimizer {
    /// `"rmsprop"`.
    public let name = "rmsprop"
    /// The step size `lr`.
    public var learningRate: Float
    /// The decay of the mean square `v`, in [0, 1).
    public let rho: Float
    /// The momentum of the increments, in [0, 1); 0 turns momentum off.
    public let momentum: Float
    /// Added to `d` under the square root.
    public let epsilon: Float
    /// Whether `v` is centred by the mean gradient `a`.
    public let centered: Bool
    /// Steps taken so far.
    public var iterations = 0
    /// The state tensors of each parameter, in the order of `slotNames`.
    public let slots: OptimizerSlots
    /// `velocity`, then `average_gradient` when centered and `momentum` when momentum > 0.
    public let slotNames: [String]

    /// RMSprop with Keras's defaults.
    ///
    /// - Parameters:
    ///   - learningRate: at least 0; 0.001 by default, Keras's value.
    ///   - rho: in [0, 1); 0.9 by default, Keras's value.
    ///   - momentum: in [0, 1); 0 by default, Keras's value.
    ///   - epsilon: at least 0; 1e-7 by default, Keras's value, so results match Keras.
    ///   - centered: false by default, Keras's value.
    public init(learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7,
                centered: Bool = false) {
        precondition(learningRate >= 0 && (0..<1).contains(rho) && momentum >= 0 && momentum < 1 && epsilon >= 0,
                     "RMSprop needs learningRate >= 0, rho and momentum in [0, 1), epsilon >= 0")
        self.learningRate = learningRate
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        slotNames = ["velocity"] + (centered ? ["average_gradient"] : []) + (momentum > 0 ? ["momentum"] : [])
        slots = OptimizerSlots(names: slotNames)
    }

    /// `learning_rate`, `rho`, `momentum`, `epsilon` and `centered`, Keras's keys.
    public var config: [String: JSONValue] {
        ["learning_rate": .double(Double(learningRate)), "rho": .double(Double(rho)),
         "momentum": .double(Double(momentum)), "epsilon": .double(Double(epsilon)), "centered": .bool(centered)]
    }

    /// One RMSprop update of every trainable parameter (the rule above); then `iterations`
    /// grows by one.
    public func step(_ parameters: [Parameter]) {
        let (lr, rho, momentum, epsilon, centered) = (learningRate, self.rho, self.momentum, self.epsilon, self.centered)
        let oneMinusRho = kerasComplement(rho)
        for parameter in parameters where parameter.isTrainable {
            slots.withTensors(for: parameter) { state in
                // State order: velocity, [average_gradient], [momentum]; pass the first two
                // through the shared helper and reach the third (if any) directly.
                var momentumState = momentum > 0 ? state.removeLast() : Tensor.empty
                momentumState.withUnsafeMutableBufferPointer { mBuffer in
                    let mPointer = UncheckedSendable(mBuffer.baseAddress)
                    updateInParallel(parameter, state: &state) { range, w, g, v, a in
                        let v = v!
                        for i in range {
                            let gi = g[i]
                            v[i] = rho * v[i] + oneMinusRho * (gi * gi)
                            var denominator = v[i] + epsilon
                            if centered, let a {
                                a[i] = rho * a[i] + oneMinusRho * gi
                                denominator = v[i] - a[i] * a[i] + epsilon
                            }
                            let increment = lr * gi / denominator.squareRoot()
                            if momentum > 0, let m = mPointer.value {
                                m[i] = momentum * m[i] + increment
                                w[i] -= m[i]
                            } else {
                                w[i] -= increment
                            }
                        }
                    }
                }
                if momentum > 0 { state.append(momentumState) }
            }
        }
        iterations += 1
    }
}
