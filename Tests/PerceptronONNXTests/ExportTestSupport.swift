// Models and data for the export tests: the lesson's MLP, Keras's convnet and a convnet with
// batch normalisation, 'same' padding and stride 2, with weights drawn from a local seed;
// MNIST test images; decoding exported bytes.
//
// The tests run in parallel in one process: layers get explicit names (never Keras's
// automatic ones) and are built with a local generator, so no test touches the process-wide
// name counters or random generator.

import Foundation
import Testing
@testable import PerceptronNN
@testable import PerceptronONNX
import PerceptronData
import PerceptronTensor
import SwiftProtobuf

/// A Functional model `Input(inputShape) -> layers...`, each layer built with a local
/// generator on the previous output, then every weight redrawn uniformly in ±`spread` (so
/// biases, gammas and moving statistics are not their initial zeros and ones; variances
/// stay positive).
func exportModel(_ inputShape: [Int], _ layers: [any Layer], name: String, seed: UInt64 = 7, spread: Float = 0.2) -> Model {
    let input = Input(shape: inputShape, name: "\(name)_input")
    var generator = SeededGenerator(seed: seed)
    var node = input
    for layer in layers {
        if layer.inputShape == nil { layer.build(inputShape: node.shape, generator: &generator) }
        node = layer.callAsFunction(node)
    }
    let model = Model(inputs: input, outputs: node, name: name)
    for parameter in model.parameters {
        let scalars = parameter.value.scalars.map { value -> Float in
            let draw = generator.nextFloat(in: -spread..<spread)
            return parameter.name == "moving_variance" ? 0.5 + abs(draw) : value + draw
        }
        parameter.value = Tensor(shape: parameter.value.shape, scalars: scalars)
    }
    return model
}

/// The lesson's MLP, 784-512-512-10 (softmax).
func lessonMLP() -> Model {
    exportModel([784], [Dense(512, activation: .relu, name: "mlp_hidden"), Dense(512, activation: .relu, name: "mlp_hidden_b"),
                        Dense(10, activation: .softmax, name: "mlp_output")], name: "lesson_mlp")
}

/// Keras's "Simple MNIST convnet", as `perceptron train --arch cnn` builds it.
func kerasConvnet() -> Model {
    exportModel([28, 28, 1], [Conv2D(32, kernelSize: 3, activation: .relu, name: "cnn_conv"), MaxPooling2D(2, name: "cnn_pool"),
                              Conv2D(64, kernelSize: 3, activation: .relu, name: "cnn_conv_b"), MaxPooling2D(2, name: "cnn_pool_b"),
                              Flatten(name: "cnn_flatten"), Dropout(0.5, name: "cnn_dropout"),
                              Dense(10, activation: .softmax, name: "cnn_output")], name: "keras_convnet", spread: 0.05)
}

/// A convnet with the augmentation layers, a stride-2 'same' convolution, batch
/// normalisation on images and on features, average pooling and a 'same' max pooling.
func normalizedConvnet() -> Model {
    exportModel([28, 28, 1], [
        RandomRotation(0.1, seed: 1, name: "bn_rotation"), RandomTranslation(heightFactor: 0.1, widthFactor: 0.1, seed: 2, name: "bn_shift"),
        Conv2D(8, kernelSize: 3, strides: 2, padding: .same, name: "bn_conv"),
        BatchNormalization(name: "bn_norm"), Activation(.relu, name: "bn_relu"),
        Conv2D(16, kernelSize: (3, 5), strides: (1, 2), padding: .same, activation: .tanh, name: "bn_conv_b"),
        AveragePooling2D(2, padding: .same, name: "bn_average"),
        MaxPooling2D((3, 3), strides: (2, 2), padding: .same, name: "bn_max"),
        Flatten(name: "bn_flatten"), Dense(32, activation: .sigmoid, name: "bn_dense"),
        BatchNormalization(momentum: 0.9, epsilon: 1e-5, name: "bn_norm_b"), Dropout(0.25, name: "bn_dropout"),
        Dense(10, activation: .softmax, name: "bn_output"),
    ], name: "normalized_convnet", spread: 0.1)
}

/// The first `count` MNIST test images, pixels divided by 255, as samples of `shape`.
func mnistSamples(_ count: Int, shape: [Int]) throws -> Tensor {
    let images = try MNIST.load().testImages.rows(0..<count)
    return Tensor(shape: [count] + shape, scalars: images.bytes.map { Float($0) / 255 })
}

/// The decoded ONNX model of exported bytes.
func decoded(_ bytes: [UInt8]) throws -> Onnx_ModelProto {
    try Onnx_ModelProto(serializedBytes: bytes)
}

/// A float32 initializer's values, read from its little-endian `raw_data` bit for bit.
func rawFloats(_ tensor: Onnx_TensorProto) -> [Float] {
    let data = [UInt8](tensor.rawData)
    return stride(from: 0, to: data.count, by: 4).map { offset in
        Float(bitPattern: UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24)
    }
}

/// The largest absolute difference between two tensors of the same shape.
func largestDifference(_ a: Tensor, _ b: [Float]) -> Float {
    zip(a.scalars, b).map { abs($0 - $1) }.max() ?? 0
}

extension Onnx_GraphProto {
    /// The initializer called `name`.
    func initializer(_ name: String) -> Onnx_TensorProto? { initializer.first { $0.name == name } }
    /// The first node of `operation`, after skipping `skip` of them.
    func node(_ operation: String, skip: Int = 0) -> Onnx_NodeProto? { node.filter { $0.opType == operation }.dropFirst(skip).first }
}

extension Onnx_NodeProto {
    /// An integer list attribute.
    func ints(_ name: String) -> [Int64]? { attribute.first { $0.name == name }.map(\.ints) }
    /// An integer attribute.
    func int(_ name: String) -> Int64? { attribute.first { $0.name == name }.map(\.i) }
    /// A float attribute.
    func float(_ name: String) -> Float? { attribute.first { $0.name == name }.map(\.f) }
}

extension Onnx_ValueInfoProto {
    /// The shape, symbolic dimensions by name: `["N", "784"]`.
    var dims: [String] {
        info(type.tensorType.shape.dim)
    }
    private func info(_ dims: [Onnx_TensorShapeProto.Dimension]) -> [String] {
        dims.map { dimension in
            if case .dimParam(let name)? = dimension.value { return name }
            return String(dimension.dimValue)
        }
    }
}
