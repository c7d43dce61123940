// Reading layer outputs: activations(of:for:) against a Double reference of the forward pass,
// batching, the input layer, unknown names, copies, Dropout at inference, and sub-models.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite("Layer activations and sub-models")
struct ActivationsTests {
    /// Input(5) -> Dense(4, relu) -> Dropout(0.5) -> Dense(3, softmax), explicit names.
    static func model(name: String) -> (Model, hidden: Dense, output: Dense) {
        let hidden = Dense(4, activation: .relu, name: "\(name)_hidden")
        let output = Dense(3, activation: .softmax, name: "\(name)_output")
        let model = functionalModel([5], [hidden, Dropout(0.5, name: "\(name)_dropout"), output], seed: 7, name: name)
        return (model, hidden, output)
    }

    static let samples = 7
    static let x = tensor(randomValues(samples * 5, seed: 3), [samples, 5])

    @Test func hiddenAndOutputMatchTheDoubleReference() throws {
        let (model, hidden, output) = Self.model(name: "act_reference")
        let values = randomValues(Self.samples * 5, seed: 3)
        func doubles(_ t: Tensor) -> [Double] { t.scalars.map { Double($0) } }
        let z1 = Reference.affine(values, rows: Self.samples, doubles(hidden.kernel.value), doubles(hidden.bias!.value),
                                  inWidth: 5, units: 4)
        let h = Reference.activate(.relu, z1, columns: 4)
        let z2 = Reference.affine(h, rows: Self.samples, doubles(output.kernel.value), doubles(output.bias!.value),
                                  inWidth: 4, units: 3)
        let y = Reference.activate(.softmax, z2, columns: 3)
        let hiddenOut = try model.activations(of: "act_reference_hidden", for: Self.x)
        #expect(hiddenOut.shape == [Self.samples, 4])
        expectClose(hiddenOut.scalars, h, relative: 1e-5, absolute: 1e-6, "hidden")
        let outputOut = try model.activations(of: "act_reference_output", for: Self.x)
        expectClose(outputOut.scalars, y, relative: 1e-5, absolute: 1e-6, "output")
        #expect(try outputOut == model.predict(Self.x))
    }

    @Test func dropoutPassesThroughAndTheInputIsTheSamples() throws {
        let (model, _, _) = Self.model(name: "act_dropout")
        let hidden = try model.activations(of: "act_dropout_hidden", for: Self.x)
        #expect(try model.activations(of: "act_dropout_dropout", for: Self.x) == hidden)
        #expect(try model.activations(of: "act_dropout_input", for: Self.x) == Self.x)
    }

    /// Batches change only the summation order inside the products (a single row goes
    /// through a matrix-vector product), so results agree to float rounding, not bit for bit.
    @Test(arguments: [1, 2, 3, 7, 1000])
    func batchSizeDoesNotChangeTheResult(batchSize: Int) throws {
        let (model, _, _) = Self.model(name: "act_batches_\(batchSize)")
        let whole = try model.activations(of: ["act_batches_\(batchSize)_hidden", "act_batches_\(batchSize)_output"], for: Self.x)
        let batched = try model.activations(of: ["act_batches_\(batchSize)_hidden", "act_batches_\(batchSize)_output"], for: Self.x,
                                            batchSize: batchSize)
        for (a, b) in zip(batched, whole) {
            #expect(a.shape == b.shape)
            expectClose(a.doubles, b.doubles, relative: 1e-6, absolute: 1e-6, "batch \(batchSize)")
        }
    }

    @Test func resultsAreCopiesThatLaterCallsLeaveAlone() throws {
        let (model, _, _) = Self.model(name: "act_copies")
        let first = try model.activations(of: "act_copies_hidden", for: Self.x)
        let kept = first.scalars
        _ = try model.activations(of: "act_copies_hidden", for: Self.x * 3)
        _ = try model.predict(Self.x * -2)
        #expect(first.scalars == kept)
    }

    @Test func layerOutputsGivesEveryLayerInOrder() throws {
        let (model, _, _) = Self.model(name: "act_all")
        let outputs = try model.layerOutputs(for: Self.x, batchSize: 3)
        #expect(outputs.map(\.name) == ["act_all_input", "act_all_hidden", "act_all_dropout", "act_all_output"])
        #expect(outputs.map(\.output.shape) == [[7, 5], [7, 4], [7, 4], [7, 3]])
        #expect(try outputs[3].output == model.predict(Self.x))
    }

    @Test func unknownNamesThrowAndListTheLayers() throws {
        let (model, _, _) = Self.model(name: "act_unknown")
        let error = try #require(throws: UnknownLayerError.self) { try model.activations(of: "dense_7", for: Self.x) }
        #expect(error.available == ["act_unknown_input", "act_unknown_hidden", "act_unknown_dropout", "act_unknown_output"])
        let message = error.errorDescription ?? ""
        #expect(message.contains("'dense_7'") && message.contains("act_unknown_hidden, act_unknown_dropout"))
        #expect(throws: UnknownLayerError.self) { try model.submodel(upTo: "nothing") }
    }

    @Test func wrongSampleShapesAndBatchSizesThrow() throws {
        let (model, _, _) = Self.model(name: "act_shape")
        #expect(throws: TrainingError.self) { try model.activations(of: "act_shape_hidden", for: Tensor.zeros([2, 6])) }
        #expect(throws: TrainingError.self) { try model.activations(of: "act_shape_hidden", for: Self.x, batchSize: 0) }
        let empty = try model.activations(of: "act_shape_hidden", for: Tensor.zeros([0, 5]))
        #expect(empty.shape == [0, 4])
    }

    @Test func submodelSharesTheLayers() throws {
        let (model, hidden, _) = Self.model(name: "act_sub")
        let sub = try model.submodel(upTo: "act_sub_hidden")
        model.metadata["pixel_scale"] = "0.5"
        #expect(sub.layers.count == 1 && sub.layers[0] === hidden)
        #expect(sub.inputLayer === model.inputLayer)
        #expect(sub.outputShape == [4])
        #expect(try sub.predict(Self.x) == (try model.activations(of: "act_sub_hidden", for: Self.x)))
        // Changing the original's weights changes the sub-model: they are the same weights.
        hidden.bias!.value = hidden.bias!.value + 1
        #expect(try sub.predict(Self.x) == (try model.activations(of: "act_sub_hidden", for: Self.x)))
        #expect(try model.submodel(upTo: "act_sub_input").predict(Self.x) == Self.x)
        let withMetadata = try model.submodel(upTo: "act_sub_output")
        #expect(withMetadata.metadata["pixel_scale"] == "0.5")
    }

    @Test func convolutionOutputsKeepTheirShape() throws {
        let conv = Conv2D(2, kernelSize: 3, activation: .relu, name: "act_conv_c")
        let model = functionalModel([6, 6, 1], [conv, MaxPooling2D(2, name: "act_conv_pool"), Flatten(name: "act_conv_flat")],
                                    name: "act_conv")
        let images = tensor(randomValues(3 * 36, seed: 9, in: 0...1), [3, 6, 6, 1])
        let outputs = try model.activations(of: ["act_conv_c", "act_conv_pool", "act_conv_flat"], for: images, batchSize: 2)
        #expect(outputs.map(\.shape) == [[3, 4, 4, 2], [3, 2, 2, 2], [3, 8]])
        #expect(outputs[2].scalars == outputs[1].scalars)
        #expect(outputs[0] == conv.forward(images, training: false))
    }
}
