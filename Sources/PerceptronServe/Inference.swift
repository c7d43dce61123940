// What the playground asks of a model: class probabilities for images, exactly as the CLI's
// `Model.predict` computes them, and the activations of its Dense and Conv2D layers.

import Foundation
import PerceptronIO
import PerceptronNN
import PerceptronTensor
import PerceptronVision

/// One layer's output for one image.
struct LayerActivation: Sendable {
    let layer: String
    let type: String
    /// The per-sample shape; Conv2D maps are `[H, W, C]`.
    let shape: [Int]
    let values: [Float]

    /// How the values travel in a predict answer.
    enum Encoding: String, CaseIterable, Sendable {
        /// `"values"`: JSON numbers that read back to the same Float.
        case json
        /// `"data"`: the values' IEEE 754 float32 bytes, little-endian, in base64. A CNN's
        /// feature maps are some 30,000 values: about 160 kB this way against 400 kB as JSON
        /// numbers, read by a browser with one `atob` and a `DataView` instead of a JSON parse.
        case float32Base64 = "float32-base64"
    }

    func json(_ encoding: Encoding = .json) -> JSONValue {
        var fields: [String: JSONValue] = ["layer": .string(layer), "type": .string(type), "shape": .ints(shape)]
        switch encoding {
        case .json: fields["values"] = floats(values)
        case .float32Base64: fields["data"] = .string(Self.base64(values))
        }
        return .object(fields)
    }

    /// `values` as little-endian float32 bytes in base64.
    static func base64(_ values: [Float]) -> String {
        let bits = values.map { $0.bitPattern.littleEndian }
        return bits.withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString()
    }
}

enum Inference {
    /// Checks that `model` takes images of `pixelCount` pixels.
    /// - Throws: `APIError` 400 naming the model's input shape.
    static func checkInput(_ served: ServedModel, pixelCount: Int) throws {
        guard served.inputShape.reduce(1, *) == pixelCount else {
            throw APIError.badRequest("model '\(served.name)' takes inputs of shape \(served.inputShape); the image has \(pixelCount) pixels")
        }
    }

    /// The images `[N]` as one batch of the model's input shape, pixels multiplied by `scale`.
    static func batch(_ images: [GreyImage<UInt8>], model: Model, scale: Float) -> Tensor {
        var scalars: [Float] = []
        scalars.reserveCapacity(images.count * model.inputShape.reduce(1, *))
        for image in images { scalars += image.pixels.map { Float($0) * scale } }
        return Tensor(shape: [images.count] + model.inputShape, scalars: scalars)
    }

    /// The class probabilities of one image: `model.predict` of the image scaled by the
    /// model's pixel scale, as `perceptron transform` and `perceptron predict` compute them.
    static func probabilities(_ served: ServedModel, image: GreyImage<UInt8>) throws -> [Float] {
        try checkInput(served, pixelCount: image.pixels.count)
        return try served.withInstance { model in
            try model.predict(image.tensor(scale: served.pixelScale).reshaped([1] + model.inputShape)).scalars
        }
    }

    /// The class probabilities of each image, one row per image.
    static func probabilities(_ served: ServedModel, images: [GreyImage<UInt8>]) throws -> [[Float]] {
        guard let first = images.first else { return [] }
        try checkInput(served, pixelCount: first.pixels.count)
        return try served.withInstance { model in
            let output = try model.predict(batch(images, model: model, scale: served.pixelScale), batchSize: 64)
            let classes = output.count / images.count
            let scalars = output.scalars
            return (0..<images.count).map { Array(scalars[$0 * classes..<($0 + 1) * classes]) }
        }
    }

    /// The class probabilities of one image and the outputs of every Dense and Conv2D layer
    /// in order, from one forward pass: the last layer's output is the probabilities, the same bits as
    /// `probabilities(_:image:)` gives (the layers run one by one there, fused in `predict`,
    /// with the same results).
    static func probabilitiesAndActivations(_ served: ServedModel, image: GreyImage<UInt8>) throws
        -> (probabilities: [Float], activations: [LayerActivation]) {
        try checkInput(served, pixelCount: image.pixels.count)
        let wanted = served.layers.filter { $0.type == "Dense" || $0.type == "Conv2D" }
        return try served.withInstance { model in
            let x = image.tensor(scale: served.pixelScale).reshaped([1] + model.inputShape)
            // The model's output: its last layer (its input layer when it has no other).
            let outputs = try model.activations(of: wanted.map(\.name) + [model.layerNames.last!], for: x, batchSize: 1)
            let activations = zip(wanted, outputs).map { layer, output in
                LayerActivation(layer: layer.name, type: layer.type, shape: layer.outputShape, values: output.scalars)
            }
            return (outputs.last!.scalars, activations)
        }
    }

    /// The index of the largest value (the first of equals).
    static func top(_ values: [Float]) -> Int {
        values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) } ?? 0
    }
}

/// Floats as JSON numbers that read back to the same Float (NaN and infinities as null).
func floats(_ values: [Float]) -> JSONValue { .array(values.map { .double(Double($0)) }) }

/// Doubles as JSON numbers.
func doubles(_ values: [Double]) -> JSONValue { .array(values.map { .double($0) }) }
