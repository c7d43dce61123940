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
    /// The model's entry, holding the per-sample input shape.
    public let inputLayer: InputLayer
    /// The layers after the input, in execution order, as the model was built: what
    /// `summary()` shows and model files save.
    public internal(set) var layers: [any Layer] { didSet { plan = nil } }
    /// How `layers` run (see `executionLayers`), made on first use and again after a change.
    private var plan: [any Layer]?

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
    /// Whether layers whose fused form gives the same results run fused (tests turn it off to compare).
    var fusesLayers = true { didSet { plan = nil } }

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
    /// - Parameters:
    ///   - loss: minimised by `fit`; computed from the logits when the output layer's activation
    ///     matches it (softmax with the categorical losses, sigmoid with binary cross-entropy).
    ///   - optimizer: updates the weights once per batch; its state (moments) lives in it.
    ///   - metrics: reported per epoch under their Keras names; `.accuracy` resolves
    ///     from the loss as Keras does.
    public func compile(loss: Loss, optimizer: any Optimizer, metrics: [Metric] = []) {
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = metrics
    }

    // MARK: Forward and backward

    /// The output for a batch `x: [N, ...inputShape]`; `training` enables the caches backward needs.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        executionLayers.reduce(inputLayer.forward(x, training: training)) { $1.forward($0, training: training) }
    }

    /// Backward from `dLoss/dOutput` (or, when `fromLogits` is true, from the gradient with
    /// respect to the last layer's logits) through every layer, accumulating parameter
    /// gradients, down to the first layer with weights (which gives no input gradient).
    func backward(from gradient: Tensor, fromLogits logits: Bool) {
        let layers = executionLayers
        var gradient = gradient
        let firstWithWeights = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        for index in layers.indices.reversed() {
            let needsInput = index > firstWithWeights
            if index == layers.count - 1 && logits, let output = layers[index] as? any LogitsOutputLayer {
                gradient = output.backward(logitsGradient: gradient, needsInputGradient: needsInput)
            } else {
                gradient = layers[index].backward(gradient, needsInputGradient: needsInput)
            }
            if !needsInput { break }
        }
    }

    /// The layers as they run: `layers`, with each pair that fuses (a `FusingLayer` and the
    /// layer after it, such as a first short-window Conv2D and its 2x2 max pooling) replaced
    /// by their fused layer, which gives the same results. Rewritten once, when first needed
    /// after `layers` changes; the fused layers share the layers' weights.
    var executionLayers: [any Layer] {
        if let plan { return plan }
        var planned: [any Layer] = []
        let firstWithWeights = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        var index = 0
        while index < layers.count {
            if fusesLayers, index + 1 < layers.count, let layer = layers[index] as? any FusingLayer,
               let fused = layer.fused(with: layers[index + 1], needsInputGradient: index > firstWithWeights) {
                planned.append(fused)
                index += 2
            } else {
                planned.append(layers[index])
                index += 1
            }
        }
        plan = planned
        return planned
    }

    /// The last layer when the loss is computed from its logits (softmax or sigmoid output
    /// with the matching cross-entropy), as Keras's TensorFlow backend does.
    var logitsOutput: (any LogitsOutputLayer)? {
        guard let loss, let last = layers.last as? any LogitsOutputLayer, loss.usesLogits(after: last.activation) else { return nil }
        return last
    }

    /// Sets every parameter gradient to zero (once per step). Nothing is written here: a kernel
    /// that writes a whole gradient (`Parameter.accumulateGradient`, a Dense kernel's GEMM with
    /// beta 0) skips the zeros, and any other gradient gets them when first accessed
    /// (`Parameter.clearGradient()`).
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
