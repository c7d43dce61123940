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
    public let name = "rmsprop"
    public var learningRate: Float
    public let rho: Float
    public let momentum: Float
    public let epsilon: Float
    public let centered: Bool
    public var iterations = 0
    public let slots: OptimizerSlots
    public let slotNames: [String]

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

    public var config: [String: JSONValue] {
        ["learning_rate": .double(Double(learningRate)), "rho": .double(Double(rho)),
         "momentum": .double(Double(momentum)), "epsilon": .double(Double(epsilon)), "centered": .bool(centered)]
    }

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
