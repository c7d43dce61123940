// `perceptron summary`: the Keras-style table of a saved model, or of the lesson's default
// MLP when no model is given.

import ArgumentParser
import Foundation
import Perceptron

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a model's layers, output shapes and parameter counts, as Keras's summary().")

    @Option(help: ArgumentHelp("A saved model; without it, the lesson's 784-512-512-10 MLP.", valueName: "file"))
    var model: String?

    func run() throws {
        if let model {
            try Model.load(from: URL(fileURLWithPath: model)).summary()
        } else {
            let input = Input(shape: [784])
            var h = Dense(512, activation: .relu)(input)
            h = Dense(512, activation: .relu)(h)
            Model(inputs: input, outputs: Dense(10, activation: .softmax)(h)).summary()
        }
    }
}
