// Models written by PyTorch's and Keras's own ONNX exporters (Fixtures/, made by
// Scripts/reference/onnx_fixtures_torch.py and onnx_fixtures_keras.py) import as native models whose predictions on the
// first 100 test images equal the framework's within 1e-5; the imported model then trains,
// summarises and saves like a native one.

import Foundation
import PerceptronData
import PerceptronNN
import PerceptronONNX
import PerceptronTensor
import Testing

@Suite struct ImportFixtureTests {
    /// The largest absolute difference between Perceptron's predictions and the recorded ones.
    private func largestDifference(_ model: Model, _ x: Tensor, _ expected: [[Float]]) throws -> Float {
        let predictions = try model.predict(x, batchSize: 100)
        #expect(predictions.shape == [expected.count, expected[0].count])
        var largest: Float = 0
        predictions.withUnsafeBufferPointer { p in
            for (row, values) in expected.enumerated() {
                for (column, value) in values.enumerated() {
                    largest = max(largest, abs(p[row * values.count + column] - value))
                }
            }
        }
        return largest
    }

    @Test("PyTorch's MLP (Gemm with transB, Relu, Softmax) gives PyTorch's outputs within 1e-5")
    func torchMLP() throws {
        let model = try ONNXImport.model(from: fixture("torch_mlp.onnx"), path: "torch_mlp.onnx")
        #expect(model.inputShape == [784])
        #expect(model.layers.map(\.typeName) == ["Dense", "Dense", "Dense"])
        #expect((model.layers.last as? Dense)?.activation == .softmax)
        let x = try firstTestImages(100).reshaped([100, 784])
        let difference = try largestDifference(model, x, fixtureOutputs("torch_mlp.json"))
        #expect(difference <= 1e-5, "largest difference \(difference)")
    }

    @Test("PyTorch's NCHW convnet takes NHWC images and gives PyTorch's outputs within 1e-5")
    func torchConvnet() throws {
        let model = try ONNXImport.model(from: fixture("torch_convnet.onnx"), path: "torch_convnet.onnx")
        #expect(model.inputShape == [28, 28, 1])
        #expect(model.layers.map(\.typeName) == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense"])
        let x = try firstTestImages(100).reshaped([100, 28, 28, 1])
        let difference = try largestDifference(model, x, fixtureOutputs("torch_convnet.json"))
        #expect(difference <= 1e-5, "largest difference \(difference)")
    }

    @Test("Keras's MLP through tf2onnx (MatMul, Add) gives Keras's outputs within 1e-5")
    func kerasMLP() throws {
        let model = try ONNXImport.model(from: fixture("keras_mlp.onnx"), path: "keras_mlp.onnx")
        #expect(model.layers.map(\.typeName) == ["Dense", "Dense", "Dense"])
        let x = try firstTestImages(100).reshaped([100, 784])
        let difference = try largestDifference(model, x, fixtureOutputs("keras_mlp.json"))
        #expect(difference <= 1e-5, "largest difference \(difference)")
    }

    @Test("Keras's convnet through tf2onnx (a Reshape to NCHW, a computed Flatten) gives Keras's outputs within 1e-5")
    func kerasConvnet() throws {
        let model = try ONNXImport.model(from: fixture("keras_convnet.onnx"), path: "keras_convnet.onnx")
        #expect(model.inputShape == [28, 28, 1])
        #expect(model.layers.map(\.typeName) == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense"])
        let x = try firstTestImages(100).reshaped([100, 28, 28, 1])
        let difference = try largestDifference(model, x, fixtureOutputs("keras_convnet.json"))
        #expect(difference <= 1e-5, "largest difference \(difference)")
    }

    @Test("An imported model trains, evaluates, summarises and saves like a native one")
    func importedModelTrains() throws {
        let model = try ONNXImport.model(from: fixture("torch_convnet.onnx"))
        let mnist = try MNIST.load()
        let x = try firstTestImages(64).reshaped([64, 28, 28, 1])
        let y = oneHot(mnist.testLabels.rows(0..<64), classes: 10)
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.001), metrics: [.accuracy])
        let before = model.weights()
        let history = try model.fit(x, y, batchSize: 32, epochs: 1, verbose: 0, seed: 1)
        #expect(history.epochs.count == 1)
        #expect(model.weights() != before)
        let scores = try model.evaluate(x, y, batchSize: 32, verbose: 0)
        #expect(scores.loss.isFinite)
        let summary = model.summaryText()
        #expect(summary.contains("Conv2D") && summary.contains("Total params: 34,826"))
        let reloaded = try Model.load(bytes: model.fileBytes())
        #expect(reloaded.weights() == model.weights())
        #expect(try reloaded.predict(x) == model.predict(x))
    }
}
