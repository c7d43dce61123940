// The package's version, in one place: `perceptron --version` prints it, run records and
// benchmarks carry it, and exported ONNX files declare it as their producer's version.

/// The version of this Perceptron package.
public enum PerceptronVersion {
    /// `"0.1.0"`.
    public static let current = "0.1.0"
}
