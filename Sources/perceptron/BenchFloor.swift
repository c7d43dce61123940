// The floors `perceptron bench` measures an epoch against: the epoch's floating-point work at
// the best sgemm rate of the same run, for the MLP (dense and sparse-aware) and the convnet.

import Perceptron

/// The work of one epoch, counted as matrix products (2 FLOPs per multiply-add), and the time
/// it takes at a given GEMM rate: what no framework built on that GEMM can go much below.
enum BenchFloor {
    /// The fraction of non-zero pixels in `images` rows `range` (MNIST's training images:
    /// about 19.1%).
    static func density(_ images: ByteTensor, rows range: Range<Int>) -> Double {
        let width = images.rowWidth
        let bytes = images.bytes[(range.lowerBound * width)..<(range.upperBound * width)]
        let nonZero = bytes.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        return bytes.isEmpty ? 0 : Double(nonZero) / Double(bytes.count)
    }

    /// FLOPs of the MLP `input-hidden...-classes` for `trainImages` forward and backward and
    /// `validationImages` forward, the first layer's two products on the input (forward
    /// `x W` and kernel gradient `xᵀ dz`) counted at `trainDensity` and `validationDensity`
    /// (1 for the dense count), every other product dense. Backward is the kernel gradient of
    /// each layer and the input gradient of every layer but the first.
    static func mlpFLOPs(input: Int = 784, hidden: [Int], classes: Int = 10, trainImages: Int, validationImages: Int,
                         trainDensity: Double = 1, validationDensity: Double = 1) -> Double {
        let widths = [input] + hidden + [classes]
        let products = zip(widths, widths.dropFirst()).map { 2.0 * Double($0 * $1) }
        let first = products[0], rest = products.dropFirst().reduce(0, +)
        let forwardTrain = first * trainDensity + rest
        let backwardTrain = first * trainDensity + rest + rest  // kernel gradients, then input gradients
        let forwardValidation = first * validationDensity + rest
        return Double(trainImages) * (forwardTrain + backwardTrain) + Double(validationImages) * forwardValidation
    }

    /// FLOPs per image of Keras's MNIST convnet (`Architecture.cnn`, 28x28x1 inputs, 10
    /// classes): forward, and forward plus backward. Conv 32 3x3 gives 26x26x32 (9 taps), conv
    /// 64 3x3 on the pooled 13x13x32 gives 11x11x64 (288 taps), Dense 1600 -> 10. Backward is
    /// every layer's kernel gradient and the input gradients of the second convolution and of
    /// the Dense layer (the first convolution's input needs none). Pooling, ReLU, dropout and
    /// the bias are not counted: they are not products.
    static var cnnFLOPsPerImage: (forward: Double, training: Double) {
        let conv1 = 2.0 * 26 * 26 * 32 * 9, conv2 = 2.0 * 11 * 11 * 64 * 288, dense = 2.0 * 1600 * 10
        let forward = conv1 + conv2 + dense
        return (forward, forward + (conv1 + conv2 + dense) + (conv2 + dense))
    }

    /// FLOPs of one convnet epoch: `trainImages` forward and backward, `validationImages`
    /// forward. 54,000 + 6,000 images (validation split 0.1) make about 799 GFLOP.
    static func cnnFLOPs(trainImages: Int, validationImages: Int) -> Double {
        let perImage = cnnFLOPsPerImage
        return Double(trainImages) * perImage.training + Double(validationImages) * perImage.forward
    }

    /// The best GEMM rate among bench rows of `backend` (the one in use), in GFLOP/s, or nil
    /// without such rows.
    static func bestRate(_ gemm: [JSONValue]?, backend: String) -> Double? {
        gemm?.compactMap(\.objectValue).filter { $0["backend"]?.stringValue == backend }
            .compactMap { $0["gflops"]?.doubleValue }.max()
    }
}
