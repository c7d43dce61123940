// Exporting a model to ONNX: the public entry points, the error, and the model's envelope
// (opset, producer, metadata). The graph of each layer is ExportGraph's; files are written
// atomically by PerceptronIO.

import Foundation
import PerceptronIO
import PerceptronNN
import PerceptronTensor

extension Model {
    /// The model as the bytes of an ONNX file (opset `ONNXOpset.version`), to run in ONNX
    /// Runtime, PyTorch or any other ONNX consumer with the same answers as `predict`.
    ///
    /// The graph takes the model's own inputs, `[N, ...inputShape]` with a dynamic batch `N`
    /// (`[N, 784]` for the lesson's MLP, `[N, 28, 28, 1]` for the convnet), and gives its
    /// outputs `[N, ...outputShape]`. Inside, convolutions and pooling run channels-first,
    /// as ONNX defines them: a Transpose turns the channels-last images into NCHW before the
    /// first one and back before Flatten, Reshape or Dense, so the values flatten in
    /// Perceptron's order. Layers map to ops as follows:
    /// - Dense: Gemm (MatMul and Add on inputs of rank above 2), then its activation;
    /// - activations: Relu, Sigmoid, Tanh, Softmax on the last axis; linear writes nothing
    ///   (an `Activation(.linear)` layer is an Identity);
    /// - Conv2D: Conv with explicit pads (`same` puts the odd cell at the bottom and right, as
    ///   Keras), kernel `[F, C, KH, KW]`; MaxPooling2D and AveragePooling2D: MaxPool and
    ///   AveragePool (`count_include_pad` 0: border windows average their real cells, as Keras);
    /// - BatchNormalization: its inference form, with the moving statistics, epsilon and momentum;
    /// - Flatten and Reshape: Flatten (axis 1) and Reshape (`[-1, ...targetShape]`);
    /// - Dropout: Dropout with its ratio (the identity in inference); RandomRotation and
    ///   RandomTranslation: Identity, as they are in inference.
    ///
    /// Initializers are named after the model file's weights (`dense/kernel`) and hold the
    /// weights bit for bit as little-endian float32 `raw_data`. `metadata_props` holds the
    /// model's `metadata` (such as `pixel_scale`), its compile settings as JSON under
    /// `perceptron.compile` when compiled, and `metadata`, whose keys replace those; sorted
    /// by key. The same model and metadata give the same bytes.
    ///
    /// - Parameter metadata: extra `metadata_props` entries, e.g. a run's training settings.
    /// - Returns: the serialised `ModelProto`.
    /// - Throws: `ONNXExportError` when a layer has no ONNX form (a custom layer type) or two
    ///   layers share a name.
    public func onnxBytes(metadata: [String: String] = [:]) throws -> [UInt8] {
        try onnxModel(metadata: metadata).serializedBytes()
    }

    /// Writes `onnxBytes(metadata:)` to `url` atomically (a temporary file in the same folder
    /// renamed over it), so an interrupted export never leaves half a file.
    ///
    /// - Parameters:
    ///   - url: the file to write; an existing file is replaced.
    ///   - metadata: extra `metadata_props` entries, e.g. a run's training settings.
    /// - Throws: `ONNXExportError` as `onnxBytes(metadata:)`; `FileError` when the file cannot
    ///   be written (an existing file is then unchanged).
    public func exportONNX(to url: URL, metadata: [String: String] = [:]) throws {
        try FileIO.writeAtomically(onnxBytes(metadata: metadata), to: url)
    }

    /// The `ModelProto` that `onnxBytes(metadata:)` serialises.
    func onnxModel(metadata: [String: String] = [:]) throws -> Onnx_ModelProto {
        var model = Onnx_ModelProto()
        model.irVersion = ONNXOpset.irVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = ONNXOpset.version
        model.opsetImport = [opset]
        model.producerName = ONNXOpset.producerName
        model.producerVersion = ONNXOpset.producerVersion
        model.graph = try ExportGraph(model: self).proto
        var properties = self.metadata
        if let compileConfig { properties["perceptron.compile"] = compileConfig.serialized() }
        properties.merge(metadata) { $1 }
        model.metadataProps = properties.keys.sorted().map { key in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = properties[key]!
            return entry
        }
        return model
    }
}

/// A model that ONNX cannot express as Perceptron runs it, with the layer at fault.
public struct ONNXExportError: LocalizedError, Equatable, Sendable {
    /// The layer's name, `"dense_1"`.
    public let layer: String
    /// What is wrong and what would work.
    public let reason: String

    /// An error about `layer`.
    public init(layer: String, _ reason: String) {
        self.layer = layer
        self.reason = reason
    }

    /// `layer 'name': reason`.
    public var errorDescription: String? { "cannot export to ONNX: layer '\(layer)': \(reason)" }
}
