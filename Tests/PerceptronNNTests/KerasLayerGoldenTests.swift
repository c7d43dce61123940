// Golden values from Keras 3.15.1 for the image layers: Conv2D with 'same' padding (where the
// odd pad cell goes, several channels, bias, strides, a non-square window), max and average
// pooling with 'same' padding (average over the real cells only), and BatchNormalization in
// training and inference with its moving statistics, on features and on images.
//
// Every literal below was printed by Scripts/reference/layers_reference.py (Python 3.11.7,
// keras 3.15.1 on the jax backend 0.10.2, numpy 2.4.6), with 9 significant digits; inputs and
// weights the script builds with `ramp` are rebuilt here with the same formula. Keras computes
// in float32 and sums in another order, hence tolerances of a few float32 ulps.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// layers_reference.py's `ramp(count, multiplier, offset, modulus, scale)`:
/// `((multiplier i + offset) % modulus - (modulus - 1) / 2) / scale` for i = 0..<count, small
/// integers over a power of two, exact in float32.
func ramp(_ count: Int, _ multiplier: Int, _ offset: Int, _ modulus: Int, _ scale: Double) -> [Double] {
    (0..<count).map { Double((multiplier * $0 + offset) % modulus - (modulus - 1) / 2) / scale }
}

@Suite struct ConvolutionGoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        /// The script's label for the output.
        let label: String
        let shape: [Int]
        let x: [Double]
        let filters: Int
        let kernelSize: (Int, Int)
        let strides: (Int, Int)
        let activation: ActivationFunction
        let kernel: [Double]
        let bias: [Double]?
        let expected: [Double]
        var testDescription: String { label }
    }

    static let cases = [
        // "-> (0,0) = 1*1+10*2+100*4+1000*5 = 5421: no padding before; the single pad row/column is at bottom/right"
        Case(label: "Conv2D(1, 2x2 kernel [[1,10],[100,1000]], padding='same') output", shape: [1, 3, 3, 1],
             x: (1...9).map(Double.init), filters: 1, kernelSize: (2, 2), strides: (1, 1), activation: .linear,
             kernel: [1, 10, 100, 1000], bias: nil, expected: [5421, 6532, 603, 8754, 9865, 906, 87, 98, 9]),
        // "pad_top = pad_total // 2 = 0, pad_bottom = 1"
        Case(label: "Conv2D(1, 3x3 centre-tap, strides=2, padding='same') output", shape: [1, 4, 4, 1],
             x: (1...16).map(Double.init), filters: 1, kernelSize: (3, 3), strides: (2, 2), activation: .linear,
             kernel: [0, 0, 0, 0, 1, 0, 0, 0, 0], bias: nil, expected: [6, 8, 14, 16]),
        Case(label: "Conv2D(1, 3x3 ones, strides=1, padding='same') output (zero padding 1 each side)", shape: [1, 4, 4, 1],
             x: (1...16).map(Double.init), filters: 1, kernelSize: (3, 3), strides: (1, 1), activation: .linear,
             kernel: [Double](repeating: 1, count: 9), bias: nil,
             expected: [14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54]),
        Case(label: "Conv2D(3, 3, padding='same') x = ramp(40, 37, 11, 101, 64) [1, 4, 5, 2], "
                 + "kernel = ramp(54, 13, 5, 29, 32) [3, 3, 2, 3], bias [0.25, -0.5, 0.125]",
             shape: [1, 4, 5, 2], x: ramp(40, 37, 11, 101, 64), filters: 3, kernelSize: (3, 3), strides: (1, 1),
             activation: .linear, kernel: ramp(54, 13, 5, 29, 32), bias: [0.25, -0.5, 0.125], expected: [
                -0.480957031, -0.803222656, 0.334472656, 0.627441406, -0.246582031, 0.622558594, 0.581542969, -0.351074219,
                -0.305175781, 0.091796875, -0.751464844, 0.0493164062, -0.140136719, -0.559082031, 0.099609375, 0.315917969,
                -0.499023438, 0.174316406, 1.33837891, -0.664550781, 0.350097656, 0.0888671875, -1.21289062, -0.26171875,
                -0.174316406, 0.0141601562, 0.260742188, 0.087890625, 0.17578125, -0.1171875, 1.16796875, -0.592773438,
                0.0693359375, -0.569335938, -1.13769531, 0.348632812, -0.290039062, -0.157226562, -0.164550781, 0.778320312,
                -0.458984375, 0.259277344, 0.469238281, -0.402832031, -0.211425781, -0.295898438, -0.313476562, -0.357910156,
                0.754394531, -0.779296875, 0.591308594, 0.260253906, -0.160644531, 0.127929688, 0.160644531, -0.577636719,
                0.0590820312, -0.175292969, -0.855957031, -0.17578125,
             ]),
        Case(label: "Conv2D(2, 3, strides=2, padding='same', activation='tanh') x = ramp(60, 37, 11, 101, 64) "
                 + "[1, 5, 6, 2], kernel = ramp(36, 13, 5, 29, 32) [3, 3, 2, 2], bias [0.25, -0.125]",
             shape: [1, 5, 6, 2], x: ramp(60, 37, 11, 101, 64), filters: 2, kernelSize: (3, 3), strides: (2, 2),
             activation: .tanh, kernel: ramp(36, 13, 5, 29, 32), bias: [0.25, -0.125], expected: [
                0.0823327228, 0.371057123, 0.587812066, 0.242622316, 0.278571576, 0.191455513, -0.0161118843, -0.459039569,
                0.222299829, -0.274513125, -0.21718812, -0.417232007, -0.0224571563, -0.362181515, 0.0541462041, 0.240783304,
                0.443878591, 0.0327031761,
             ]),
        Case(label: "Conv2D(2, (2, 3), strides=(2, 1), padding='same', use_bias=False) x = ramp(40, 37, 11, 101, 64) "
                 + "[2, 5, 4, 1], kernel = ramp(12, 13, 5, 29, 32) [2, 3, 1, 2]",
             shape: [2, 5, 4, 1], x: ramp(40, 37, 11, 101, 64), filters: 2, kernelSize: (2, 3), strides: (2, 1),
             activation: .linear, kernel: ramp(12, 13, 5, 29, 32), bias: nil, expected: [
                0.355957031, -0.290039062, 0.594726562, -0.204589844, -0.183105469, -0.0908203125, -0.015625, 0.0302734375,
                0.3046875, -0.221679688, 0.536621094, -0.1328125, -0.241210938, -0.0190429688, -0.0087890625, 0.0576171875,
                -0.390625, 0.0390625, 0.0263671875, 0.0654296875, -0.346679688, 0.0209960938, 0.159667969, 0.0200195312,
                0.351074219, -0.0698242188, -0.216308594, -0.0498046875, -0.106445312, 0.310546875, 0.00146484375, 0.0986328125,
                0.299804688, -0.00146484375, -0.274414062, 0.0219726562, 0.08203125, -0.16015625, 0.402832031, -0.268554688,
                0.233398438, -0.0263671875, -0.333007812, 0.0151367188, 0.132324219, 0.0200195312, 0.265136719, -0.0966796875,
             ]),
    ]

    @Test("Conv2D with 'same' padding equals Keras, in training and inference", arguments: cases)
    func convolution(_ t: Case) {
        let sample = Array(t.shape.dropFirst())
        let layer = built(Conv2D(t.filters, kernelSize: t.kernelSize, strides: t.strides, padding: .same,
                                 activation: t.activation, useBias: t.bias != nil, name: "golden_conv"), on: sample)
        layer.kernel.value = tensor(t.kernel, [t.kernelSize.0, t.kernelSize.1, sample[2], t.filters])
        if let bias = t.bias { layer.bias!.value = tensor(bias, [t.filters]) }
        let outputShape = layer.outputShape(for: sample)
        #expect(outputShape[0] * outputShape[1] * outputShape[2] * t.shape[0] == t.expected.count)
        for training in [false, true] {
            let y = layer.forward(tensor(t.x, t.shape), training: training)
            #expect(y.shape == [t.shape[0]] + outputShape)
            expectClose(y.doubles, t.expected, relative: 1e-6, absolute: 1e-6, "y (training \(training))")
        }
    }
}

@Suite struct PoolingGoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let max: Bool
        let shape: [Int]
        let x: [Double]
        let poolSize: (Int, Int)
        let strides: (Int, Int)
        let padding: Padding
        let expected: [Double]
        var testDescription: String { label }
    }

    static let grid = (1...25).map(Double.init)
    /// ramp(60, 37, 11, 101, 64) as [1, 5, 6, 2].
    static let channels = ramp(60, 37, 11, 101, 64)

    static let cases = [
        Case(label: "MaxPooling2D(pool_size=2, strides=None->2, padding='valid') -> (2, 2)", max: true, shape: [1, 5, 5, 1],
             x: grid, poolSize: (2, 2), strides: (2, 2), padding: .valid, expected: [7, 9, 17, 19]),
        Case(label: "MaxPooling2D(pool_size=2, strides=None->2, padding='same') -> (3, 3)", max: true, shape: [1, 5, 5, 1],
             x: grid, poolSize: (2, 2), strides: (2, 2), padding: .same, expected: [7, 9, 10, 17, 19, 20, 22, 24, 25]),
        Case(label: "AveragePooling2D(pool_size=2, strides=None->2, padding='valid') -> (2, 2)", max: false, shape: [1, 5, 5, 1],
             x: grid, poolSize: (2, 2), strides: (2, 2), padding: .valid, expected: [4, 6, 14, 16]),
        Case(label: "AveragePooling2D(pool_size=2, strides=None->2, padding='same') -> (3, 3)", max: false, shape: [1, 5, 5, 1],
             x: grid, poolSize: (2, 2), strides: (2, 2), padding: .same, expected: [4, 6, 7.5, 14, 16, 17.5, 21.5, 23.5, 25]),
        // "corner (0,0) = mean(1,2,6,7) = 4 -> padded cells are excluded from the count"
        Case(label: "AveragePooling2D(3, strides=1, padding='same')", max: false, shape: [1, 5, 5, 1],
             x: grid, poolSize: (3, 3), strides: (1, 1), padding: .same, expected: [
                4, 4.5, 5.5, 6.5, 7, 6.5, 7, 8, 9, 9.5, 11.5, 12, 13, 14, 14.5, 16.5, 17, 18, 19, 19.5, 19, 19.5, 20.5, 21.5, 22,
             ]),
        Case(label: "MaxPooling2D(2, padding='same') on -1..-9 (3x3): padding never wins", max: true, shape: [1, 3, 3, 1],
             x: (1...9).map { -Double($0) }, poolSize: (2, 2), strides: (2, 2), padding: .same, expected: [-1, -3, -7, -9]),
        Case(label: "MaxPooling2D(3, strides=2, padding='same') x = ramp(60, 37, 11, 101, 64) [1, 5, 6, 2]", max: true,
             shape: [1, 5, 6, 2], x: channels, poolSize: (3, 3), strides: (2, 2), padding: .same, expected: [
                0.75, 0.703125, 0.75, 0.703125, 0.4375, 0.484375, 0.75, 0.59375,
                0.75, 0.578125, 0.734375, 0.6875, 0.421875, 0.46875, 0.625, 0.78125,
                0.734375, 0.78125,
             ]),
        Case(label: "MaxPooling2D((2, 3), strides=(1, 2), padding='same') x = ramp(60, 37, 11, 101, 64) [1, 5, 6, 2]", max: true,
             shape: [1, 5, 6, 2], x: channels, poolSize: (2, 3), strides: (1, 2), padding: .same, expected: [
                0.75, 0.703125, 0.75, 0.703125, 0.4375, 0.484375, 0.75, 0.59375,
                0.75, 0.484375, 0.53125, 0.6875, 0.640625, 0.375, 0.53125, 0.578125,
                0.734375, 0.6875, 0.421875, 0.46875, 0.625, 0.78125, 0.734375, 0.78125,
                0.3125, 0.46875, 0.625, 0.78125, 0.203125, 0.78125,
             ]),
        Case(label: "AveragePooling2D(3, strides=2, padding='same') x = ramp(60, 37, 11, 101, 64) [1, 5, 6, 2]", max: false,
             shape: [1, 5, 6, 2], x: channels, poolSize: (3, 3), strides: (2, 2), padding: .same, expected: [
                0.0703125, 0.122395836, 0.015625, 0.0677083358, -0.22265625, -0.0390625, 0.0434027798, -0.0798611119,
                0.0763888881, -0.046875, 0.0572916679, 0.109375, -0.158854172, -0.106770836, 0.0494791679, 0.1015625,
                0.07421875, 0.2578125,
             ]),
        Case(label: "AveragePooling2D((2, 3), strides=(1, 2), padding='same') x = ramp(60, 37, 11, 101, 64) [1, 5, 6, 2]", max: false,
             shape: [1, 5, 6, 2], x: channels, poolSize: (2, 3), strides: (1, 2), padding: .same, expected: [
                0.0703125, 0.122395836, 0.015625, 0.0677083358, -0.22265625, -0.0390625, 0.169270843, -0.0416666679,
                0.114583336, -0.0963541716, 0.0078125, 0.19140625, 0.00520833349, -0.205729172, -0.0494791679, 0.00260416674,
                0.23828125, 0.02734375, -0.158854172, -0.106770836, 0.0494791679, 0.1015625, 0.07421875, 0.2578125,
                -0.109375, -0.0572916679, 0.0989583358, 0.151041672, -0.0078125, 0.5703125,
             ]),
    ]

    @Test("Max and average pooling equal Keras, in training and inference", arguments: cases)
    func pooling(_ t: Case) {
        let sample = Array(t.shape.dropFirst())
        let pool = t.max ? MaxPooling2D(t.poolSize, strides: t.strides, padding: t.padding, name: "golden_pool")
            : AveragePooling2D(t.poolSize, strides: t.strides, padding: t.padding, name: "golden_pool")
        let layer = built(pool, on: sample)
        for training in [false, true] {
            let y = layer.forward(tensor(t.x, t.shape), training: training)
            #expect(y.shape == [t.shape[0]] + layer.outputShape(for: sample))
            expectClose(y.doubles, t.expected, relative: 1e-6, absolute: 1e-7, "y (training \(training))")
        }
    }
}

@Suite struct BatchNormalizationGoldenTests {
    @Test("Keras's defaults on features: training output, moving statistics after one step, inference output")
    func features() {
        let layer = built(BatchNormalization(name: "golden_norm"), on: [2])
        #expect(layer.momentum == 0.99 && layer.epsilon == 1e-3)
        // "BN input (batch 4, 2 features)"
        let x = tensor([1, 10, 2, 20, 4, 60, 5, 10], [4, 2])
        let training = layer.forward(x, training: true)
        // "BN training=True output"
        expectClose(training.doubles, [-1.26465821, -0.727606058, -0.632329106, -0.242535412, 0.632329106, 1.69774723,
                                       1.26465809, -0.727606058], relative: 1e-6, absolute: 1e-6, "training output")
        // "moving_mean after 1 step", "moving_variance after 1 step" (the biased variance; the
        // unbiased would give [1.02333331, 6.65666676])
        expectClose(layer.movingMean.value.doubles, [0.0299999993, 0.25], relative: 1e-6, absolute: 1e-8, "moving mean")
        expectClose(layer.movingVariance.value.doubles, [1.01499999, 5.23999977], relative: 1e-6, absolute: 1e-8, "moving variance")
        // "BN training=False output (uses moving stats)"
        let inference = layer.forward(x, training: false)
        expectClose(inference.doubles, [0.962331831, 4.25890112, 1.95442653, 8.62700462, 3.93861604, 26.0994167,
                                        4.93071079, 4.25890112], relative: 1e-6, absolute: 1e-6, "inference output")
    }

    @Test("Momentum 0.9 and epsilon 0.01 on images [2, 2, 3, 2]: two training steps from set weights, then inference")
    func images() {
        let shape = [2, 2, 3, 2]
        let layer = built(BatchNormalization(momentum: 0.9, epsilon: 0.01, name: "golden_image_norm"), on: Array(shape.dropFirst()))
        // "gamma [1.5, 0.5], beta [0.25, -0.75], moving_mean [0.5, -1], moving_variance [2, 0.25]"
        layer.gamma.value = Tensor([1.5, 0.5])
        layer.beta.value = Tensor([0.25, -0.75])
        layer.movingMean.value = Tensor([0.5, -1])
        layer.movingVariance.value = Tensor([2, 0.25])
        let first = tensor(ramp(24, 37, 11, 101, 16), shape), second = tensor(ramp(24, 41, 7, 101, 16), shape)

        // "training=True on first = ramp(24, 37, 11, 101, 16) [2, 2, 3, 2]"
        expectClose(layer.forward(first, training: true).doubles, [
            -1.602, -0.804065824, 2.13567281, -1.29065847, 0.771927297, 0.0429657698, -0.591818213, -0.443626881,
            -1.95556355, -0.930219471, 1.78210914, -1.41681206, 0.418363661, -0.0831878781, -0.945381761, -0.569780469,
            2.79229093, -1.05637312, 1.42854548, -1.54296565, 0.064800024, -0.209341526, -1.29894543, -0.695934176,
        ], relative: 1e-6, absolute: 1e-6, "training output, first")
        // "moving_mean after 1 step", "moving_variance after 1 step"
        expectClose(layer.movingMean.value.doubles, [0.435416639, -0.893749952], relative: 1e-6, absolute: 1e-8, "moving mean, 1 step")
        expectClose(layer.movingVariance.value.doubles, [2.1435113, 0.524674475], relative: 1e-6, absolute: 1e-8, "moving variance, 1 step")

        // "training=True on second = ramp(24, 41, 7, 101, 16) [2, 2, 3, 2]"
        expectClose(layer.forward(second, training: true).doubles, [
            -1.61020195, -0.839817345, 2.34322953, -1.18690813, 1.42719054, -1.53399897, 0.511151493, -0.0360281467,
            -0.404887557, -0.383118927, -1.32092655, -0.730209708, 2.63250494, -1.07730055, 1.71646595, -1.42439127,
            0.80042696, 0.0735794902, -0.11561203, -0.273511291, -1.03165114, -0.620602131, -1.94769013, -0.967692912,
        ], relative: 1e-6, absolute: 1e-6, "training output, second")
        // "moving_mean after 2 steps", "moving_variance after 2 steps"
        expectClose(layer.movingMean.value.doubles, [0.364270806, -0.786145747], relative: 1e-6, absolute: 1e-8, "moving mean, 2 steps")
        expectClose(layer.movingVariance.value.doubles, [2.30627322, 0.76383841], relative: 1e-6, absolute: 1e-8, "moving variance, 2 steps")

        // "training=False on first (moving statistics)"
        expectClose(layer.forward(first, training: false).doubles, [
            -2.5113976, -0.374212742, 2.04695678, -1.33336735, 0.383773357, 1.29542685, -1.27940989, 0.33627218,
            -2.9425931, -0.622882485, 1.61576104, -1.58203709, -0.0474223122, 1.0467571, -1.71060562, 0.0876024663,
            2.84774876, -0.871552169, 1.18456531, -1.83070683, -0.478617996, 0.798087358, -2.14180136, -0.161067262,
        ], relative: 1e-6, absolute: 1e-6, "inference output")
    }
}
