// The state of an import while it walks the graph: the one tensor flowing through the chain,
// how its ONNX axes map onto Perceptron's channels-last layout, and the layers planned so far.
// Legend: N batch, H/W spatial, C channels, D features, U units, F filters.

import PerceptronNN
import PerceptronTensor

/// The tensor flowing through the chain, as ONNX sees it and as Perceptron holds it.
///
/// Perceptron holds images channels-last, `[N, H, W, C]`; a graph from PyTorch computes on
/// `[N, C, H, W]`. Rather than inserting transposes, the importer keeps the map between the
/// two: ONNX axis `i` is Perceptron axis `axes[i]`. A Transpose only changes the map; Conv
/// and pooling need the ONNX tensor to be NCHW over Perceptron's NHWC (`axes == [0, 3, 1, 2]`).
/// A Flatten over a permuted image gives features in another order than Perceptron's
/// Flatten: `featureOrder[f]` is the ONNX feature held at Perceptron's feature `f`, and the
/// next Dense takes its kernel rows in that order, so outputs are unchanged.
struct Flow {
    /// The ONNX value name of the tensor now flowing.
    var name: String
    /// Its ONNX shape; axis 0 is the batch (its entry is 1 and never used).
    var shape: [Int]
    /// ONNX axis i is Perceptron axis `axes[i]`; `axes[0] == 0` always.
    var axes: [Int]
    /// For a flat `[N, D]` tensor whose features Perceptron holds in another order.
    var featureOrder: [Int]?

    /// The Perceptron per-sample shape (without the batch axis).
    var perceptronShape: [Int] {
        var result = shape
        for (axis, target) in axes.enumerated() { result[target] = shape[axis] }
        return Array(result.dropFirst())
    }

    var rank: Int { shape.count }
    var isIdentity: Bool { axes == Array(0..<rank) && featureOrder == nil }
    /// Whether the ONNX tensor is NCHW over Perceptron's NHWC, as Conv and pooling need.
    var isChannelsFirstOverChannelsLast: Bool { axes == [0, 3, 1, 2] && featureOrder == nil }

    /// The Perceptron axis holding ONNX axis `axis`.
    func perceptronAxis(_ axis: Int) -> Int { axes[axis] }

    /// The feature order a Flatten of this tensor gives: for each Perceptron flat index (its
    /// per-sample axes row-major), the ONNX flat index of the same element; nil when equal.
    func flattenedFeatureOrder() -> [Int]? {
        if let featureOrder { return featureOrder }
        if axes == Array(0..<rank) { return nil }
        let p = perceptronShape                 // Perceptron sizes of axes 1...
        let onnxSizes = Array(shape.dropFirst())
        let count = p.reduce(1, *)
        var onnxStrides = [Int](repeating: 1, count: onnxSizes.count)
        for axis in stride(from: onnxSizes.count - 2, through: 0, by: -1) { onnxStrides[axis] = onnxStrides[axis + 1] * onnxSizes[axis + 1] }
        var order = [Int](repeating: 0, count: count)
        var coordinate = [Int](repeating: 0, count: p.count)
        for flat in 0..<count {
            var onnxIndex = 0
            for onnxAxis in 1..<rank { onnxIndex += coordinate[axes[onnxAxis] - 1] * onnxStrides[onnxAxis - 1] }
            order[flat] = onnxIndex
            var axis = p.count - 1
            while axis >= 0 {
                coordinate[axis] += 1
                if coordinate[axis] < p[axis] { break }
                coordinate[axis] = 0
                axis -= 1
            }
        }
        return order.enumerated().allSatisfy { $0.offset == $0.element } ? nil : order
    }
}

/// A layer to make, with its weights already in Perceptron's layout.
enum LayerPlan {
    /// kernel `[D, U]`, bias `[U]`.
    case dense(kernel: ConstantTensor, bias: [Float]?, activation: ActivationFunction)
    /// kernel `[KH, KW, C, F]`, bias `[F]`.
    case conv(kernel: ConstantTensor, bias: [Float]?, strides: (Int, Int), padding: Padding, activation: ActivationFunction)
    case pooling(Pooling2D.Kind, size: (Int, Int), strides: (Int, Int), padding: Padding)
    case batchNormalization(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float, momentum: Float)
    case flatten
    case reshape([Int])
    case activation(ActivationFunction)
    case dropout(Float)

    /// The layer, unbuilt.
    func layer() -> any Layer {
        switch self {
        case .dense(let kernel, let bias, let activation):
            return Dense(kernel.shape[1], activation: activation, useBias: bias != nil)
        case .conv(let kernel, let bias, let strides, let padding, let activation):
            return Conv2D(kernel.shape[3], kernelSize: (kernel.shape[0], kernel.shape[1]), strides: strides,
                          padding: padding, activation: activation, useBias: bias != nil)
        case .pooling(let kind, let size, let strides, let padding):
            return kind == .max ? MaxPooling2D(size, strides: strides, padding: padding)
                : AveragePooling2D(size, strides: strides, padding: padding)
        case .batchNormalization(_, _, _, _, let epsilon, let momentum):
            return BatchNormalization(momentum: momentum, epsilon: epsilon)
        case .flatten: return Flatten()
        case .reshape(let shape): return Reshape(shape)
        case .activation(let function): return Activation(function)
        case .dropout(let rate): return Dropout(rate)
        }
    }

    /// The weights in the layer's `parameters` order.
    var weights: [Tensor] {
        switch self {
        case .dense(let kernel, let bias, _), .conv(let kernel, let bias, _, _, _):
            return [Tensor(shape: kernel.shape, scalars: kernel.values)] + (bias.map { [Tensor($0)] } ?? [])
        case .batchNormalization(let gamma, let beta, let mean, let variance, _, _):
            return [Tensor(gamma), Tensor(beta), Tensor(mean), Tensor(variance)]
        default: return []
        }
    }
}
