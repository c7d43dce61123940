// The shape-only and activation layers: InputLayer (with the `Input` function), Activation,
// Flatten and Reshape. Forward and backward side by side; none has weights.
// Legend: N batch, C the last axis (an activation's rows run along it).

import PerceptronIO
import PerceptronTensor

/// The entry of a model: holds the per-sample input shape. Keras's `InputLayer`.
public final class InputLayer: Layer {
    public let name: String
    public let typeName = "InputLayer"
    public let shape: [Int]
    public var inputShape: [Int]? { shape }

    /// - Parameter shape: the per-sample shape, e.g. `[784]` or `[28, 28, 1]`.
    public init(shape: [Int], name: String? = nil) {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 }, "Input shape must be positive, got \(shape)")
        self.shape = shape
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("input_layer")
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    public var parameters: [Parameter] { [] }
    public var config: [String: JSONValue] { ["shape": .ints(shape)] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == shape,
                     "model input '\(name)' expects samples of shape \(shape), got a batch of shape \(x.shape)")
        return x
    }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor { dy }
}

/// A symbolic input of the Functional API, like Keras's `keras.Input(shape=(784,))`.
public func Input(shape: [Int], name: String? = nil) -> SymbolicTensor {
    let layer = InputLayer(shape: shape, name: name)
    return SymbolicTensor(shape: shape, layer: layer, input: nil)
}

/// Applies an activation function, Keras's `layers.Activation`.
public final class Activation: Layer, LogitsOutputLayer {
    public let name: String
    public let typeName = "Activation"
    public let activation: ActivationFunction
    public private(set) var inputShape: [Int]?
    public var keepsLogits = false
    public private(set) var logits = Tensor.empty
    private var output = Tensor.empty
    private var inputGradient = Tensor.empty

    public init(_ activation: ActivationFunction, name: String? = nil) {
        self.activation = activation
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("activation")
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) { self.inputShape = inputShape }
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    public var parameters: [Parameter] { [] }
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
    public let name: String
    public let typeName = "Flatten"
    public private(set) var inputShape: [Int]?

    public init(name: String? = nil) {
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("flatten")
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) { self.inputShape = inputShape }
    public func outputShape(for inputShape: [Int]) -> [Int] { [inputShape.reduce(1, *)] }
    public var parameters: [Parameter] { [] }
    public var config: [String: JSONValue] { [:] }

    // x: [N, d1, d2, ...] -> [N, d1 d2 ...]; shares storage, no copy
    public func forward(_ x: Tensor, training: Bool) -> Tensor { x.flattenedBatch() }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        dy.reshaped([dy.shape[0]] + (inputShape ?? [dy.rowWidth]))
    }
}

/// Gives each sample a new shape of equal size, Keras's `layers.Reshape((28, 28, 1))`.
public final class Reshape: Layer {
    public let name: String
    public let typeName = "Reshape"
    public let targetShape: [Int]
    public private(set) var inputShape: [Int]?

    public init(_ targetShape: [Int], name: String? = nil) {
        precondition(targetShape.allSatisfy { $0 > 0 || $0 == -1 }, "Reshape target must be positive (or one -1), got \(targetShape)")
        self.targetShape = targetShape
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("reshape")
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        self.inputShape = inputShape
        _ = outputShape(for: inputShape)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { resolved(inputShape) }

    private func resolved(_ inputShape: [Int]) -> [Int] {
        let count = inputShape.reduce(1, *)
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        let result = targetShape.map { $0 == -1 ? count / max(known, 1) : $0 }
        precondition(result.reduce(1, *) == count, "Reshape '\(name)' cannot turn \(inputShape) into \(targetShape)")
        return result
    }

    public var parameters: [Parameter] { [] }
    public var config: [String: JSONValue] { ["target_shape": .ints(targetShape)] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.reshaped([x.shape[0]] + resolved(Array(x.shape.dropFirst())))
    }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        dy.reshaped([dy.shape[0]] + (inputShape ?? []))
    }
}
