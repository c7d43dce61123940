// The models a training run builds: the lesson's MLP and Keras's MNIST convnet example.

import PerceptronNN

/// The architectures a training run can build.
public enum Architecture: String, Codable, CaseIterable, Sendable {
    /// The lesson's MLP, 784-512-512-10 by default.
    case mlp
    /// Keras's "Simple MNIST convnet" example.
    case cnn

    /// The lesson's MLP: Input(width) → Dense(h, relu)... → Dense(classes, softmax).
    public static func mlp(inputWidth: Int, hidden: [Int], classes: Int) -> Model {
        let input = Input(shape: [inputWidth])
        var h = input
        for units in hidden { h = Dense(units, activation: .relu)(h) }
        return Model(inputs: input, outputs: Dense(classes, activation: .softmax)(h))
    }

    /// Keras's "Simple MNIST convnet" (keras.io/examples/vision/mnist_convnet): Conv 32 3x3
    /// relu, MaxPool 2, Conv 64 3x3 relu, MaxPool 2, Flatten, Dropout 0.5, Dense softmax;
    /// 34,826 parameters for 28x28x1 inputs and 10 classes.
    public static func cnn(height: Int, width: Int, classes: Int) -> Model {
        let input = Input(shape: [height, width, 1])
        var h = Conv2D(32, kernelSize: 3, activation: .relu)(input)
        h = MaxPooling2D(2)(h)
        h = Conv2D(64, kernelSize: 3, activation: .relu)(h)
        h = MaxPooling2D(2)(h)
        h = Flatten()(h)
        h = Dropout(0.5)(h)
        return Model(inputs: input, outputs: Dense(classes, activation: .softmax)(h))
    }
}
