// Weight initializers with Keras's names and formulas (glorot_uniform, he_normal, zeros...).
// Fan-in and fan-out follow Keras's `compute_fans`, receptive field included for kernels.

import Foundation
import PerceptronIO
import PerceptronTensor

/// How a layer fills its weights at build time.
public enum Initializer: String, Sendable {
    /// Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)). Keras's Dense and
    /// Conv2D default for kernels.
    case glorotUniform = "glorot_uniform"
    /// Normal with stddev sqrt(2 / (fan_in + fan_out)), truncated at two stddevs as Keras.
    case glorotNormal = "glorot_normal"
    /// Uniform in [-limit, limit], limit = sqrt(6 / fan_in).
    case heUniform = "he_uniform"
    /// Truncated normal with stddev sqrt(2 / fan_in).
    case heNormal = "he_normal"
    /// All zeros: Keras's default for biases.
    case zeros
    /// All ones (BatchNormalization's gamma and moving variance).
    case ones

    /// Keras's `compute_fans`: for a 2-D kernel `[in, out]`, (in, out); for a convolution
    /// kernel `[kh, kw, cin, cout]`, (kh kw cin, kh kw cout).
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], shape[0])
        case 2: return (shape[0], shape[1])
        default:
            let receptive = shape.dropLast(2).reduce(1, *)
            return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
        }
    }

    /// A tensor of `shape` drawn from this initializer.
    public func make(_ shape: [Int], generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = Initializer.fans(shape)
        let count = Tensor.elementCount(shape)
        var values = [Float](repeating: 0, count: count)
        switch self {
        case .zeros:
            break
        case .ones:
            values = [Float](repeating: 1, count: count)
        case .glorotUniform, .heUniform:
            let denominator = self == .glorotUniform ? Double(fanIn + fanOut) : Double(fanIn)
            let limit = Float((6 / max(denominator, 1)).squareRoot())
            for i in 0..<count { values[i] = (2 * generator.nextFloat() - 1) * limit }
        case .glorotNormal, .heNormal:
            let variance = self == .glorotNormal ? 2 / Double(max(fanIn + fanOut, 1)) : 2 / Double(max(fanIn, 1))
            // Keras divides by .87962566103423978, the stddev of a unit normal truncated at 2.
            let stddev = variance.squareRoot() / 0.87962566103423978
            for i in 0..<count {
                var draw = generator.nextNormal()
                while abs(draw) > 2 { draw = generator.nextNormal() }
                values[i] = Float(draw * stddev)
            }
        }
        return Tensor(shape: shape, scalars: values)
    }
}
