// The optimizer protocol and its per-parameter state (slots), shared by Adam, SGD and RMSprop.
// Each optimizer's update rule lives in its own file.

import PerceptronIO
import PerceptronTensor

/// Updates parameters from their gradients, one step at a time.
public protocol Optimizer: AnyObject {
    /// Keras's class name in snake case: `"adam"`, `"sgd"`, `"rmsprop"`.
    var name: String { get }
    /// The step size; may be changed between steps.
    var learningRate: Float { get set }
    /// Steps taken so far (Keras's `optimizer.iterations`).
    var iterations: Int { get set }
    /// Applies one update to every trainable parameter from its `gradient`, then counts the step.
    func step(_ parameters: [Parameter])
    /// Hyperparameters, saved with the model.
    var config: [String: JSONValue] { get }
    /// Per-parameter state (moments), in the order of `slotNames`, for checkpoints.
    var slots: OptimizerSlots { get }
    /// Names of the state tensors kept per parameter: `["m", "v"]` for Adam.
    var slotNames: [String] { get }
}

/// The learning rates a model file may hold, and so the ones a training run accepts (above 0,
/// as a rate of 0 trains nothing): at most 1e6, far past any useful rate, a bound that keeps a
/// hostile file's value finite. One definition, so that whatever is trained can be loaded.
public let learningRateRange: ClosedRange<Double> = 0...1e6

/// `1 - value` for a hyperparameter, rounded as Keras rounds it: Keras keeps `beta_1`, `rho`...
/// as Python floats (doubles), so `1 - beta_1` is taken in double precision from the decimal
/// the user wrote and only then rounded to float32. For 0.9 that gives 0.1f, where Float
/// arithmetic gives `1 - 0.9f = 0.100000024`, enough to move Adam's first steps in the sixth
/// digit. The shortest decimal that reads back as `value` stands for what the user wrote.
func kerasComplement(_ value: Float) -> Float {
    Float(1 - (Double(value.description) ?? Double(value)))
}

/// Per-parameter optimizer state, keyed by the parameter's identity.
public final class OptimizerSlots {
    private var storage: [ObjectIdentifier: [Tensor]] = [:]
    private let names: [String]

    /// Empty state with one tensor per name for each parameter, made on first use.
    public init(names: [String]) { self.names = names }

    /// The state tensors of `parameter`, created as zeros on first use.
    public func tensors(for parameter: Parameter) -> [Tensor] {
        if let existing = storage[ObjectIdentifier(parameter)] { return existing }
        let fresh = names.map { _ in Tensor.zeros(parameter.value.shape) }
        storage[ObjectIdentifier(parameter)] = fresh
        return fresh
    }

    /// Runs `body` with mutable access to `parameter`'s state tensors (no copies).
    public func withTensors<R>(for parameter: Parameter, _ body: (inout [Tensor]) -> R) -> R {
        let key = ObjectIdentifier(parameter)
        if storage[key] == nil { storage[key] = names.map { _ in Tensor.zeros(parameter.value.shape) } }
        return body(&storage[key]!)
    }

    /// Replaces `parameter`'s state (restoring a checkpoint).
    public func set(_ tensors: [Tensor], for parameter: Parameter) {
        precondition(tensors.count == names.count && tensors.allSatisfy { $0.shape == parameter.value.shape },
                     "optimizer state for '\(parameter.name)' must be \(names.count) tensors of shape \(parameter.value.shape)")
        storage[ObjectIdentifier(parameter)] = tensors
    }
}

/// Runs `update(range, w, g, s0, s1)` over a parameter's scalars split across the cores,
/// with raw pointers to the value, gradient and up to two state tensors.
func updateInParallel(
    _ parameter: Parameter, state: inout [Tensor],
    _ update: (Range<Int>, UnsafeMutablePointer<Float>, UnsafePointer<Float>,
               UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void
) {
    let count = parameter.value.count
    let gradient = parameter.gradient
    parameter.value.withUnsafeMutableBufferPointer { w in
        gradient.withUnsafeBufferPointer { g in
            func withState(_ index: Int, _ body: (UnsafeMutablePointer<Float>?) -> Void) {
                if index < state.count { state[index].withUnsafeMutableBufferPointer { body($0.baseAddress) } } else { body(nil) }
            }
            withState(0) { s0 in
                withState(1) { s1 in
                    let pointers = UncheckedSendable((w.baseAddress!, g.baseAddress!, s0, s1))
                    Parallel.forEachChunk(count, costPerItem: 4) { range in
                        let (w, g, s0, s1) = pointers.value
                        update(range, w, g, s0, s1)
                    }
                }
            }
        }
    }
}
