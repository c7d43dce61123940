// The Layer protocol, trainable parameters, Keras-style automatic layer names, and the
// symbolic tensors of the Functional API. Concrete layers live in one file per family.

import Foundation
import PerceptronIO
import PerceptronTensor

/// A trainable (or frozen) weight tensor with its gradient, owned by a layer.
///
/// Gradients accumulate during backward; the model clears them once per step with
/// `clearGradient()`. Clearing is lazy: it writes nothing, and the cleared gradient reads
/// as zeros. A layer adds its contribution in one of two ways, both safe after a clear:
/// - through `gradient` (`parameter.gradient += ...`), which writes the zeros first;
/// - through `accumulateGradient(_:)`, which hands a kernel the stored gradient with the
///   factor `beta` its values carry, BLAS's convention: the kernel writes
///   `contribution + beta * gradient`, with `beta` 0 right after a clear (the stored values
///   are then stale and must not be read) and 1 otherwise. A GEMM writes its product with
///   `beta` 0 instead of adding it to zeros it would first have to write and read.
public final class Parameter {
    /// The weight's name inside its layer: `"kernel"`, `"bias"`, `"gamma"`.
    public let name: String
    /// The current value.
    public var value: Tensor
    /// The gradient of the loss with respect to `value`, same shape. After `clearGradient()`
    /// it reads as zeros; `+=` through it adds to those zeros.
    public var gradient: Tensor {
        get {
            writeClearedZeros()
            return storedGradient
        }
        set {
            storedGradient = newValue
            isCleared = false
        }
        _modify {
            writeClearedZeros()
            yield &storedGradient
        }
    }
    /// Whether optimizers update it (BatchNormalization's moving statistics are not trainable).
    public let isTrainable: Bool

    private var storedGradient: Tensor
    /// Set by `clearGradient()`: the stored values are stale and stand for zeros.
    private var isCleared = false

    /// A parameter holding `value`, with a zero gradient of the same shape.
    /// `isTrainable` true by default; false for statistics that optimizers leave alone.
    public init(name: String, value: Tensor, isTrainable: Bool = true) {
        self.name = name
        self.value = value
        self.storedGradient = Tensor.zeros(value.shape)
        self.isTrainable = isTrainable
    }

    /// Makes the gradient zero without a pass over it: the zeros are written when it is next
    /// read or modified through `gradient`, and never when a kernel writes it whole through
    /// `accumulateGradient(_:)` first. The lesson's MLP has 2.7 MB of gradients, cleared once
    /// per step; skipping their zeros is worth about 2% of a step.
    public func clearGradient() { isCleared = true }

    /// Adds a contribution to the gradient through a kernel that computes
    /// `gradient = contribution + beta * gradient` over every entry (a GEMM's `beta`).
    ///
    /// `body` receives the stored gradient and `beta`: 0 when the gradient is cleared (its
    /// values are stale, unspecified, and must not be read: the kernel writes every entry),
    /// 1 when the contribution must be added to the values there. After the call the gradient
    /// holds real values, so `gradient` reads what the kernel wrote.
    public func accumulateGradient<R>(_ body: (_ gradient: inout Tensor, _ beta: Float) -> R) -> R {
        let beta: Float = isCleared ? 0 : 1
        isCleared = false
        return body(&storedGradient, beta)
    }

    /// Writes the zeros a cleared gradient stands for, large ones on all cores.
    private func writeClearedZeros() {
        guard isCleared else { return }
        isCleared = false
        storedGradient.withUnsafeMutableBufferPointer { g in
            guard let start = g.baseAddress else { return }
            let base = UncheckedSendable(start)
            Parallel.forEachChunk(g.count, minimumWork: 1 << 17) { range in
                (base.value + range.lowerBound).update(repeating: 0, count: range.count)
            }
        }
    }
}

extension Optional where Wrapped == Parameter {
    /// Runs `body` on the parameter's gradient (through `gradient`, so a cleared one reads as
    /// zeros first), or on an empty tensor when there is no parameter (a layer without bias):
    /// kernels take an empty gradient as "none".
    func withGradient<R>(_ body: (inout Tensor) -> R) -> R {
        guard let parameter = self else {
            var none = Tensor.empty
            return body(&none)
        }
        return body(&parameter.gradient)
    }
}

/// A layer: a function of one input tensor with its derivative, in the Keras style.
///
/// Shapes exclude the batch axis unless a comment says otherwise: a `Dense(512)` layer has
/// input shape `[784]` and output shape `[512]`, and runs on `[N, 784] -> [N, 512]`.
/// `forward` with `training: true` caches exactly what `backward` needs; `training: false`
/// (evaluate, predict) caches nothing.
public protocol Layer: AnyObject {
    /// The unique name, as Keras gives it: `dense`, `dense_1`, ...
    var name: String { get }
    /// The Keras class name shown by `summary()` and saved in model files: `"Dense"`.
    var typeName: String { get }
    /// The per-sample input shape, known once the layer has been built.
    var inputShape: [Int]? { get }
    /// Creates the weights for `inputShape` (per sample), drawing from `generator`.
    /// Called once, when the layer is first connected; preconditions on incompatible shapes.
    func build(inputShape: [Int], generator: inout SeededGenerator)
    /// The per-sample output shape for a per-sample input shape.
    func outputShape(for inputShape: [Int]) -> [Int]
    /// All weights, trainable first, in the order they are saved.
    var parameters: [Parameter] { get }
    /// Computes the output for a batch `x: [N, ...inputShape] -> [N, ...outputShape]`.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// Given `dy = dLoss/dOutput` for the last training forward, accumulates parameter
    /// gradients and returns `dLoss/dInput` (an empty tensor when `needsInputGradient` is false).
    func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor
    /// The constructor arguments, saved in model files and used to rebuild the layer.
    var config: [String: JSONValue] { get }
}

extension Layer {
    /// Number of scalars in all weights (trainable and not).
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
    /// Number of scalars in trainable weights.
    public var trainableParameterCount: Int { parameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.count } }
}

/// Hands out Keras's automatic names: the snake-case class name for the first layer of a
/// kind (`dense`), then `dense_1`, `dense_2`, ... counting per process, as Keras does per session.
public enum LayerNames {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var counters: [String: Int] = [:]

    /// The next unique name for `base` (e.g. `"dense"`).
    public static func next(_ base: String) -> String {
        lock.withLock {
            let count = counters[base, default: 0]
            counters[base] = count + 1
            return count == 0 ? base : "\(base)_\(count)"
        }
    }

    /// Records an explicitly given name so automatic names never collide with it.
    public static func reserve(_ name: String) {
        lock.withLock {
            // `number < Int.max`: a name such as "dense_9223372036854775807" (from a model file)
            // must not overflow the counter; it is then reserved as a plain name.
            if let underscore = name.lastIndex(of: "_"), let number = Int(name[name.index(after: underscore)...]),
               number < Int.max {
                let base = String(name[..<underscore])
                counters[base] = max(counters[base, default: 0], number + 1)
            } else {
                counters[name] = max(counters[name, default: 0], 1)
            }
        }
    }

    /// Forgets all counts, like `keras.backend.clear_session()`.
    public static func reset() { lock.withLock { counters = [:] } }

    /// `"MaxPooling2D" -> "max_pooling2d"`, Keras's `to_snake_case`.
    ///
    /// Keras applies `(.)([A-Z][a-z]+) -> \1_\2`, then `([a-z])([A-Z]) -> \1_\2`: an underscore
    /// goes before a capital that follows a lowercase letter, or that starts a capitalised
    /// word after any character. A capital after a digit alone gets none (`Conv2D -> conv2d`).
    public static func snakeCase(_ name: String) -> String {
        var result = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                let previous = index > 0 ? characters[index - 1] : nil
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if let previous, previous.isLowercase || (next?.isLowercase ?? false) {
                    result.append("_")
                }
                result.append(Character(character.lowercased()))
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A placeholder for a batch of tensors in the Functional API (Keras's `KerasTensor`):
/// it carries the per-sample shape and the layer that produced it.
public final class SymbolicTensor {
    /// Per-sample shape (the batch axis is implicit).
    public let shape: [Int]
    /// The layer whose output this is.
    public let layer: any Layer
    /// The symbolic input of `layer`, nil for an input layer.
    public let input: SymbolicTensor?

    init(shape: [Int], layer: any Layer, input: SymbolicTensor?) {
        self.shape = shape
        self.layer = layer
        self.input = input
    }
}

extension Layer {
    /// Connects the layer to a symbolic input, building its weights (Functional API):
    /// `let h = Dense(512, activation: .relu)(input)`.
    @discardableResult
    public func callAsFunction(_ input: SymbolicTensor) -> SymbolicTensor {
        if let built = inputShape {
            precondition(built == input.shape,
                         "\(typeName) '\(name)' was built for input shape \(built), called on \(input.shape)")
        } else {
            GlobalRandom.with { build(inputShape: input.shape, generator: &$0) }
        }
        return SymbolicTensor(shape: outputShape(for: input.shape), layer: self, input: input)
    }
}
