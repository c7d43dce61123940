// The ONNX versions and names Perceptron writes, shared by export and import; what each
// version allows is ONNX's own documentation (onnx/docs/Versioning.md), not repeated here.

import PerceptronIO

/// The operator set, IR version and producer that Perceptron's ONNX files declare.
///
/// Opset 18 with IR version 8 (ONNX 1.13, 2022): every op Perceptron writes has had its
/// current form since opset 13 or 15 (Gemm, Conv, MaxPool, BatchNormalization, Softmax on
/// one axis), and ONNX Runtime has run opset 18 since 1.14, so the files load in every
/// runtime of the last years, onnxruntime-web included.
public enum ONNXOpset {
    /// The default-domain (`ai.onnx`, written as `""`) operator set version of exported files.
    public static let version: Int64 = 18
    /// The IR version of exported files: 8 is the first to allow opset 18.
    public static let irVersion: Int64 = 8
    /// The oldest opset whose ops mean what Perceptron's layers do: Softmax works on one axis
    /// from opset 13 (before, it flattened every axis from `axis` on into one row).
    public static let minimumImportVersion: Int64 = 13
    /// `producer_name` of exported files.
    public static let producerName = "Perceptron"
    /// `producer_version` of exported files: the package's version, as `perceptron --version` prints it.
    public static let producerVersion = PerceptronVersion.current
}
