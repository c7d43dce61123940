// One real training run on the bundled MNIST: 12,000 training images (a tenth held out for
// validation), a 784-24-10 MLP, Adam 0.003, three epochs, at least 90% on the first 1,000 test
// images (91.6% with the seeds below). Kept small because debug builds are slow for numeric
// code: about 3 s with OpenBLAS, about 2 minutes with the portable kernel unoptimised.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronData
import PerceptronTensor

@Suite struct TrainingRunTests {
    @Test("MNIST: a 784-24-10 MLP trained on 12,000 images reaches 90% on 1,000 test images")
    func mnist() throws {
        let mnist = try MNIST.load()
        #expect(mnist.trainImages.shape == [60000, 28, 28] && mnist.testImages.shape == [10000, 28, 28])
        let (n, m) = (12000, 1000)
        let x = mnist.trainImages.rows(0..<n).reshaped([n, 784]).scaled(by: 1 / 255)
        let y = oneHot(mnist.trainLabels.rows(0..<n), classes: 10)
        let testX = mnist.testImages.rows(0..<m).reshaped([m, 784]).scaled(by: 1 / 255)
        let testY = oneHot(mnist.testLabels.rows(0..<m), classes: 10)
        let model = functionalModel([784], [Dense(24, activation: .relu, name: "mnist_hidden"),
                                            Dense(10, activation: .softmax, name: "mnist_out")], seed: 2024, name: "mnist_mlp")
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.003), metrics: [.accuracy])
        let history = try model.fit(x, y, batchSize: 32, epochs: 3, verbose: 0, validationSplit: 0.1, seed: 7)

        #expect(history.keys == ["accuracy", "loss", "val_accuracy", "val_loss"])
        let losses = history["loss"]
        #expect(zip(losses, losses.dropFirst()).allSatisfy { $0 > $1 }, "training loss did not fall every epoch: \(losses)")
        #expect(history["val_accuracy"].last! > 0.85, "validation accuracy \(history["val_accuracy"])")
        // 10,800 training samples in batches of 32: 338 steps per epoch (the last one holds 16).
        #expect(model.optimizer?.iterations == 3 * 338)

        let result = try model.evaluate(testX, testY, verbose: 0)
        let accuracy = try #require(result.metrics["accuracy"])
        #expect(accuracy >= 0.9, "test accuracy \(accuracy), loss \(result.loss)")
        // predict agrees with evaluate's accuracy.
        let predicted = try model.predict(testX).argmax(axis: 1)
        let labels = mnist.testLabels.rows(0..<m).bytes.map(Int.init)
        let correct = zip(predicted, labels).filter { $0 == $1 }.count
        #expect(Double(correct) / Double(m) == accuracy)
    }
}
