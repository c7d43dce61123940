// The shape-only and activation layers: InputLayer (with the `Input` function), Activation,
// Flatten and Reshape. Forward and backward side by side; none has weights.
// Legend: N batch, C the last axis (an activation's rows run along it).

import PerceptronIO
import PerceptronTensor

/// The entry of a model: holds the per-sample input shape. Keras's `InputLayer`.
public final class InputLayer: Layer {
    /// The layer's unique name.
    public let name: String
    /// `"InputLayer"`.
    public let typeName = "InputLayer"
    /// The per-sample shape of the model's input.
    public let shape: [Int]
    /// `shape`: an input layer is built from the start.
    public var inputShape: [Int]? { shape }

    /// An input layer; `Input(shape:name:)` makes one and returns its symbolic output.
    ///
    /// - Parameters:
    ///   - shape: the per-sample shape, e.g. `[784]` or `[28, 28, 1]`; every dimension positive.
    ///   - name: a unique name; Keras's automatic `input_layer`, `input_layer_1`, ... when nil.
    public init(shape: [Int], name: String? = nil) {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 }, "Input shape must be positive, got \(shape)")
        self.shape = shape
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("input_layer")
    }

    /// Nothing to build: the shape is known and there are no weights.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {}
    /// The input shape, unchanged.
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    /// None.
    public var parameters: [Parameter] { [] }
    /// `shape`.
    public var config: [String: JSONValue] { ["shape": .ints(shape)] }

    /// The batch itself, `[N, ...shape]`; a batch of another sample shape is a precondition failure.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == shape,
                     "model input '\(name)' expects samples of shape \(shape), got a batch of shape \(x.shape)")
        return x
    }

    /// `dy` itself: the identity's gradient.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor { dy }
}

/// A symbolic input of the Functional API, like Keras's `keras.Input(shape=(784,))`.
///
/// - Parameters:
///   - shape: the per-sample shape, e.g. `[784]` or `[28, 28, 1]`; every dimension positive.
///   - name: a unique name; Keras's automatic `input_layer`, ... when nil.
/// - Returns: the output of a new `InputLayer`, to connect layers to.
public func Input(shape: [Int], name: String? = nil) -> SymbolicTensor {
    let layer = InputLayer(shape: shape, name: name)
    return SymbolicTensor(shape: shape, layer: layer, input: nil)
}

/// Applies an activation function, Keras's `layers.Activation`.
public final class Activation: Layer, LogitsOutputLayer {
    /// The layer's unique name.
    public let name: String
    /// `"Activation"`.
    public let typeName = "Activation"
    /// The function applied.
    public let activation: ActivationFunction
    /// The per-sample input shape, set by `build`.
    public private(set) var inputShape: [Int]?
    /// Whether forward keeps its input as `logits`; the model sets it on its output layer.
    public var keepsLogits = false
    /// The input of the last forward, kept when `keepsLogits` is set.
    public private(set) var logits = Tensor.empty
    private var output = Tensor.empty
    private var inputGradient = Tensor.empty

    /// A layer applying `activation` (softmax along the last axis).
    ///
    /// - Parameters:
    ///   - activation: the function applied.
    ///   - name: a unique name; Keras's automatic `activation`, `activation_1`, ... when nil.
    public init(_ activation: ActivationFunction, name: String? = nil) {
        self.activation = activation
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("activation")
    }

    /// Records the input shape; no weights.
    public func build(inputShape: [Int], generator: inout SeededGenerator) { self.inputShape = inputShape }
    /// The input shape, unchanged.
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    /// None.
    public var parameters: [Parameter] { [] }
    /// `activation`.
    public var config: [String: JSONValue] { ["activation": .string(activation.rawValue)] }

    // x: [N, ..., C] -> y = activation(x): [N, ..., C], rows along the last axis
    /// The activation of x; in training, keeps y for backward (and x as logits on request).
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = Tensor.empty
        if training { swap(&y, &output) }
        if keepsLogits { Kernels.copy(x, into: &logits) }
        Kernels.copy(x, into: &y)
        activation.apply(&y)
        if training { output = y }
        return y
    }

    // dy: [N, ..., C] -> dx = dy ⊙ activation'(y) (softmax: per row)
    /// dLoss/dInput from the output kept by the last training forward.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        activation.inputGradient(dy, output: output, columns: dy.shape.last ?? 1, into: &inputGradient)
        return inputGradient
    }

    // dz: the gradient with respect to the input itself (the logits)
    /// The gradient with respect to the logits is the input gradient itself.
    public func backward(logitsGradient: Tensor, needsInputGradient: Bool) -> Tensor { logitsGradient }
}

/// Flattens each sample to one axis: `[N, 28, 28] -> [N, 784]`, Keras's `layers.Flatten`.
public final class Flatten: Layer {
    /// The layer's unique name.
    public let name: String
    /// `"Flatten"`.
    public let typeName = "Flatten"
    /// The per-sample input shape, set by `build`.
    public private(set) var inputShape: [Int]?

    /// A flatten layer named `name`, or Keras's automatic `flatten`, `flatten_1`, ... when nil.
    public init(name: String? = nil) {
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("flatten")
    }

    /// Records the input shape; no weights.
    public func build(inputShape: [Int], generator: inout SeededGenerator) { self.inputShape = inputShape }
    /// One axis holding every value of a sample: `[d1 * d2 * ...]`.
    public func outputShape(for inputShape: [Int]) -> [Int] { [inputShape.reduce(1, *)] }
    /// None.
    public var parameters: [Parameter] { [] }
    /// Empty: Flatten has no settings.
    public var config: [String: JSONValue] { [:] }

    // x: [N, d1, d2, ...] -> [N, d1 d2 ...]; shares storage, no copy
    /// `x` as `[N, d1 * d2 * ...]`, sharing its storage.
    public func forward(_ x: Tensor, training: Bool) -> Tensor { x.flattenedBatch() }

    /// `dy` reshaped back to `[N, ...inputShape]`.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        dy.reshaped([dy.shape[0]] + (inputShape ?? [dy.rowWidth]))
    }
}

/// Gives each sample a new shape of equal size, Keras's `layers.Reshape((28, 28, 1))`.
public final class Reshape: Layer {
    /// The layer's unique name.
    public let name: String
    /// `"Reshape"`.
    public let typeName = "Reshape"
    /// The per-sample output shape asked for; one dimension may be -1, inferred from the input.
    public let targetShape: [Int]
    /// The per-sample input shape, set by `build`.
    public private(set) var inputShape: [Int]?

    /// A reshape layer.
    ///
    /// - Parameters:
    ///   - targetShape: the per-sample output shape, dimensions positive except one -1 at most.
    ///   - name: a unique name; Keras's automatic `reshape`, `reshape_1`, ... when nil.
    public init(_ targetShape: [Int], name: String? = nil) {
        precondition(targetShape.allSatisfy { $0 > 0 || $0 == -1 }, "Reshape target must be positive (or one -1), got \(targetShape)")
        self.targetShape = targetShape
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("reshape")
    }

    /// Records the input shape, checking that `targetShape` holds as many values.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        self.inputShape = inputShape
        _ = outputShape(for: inputShape)
    }

    /// `targetShape` with its -1 resolved; a shape of another size is a precondition failure.
    public func outputShape(for inputShape: [Int]) -> [Int] { resolved(inputShape) }

    private func resolved(_ inputShape: [Int]) -> [Int] {
        let count = inputShape.reduce(1, *)
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        let result = targetShape.map { $0 == -1 ? count / max(known, 1) : $0 }
        precondition(result.reduce(1, *) == count, "Reshape '\(name)' cannot turn \(inputShape) into \(targetShape)")
        return result
    }

    /// None.
    public var parameters: [Parameter] { [] }
    /// `target_shape`, Keras's key.
    public var config: [String: JSONValue] { ["target_shape": .ints(targetShape)] }

    /// `x` as `[N, ...targetShape]`, sharing its storage.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.reshaped([x.shape[0]] + resolved(Array(x.shape.dropFirst())))
    }

    /// `dy` reshaped back to `[N, ...inputShape]`.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        dy.reshaped([dy.shape[0]] + (inputShape ?? []))
    }
}
