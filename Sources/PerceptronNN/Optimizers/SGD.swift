// Stochastic gradient descent with Keras 3's momentum and Nesterov rules.
// Weight decay and learning-rate schedules are not implemented.

import PerceptronIO
import PerceptronTensor

/// SGD as Keras 3 computes it:
///
///     momentum == 0:  w -= lr * g
///     otherwise:      m = momentum * m - lr * g
///                     w += m                          (classic)
///                     w += momentum * m - lr * g      (nesterov)
///
/// Defaults are Keras's: learning rate 0.01, momentum 0, nesterov false.
public final class SGD: Optimizer {
    /// `"sgd"`.
    public let name = "sgd"
    /// The step size `lr`.
    public var learningRate: Float
    /// The momentum, in [0, 1); 0 is plain gradient descent.
    public let momentum: Float
    /// Whether the Nesterov rule replaces the classic one.
    public let nesterov: Bool
    /// Steps taken so far.
    public var iterations = 0
    /// The momentum `m` of each parameter, used only when momentum > 0.
    public let slots = OptimizerSlots(names: ["momentum"])
    /// `["momentum"]` when momentum > 0, else none.
    public var slotNames: [String] { momentum > 0 ? ["momentum"] : [] }

    /// SGD with Keras's defaults.
    ///
    /// - Parameters:
    ///   - learningRate: at least 0; 0.01 by default, Keras's value.
    ///   - momentum: in [0, 1); 0 by default, Keras's value.
    ///   - nesterov: false by default, Keras's value.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
        precondition(learningRate >= 0 && momentum >= 0 && momentum < 1,
                     "SGD needs learningRate >= 0 and momentum in [0, 1), got \(learningRate), \(momentum)")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// `learning_rate`, `momentum` and `nesterov`, Keras's keys.
    public var config: [String: JSONValue] {
        ["learning_rate": .double(Double(learningRate)), "momentum": .double(Double(momentum)), "nesterov": .bool(nesterov)]
    }

    /// One SGD update of every trainable parameter (the rule above); then `iterations` grows by one.
    public func step(_ parameters: [Parameter]) {
        let (lr, momentum, nesterov) = (learningRate, self.momentum, self.nesterov)
        for parameter in parameters where parameter.isTrainable {
            if momentum == 0 {
                var none: [Tensor] = []
                updateInParallel(parameter, state: &none) { range, w, g, _, _ in
                    for i in range { w[i] -= lr * g[i] }
                }
                continue
            }
            slots.withTensors(for: parameter) { state in
                updateInParallel(parameter, state: &state) { range, w, g, m, _ in
                    let m = m!
                    for i in range {
                        m[i] = momentum * m[i] - lr * g[i]
                        w[i] += nesterov ? momentum * m[i] - lr * g[i] : m[i]
                    }
                }
            }
        }
        iterations += 1
    }
}
