// Export, then import: the model that comes back has the same weights, bit for bit, and gives
// the same predictions, bit for bit, for the lesson's MLP, Keras's convnet and a convnet with
// BatchNormalization, 'same' padding, strides and augmentation layers (exported as Identity).

import Foundation
import PerceptronNN
import PerceptronONNX
import PerceptronTensor
import Testing

@Suite struct RoundTripTests {
    @Test("Export then import gives bit-identical weights and predictions", arguments: ["mlp", "cnn", "normalized"])
    func roundTrip(kind: String) throws {
        let (model, shape): (Model, [Int]) = switch kind {
        case "mlp": (lessonMLP(), [784])
        case "cnn": (kerasConvnet(), [28, 28, 1])
        default: (normalizedConvnet(), [28, 28, 1])
        }
        let imported = try ONNXImport.model(from: Data(model.onnxBytes()), path: "\(kind).onnx")
        #expect(imported.inputShape == model.inputShape && imported.outputShape == model.outputShape)
        // The augmentation layers are identities outside training and export as Identity.
        let kept = model.layers.filter { !$0.typeName.hasPrefix("Random") }
        #expect(imported.layers.map(\.typeName) == kept.map(\.typeName))
        #expect(imported.parameters.map(\.name) == model.parameters.map(\.name))
        let (original, back) = (model.weights(), imported.weights())
        #expect(back.count == original.count)
        for (a, b) in zip(original, back) {
            #expect(a.shape == b.shape)
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        }
        let x = try mnistSamples(100, shape: shape)
        let (expected, predicted) = (try model.predict(x, batchSize: 50), try imported.predict(x, batchSize: 50))
        #expect(expected.scalars.map(\.bitPattern) == predicted.scalars.map(\.bitPattern))
    }

    @Test("The exported BatchNormalization's epsilon and momentum come back")
    func normalizationSettings() throws {
        let imported = try ONNXImport.model(from: Data(normalizedConvnet().onnxBytes()))
        let norms = imported.layers.compactMap { $0 as? BatchNormalization }
        #expect(norms.map(\.epsilon) == [1e-3, 1e-5])
    }
}
