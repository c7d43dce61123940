// Reading a trained model's inside: the outputs of any layer for a set of samples (Keras's
// `Model(inputs, layer.output).predict(x)`), and sub-models that share the layers. No training.

import Foundation
import PerceptronTensor

/// A layer name that the model does not have; the message lists the names it does have.
public struct UnknownLayerError: LocalizedError, Equatable, Sendable {
    /// The name asked for.
    public let name: String
    /// The model's name.
    public let model: String
    /// Every layer name of the model, the input first.
    public let available: [String]

    /// The error for `name`, missing from `model`, whose layers are `available`.
    public init(name: String, model: String, available: [String]) {
        self.name = name
        self.model = model
        self.available = available
    }

    /// `model 'functional' has no layer named 'x'; its layers are: input_layer, dense, ...`.
    public var errorDescription: String? {
        "model '\(model)' has no layer named '\(name)'; its layers are: \(available.joined(separator: ", "))"
    }
}

extension Model {
    /// Every layer name, the input layer's first, in execution order.
    public var layerNames: [String] { [inputLayer.name] + layers.map(\.name) }

    /// The position of `layerName` in `layerNames` (0 is the input).
    ///
    /// - Throws: `UnknownLayerError` naming the layers there are.
    public func layerPosition(of layerName: String) throws -> Int {
        guard let position = layerNames.firstIndex(of: layerName) else {
            throw UnknownLayerError(name: layerName, model: name, available: layerNames)
        }
        return position
    }

    /// The model from the input up to and including `layerName`, sharing this model's layers
    /// (and so its weights): Keras's `Model(inputs=model.input, outputs=layer.output)`.
    ///
    /// The sub-model is not compiled; it keeps this model's `metadata` (e.g. `pixel_scale`).
    /// Giving the input layer's name returns a model without layers, whose output is its input.
    /// Because the layers are shared, do not run the two models from different threads at once.
    ///
    /// - Throws: `UnknownLayerError` for a name the model does not have.
    public func submodel(upTo layerName: String) throws -> Model {
        let position = try layerPosition(of: layerName)
        let model = Model(name: "\(name)_to_\(layerName)", inputLayer: inputLayer, layers: Array(layers.prefix(position)))
        model.metadata = metadata
        return model
    }

    /// The output of the layer `layerName` for every sample of `x`: the forward pass with
    /// `training: false` (Dropout passes through, BatchNormalization uses its moving
    /// statistics) stopped after that layer, run in batches of `batchSize`.
    ///
    /// The input layer's name gives the samples themselves. The result is a fresh tensor
    /// that the layers never write to again.
    ///
    /// - Returns: `[N, ...outputShape of the layer]`, e.g. `[N, 512]` for `Dense(512)`.
    /// - Throws: `UnknownLayerError` for a name the model does not have; `TrainingError`
    ///   for samples whose shape is not the model's input shape or a batch size below 1.
    public func activations(of layerName: String, for x: some SampleSource, batchSize: Int = 1000) throws -> Tensor {
        try activations(of: [layerName], for: x, batchSize: batchSize)[0]
    }

    /// The outputs of several layers in one forward pass, in the order the names are given;
    /// see `activations(of:for:batchSize:)`. The pass stops after the deepest layer asked for.
    ///
    /// - Returns: one tensor `[N, ...outputShape]` per name.
    /// - Throws: as `activations(of:for:batchSize:)`.
    public func activations(of layerNames: [String], for x: some SampleSource, batchSize: Int = 1000) throws -> [Tensor] {
        let positions = try layerNames.map { try layerPosition(of: $0) }
        guard batchSize >= 1 else { throw TrainingError("batch size must be at least 1, got \(batchSize)") }
        guard x.sampleShape == inputShape else {
            throw TrainingError("the samples have shape \(x.sampleShape), the model's input '\(inputLayer.name)' expects \(inputShape)")
        }
        // shapes[p]: per-sample output shape after position p (0 is the input).
        var shapes = [inputShape]
        for layer in layers { shapes.append(layer.outputShape(for: shapes.last!)) }
        let n = x.sampleCount
        var results = positions.map { Tensor.zeros([n] + shapes[$0]) }
        guard n > 0, let deepest = positions.max() else { return results }

        var batch = Tensor.empty
        var start = 0
        while start < n {
            let count = min(batchSize, n - start)
            Tensor.reuse(&batch, shape: [count] + inputShape)
            batch.withUnsafeMutableBufferPointer { out in
                Array(start..<start + count).withUnsafeBufferPointer { x.copySamples(at: $0, into: out.baseAddress!) }
            }
            var activation = inputLayer.forward(batch, training: false)
            for position in 0...deepest {
                if position > 0 { activation = layers[position - 1].forward(activation, training: false) }
                for (slot, wanted) in positions.enumerated() where wanted == position {
                    Self.copyRows(activation, into: &results[slot], at: start)
                }
            }
            start += count
        }
        return results
    }

    /// The output of every layer, the input first, for all samples of `x` in one pass; see
    /// `activations(of:for:batchSize:)`. Memory grows with the sum of all layer widths.
    ///
    /// - Returns: `(layer name, [N, ...outputShape])` in execution order.
    /// - Throws: `TrainingError` for samples of the wrong shape or a batch size below 1.
    public func layerOutputs(for x: some SampleSource, batchSize: Int = 1000) throws -> [(name: String, output: Tensor)] {
        let names = layerNames
        return try Array(zip(names, activations(of: names, for: x, batchSize: batchSize)))
            .map { (name: $0.0, output: $0.1) }
    }

    /// Copies the rows of `batch` into `destination` from row `row` on. Layers reuse their
    /// output buffers on the next call, so what is kept must be a copy.
    private static func copyRows(_ batch: Tensor, into destination: inout Tensor, at row: Int) {
        let width = destination.rowWidth
        precondition(batch.count == batch.sampleCount * width, "layer output \(batch.shape) does not fit rows of \(width)")
        destination.withUnsafeMutableBufferPointer { out in
            batch.withUnsafeBufferPointer { source in
                if source.count > 0 { (out.baseAddress! + row * width).update(from: source.baseAddress!, count: source.count) }
            }
        }
    }
}
