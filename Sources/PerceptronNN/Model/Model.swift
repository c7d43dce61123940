// The model: a chain of layers built with the Functional API or Sequential, its compile
// settings, and the forward and backward passes. fit/evaluate/predict are in Model+*.swift.

import PerceptronIO
import PerceptronTensor

/// A trainable network: an input layer followed by layers, each feeding the next.
///
/// Built like Keras's Functional API (`Model(inputs: input, outputs: output)`) or with
/// `Sequential`. Branching graphs are not supported: every layer has one input and one user.
public class Model {
    /// Keras's default names: `"functional"` for the Functional API, `"sequential"`.
    public let name: String
    public let inputLayer: InputLayer
    /// The layers after the input, in execution order.
    public internal(set) var layers: [any Layer]

    /// The loss set by `compile`.
    public internal(set) var loss: Loss?
    /// The optimizer set by `compile`.
    public internal(set) var optimizer: (any Optimizer)?
    /// The metrics asked for in `compile`, by their log names.
    public internal(set) var metrics: [Metric] = []
    /// Set by a callback to end `fit` after the current batch (Keras's `model.stop_training`).
    public var stopTraining = false
    /// Set by `requestInterrupt()`: `fit` stops after its current step and saves a checkpoint.
    var interruptRequested = false
    /// Whether training may fuse layers whose fused form gives the same results (tests turn it off to compare).
    var fusesLayers = true

    /// Asks a running `fit` on this model to stop after its current step, saving a checkpoint
    /// if it has a checkpoint policy (as Ctrl-C does through `TrainingInterrupt`).
    public func requestInterrupt() { interruptRequested = true }

    /// Free-form facts saved with the model, e.g. `pixel_scale` (what inputs were multiplied
    /// by in training) so that tools feed new inputs the same way.
    public var metadata: [String: String] = [:]

    /// The Functional API: the model from `inputs` to `outputs`, following each layer's input back.
    public init(inputs: SymbolicTensor, outputs: SymbolicTensor, name: String? = nil) {
        var chain: [any Layer] = []
        var node: SymbolicTensor? = outputs
        while let current = node, current.input != nil {
            chain.append(current.layer)
            node = current.input
        }
        guard let root = node, let input = root.layer as? InputLayer, root === inputs else {
            preconditionFailure("Model(inputs:outputs:): the outputs do not come from the given input")
        }
        precondition(Set(chain.map { ObjectIdentifier($0) }).count == chain.count,
                     "Model(inputs:outputs:): a layer appears twice in the chain")
        self.name = name ?? LayerNames.next("functional")
        self.inputLayer = input
        self.layers = chain.reversed()
    }

    init(name: String, inputLayer: InputLayer, layers: [any Layer]) {
        self.name = name
        self.inputLayer = inputLayer
        self.layers = layers
    }

    /// The per-sample input shape.
    public var inputShape: [Int] { inputLayer.shape }

    /// The per-sample output shape.
    public var outputShape: [Int] {
        layers.reduce(inputLayer.shape) { shape, layer in layer.outputShape(for: shape) }
    }

    /// Every weight of every layer, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// The layer called `name`, if any.
    public func layer(named name: String) -> (any Layer)? {
        name == inputLayer.name ? inputLayer : layers.first { $0.name == name }
    }

    /// Sets the loss, the optimizer and the metrics, like Keras's `compile`.
    ///
    /// - Parameter metrics: reported per epoch under their Keras names; `.accuracy` resolves
    ///   from the loss as Keras does.
    public func compile(loss: Loss, optimizer: any Optimizer, metrics: [Metric] = []) {
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = metrics
    }

    // MARK: Forward and backward

    /// The output for a batch `x: [N, ...inputShape]`; `training` enables the caches backward needs.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var activation = inputLayer.forward(x, training: training)
        let fused = training ? fusedConvolution : nil
        var index = 0
        while index < layers.count {
            if index == fused, let conv = layers[index] as? Conv2D, let pool = layers[index + 1] as? Pooling2D {
                activation = conv.forwardPooled(activation, through: pool)
                index += 2
                continue
            }
            activation = layers[index].forward(activation, training: training)
            index += 1
        }
        return activation
    }

    /// The index of a first layer with weights that is a short-window Conv2D feeding a 2x2 max
    /// pooling: the two run fused in training, with the same results (ConvolutionPooling.swift).
    var fusedConvolution: Int? {
        guard fusesLayers, let first = layers.firstIndex(where: { !$0.parameters.isEmpty }), first + 1 < layers.count,
              let conv = layers[first] as? Conv2D, let pool = layers[first + 1] as? Pooling2D,
              conv.canFuse(with: pool) else { return nil }
        return first
    }

    /// Backward from `dLoss/dOutput` (or, when `fromLogits` is true, from the gradient with
    /// respect to the last layer's logits) through every layer, accumulating parameter gradients.
    func backward(from gradient: Tensor, fromLogits logits: Bool) {
        var gradient = gradient
        let firstWithWeights = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        let fused = fusedConvolution
        for index in layers.indices.reversed() {
            if let fused, index == fused + 1, let conv = layers[fused] as? Conv2D, let pool = layers[index] as? Pooling2D {
                conv.backwardPooled(gradient, through: pool)
                break
            }
            let needsInput = index > firstWithWeights
            if index == layers.count - 1 && logits, let output = layers[index] as? any LogitsOutputLayer {
                gradient = output.backward(logitsGradient: gradient, needsInputGradient: needsInput)
            } else {
                gradient = layers[index].backward(gradient, needsInputGradient: needsInput)
            }
            if !needsInput { break }
        }
    }

    /// The last layer when the loss is computed from its logits (softmax or sigmoid output
    /// with the matching cross-entropy), as Keras's TensorFlow backend does.
    var logitsOutput: (any LogitsOutputLayer)? {
        guard let loss, let last = layers.last as? any LogitsOutputLayer, loss.usesLogits(after: last.activation) else { return nil }
        return last
    }

    /// Sets every parameter gradient to zero (once per step). Nothing is written here: a Dense
    /// layer's backward then writes its kernel gradient instead of adding it to zeros, and any
    /// other gradient gets its zeros when first accessed (`Parameter.clearGradient()`).
    func zeroGradients() {
        for parameter in parameters { parameter.clearGradient() }
    }

    /// Copies of every weight, in `parameters` order (for restoring best weights).
    public func weights() -> [Tensor] { parameters.map(\.value) }

    /// Replaces every weight, in `parameters` order; shapes must match.
    public func setWeights(_ values: [Tensor]) {
        let targets = parameters
        precondition(values.count == targets.count, "setWeights needs \(targets.count) tensors, got \(values.count)")
        for (parameter, value) in zip(targets, values) {
            precondition(parameter.value.shape == value.shape,
                         "setWeights: '\(parameter.name)' has shape \(parameter.value.shape), got \(value.shape)")
            parameter.value = value
        }
    }
}

/// A linear stack of layers, Keras's `Sequential`.
public final class Sequential: Model {
    /// A stack on samples of `inputShape`; the layers are built in order.
    public init(inputShape: [Int], layers: [any Layer] = [], name: String? = nil) {
        let input = InputLayer(shape: inputShape)
        super.init(name: name ?? LayerNames.next("sequential"), inputLayer: input, layers: [])
        for layer in layers { add(layer) }
    }

    /// A stack over an input layer and layers already built on it (a loaded model file).
    init(name: String, inputLayer: InputLayer, builtLayers: [any Layer]) {
        super.init(name: name, inputLayer: inputLayer, layers: builtLayers)
    }

    /// A stack whose first element is an `InputLayer`, like `Sequential([Input(...), Dense(...)])`.
    public convenience init(_ layers: [any Layer], name: String? = nil) {
        guard let input = layers.first as? InputLayer else {
            preconditionFailure("Sequential([...]) needs an InputLayer first; or use Sequential(inputShape:layers:)")
        }
        self.init(inputShape: input.shape, layers: Array(layers.dropFirst()), name: name)
    }

    /// Appends a layer, building it on the current output shape.
    public func add(_ layer: any Layer) {
        let shape = outputShape
        if let built = layer.inputShape {
            precondition(built == shape, "\(layer.typeName) '\(layer.name)' was built for \(built), the stack outputs \(shape)")
        } else {
            GlobalRandom.with { layer.build(inputShape: shape, generator: &$0) }
        }
        layers.append(layer)
    }
}
