// Max and average pooling over channels-last windows, forward and backward side by side; the
// window loops are in PoolingKernels. Legend: N batch, H/W input size, OH/OW output size, C channels.

import PerceptronIO
import PerceptronTensor

/// Keras's `MaxPooling2D` and `AveragePooling2D` on `[N, H, W, C]`.
///
/// Strides default to the pool size and padding to `.valid`, as in Keras. Max pooling sends
/// each output's gradient to the first maximal input of its window (the one forward chose;
/// a NaN in the window's first cell is kept, so NaN propagates);
/// average pooling with `.same` padding divides by the number of real (unpadded) cells, as
/// Keras does.
public final class Pooling2D: Layer {
    /// What each window gives: its maximum, or the mean of its real cells.
    public enum Kind: String, Sendable {
        /// The largest value of each window (`MaxPooling2D`).
        case max
        /// The mean of each window (`AveragePooling2D`).
        case average
    }

    /// The layer's unique name.
    public let name: String
    /// Max or average pooling.
    public let kind: Kind
    /// `"MaxPooling2D"` or `"AveragePooling2D"`, Keras's class names.
    public var typeName: String { kind == .max ? "MaxPooling2D" : "AveragePooling2D" }
    /// The window, height x width.
    public let poolSize: (height: Int, width: Int)
    /// The step between windows; the pool size unless given.
    public let strides: (height: Int, width: Int)
    /// How the border is treated.
    public let padding: Padding
    /// The per-sample input shape `[H, W, C]`, set by `build`.
    public private(set) var inputShape: [Int]?
    var geometry: WindowGeometry!
    private var output = Tensor.empty
    private var inferenceOutput = Tensor.empty
    private var inputGradient = Tensor.empty
    /// For max pooling: the flat input offset (within its image) chosen by each output.
    private var chosen: [Int32] = []
    private var cachedCount = 0

    init(kind: Kind, poolSize: (Int, Int), strides: (Int, Int)?, padding: Padding, name: String?) {
        let strides = strides ?? poolSize
        precondition(poolSize.0 > 0 && poolSize.1 > 0 && strides.0 > 0 && strides.1 > 0,
                     "pooling needs positive pool size and strides, got \(poolSize), \(strides)")
        self.kind = kind
        self.poolSize = poolSize
        self.strides = strides
        self.padding = padding
        let base = kind == .max ? "max_pooling2d" : "average_pooling2d"
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next(base)
    }

    func makeGeometry(_ inputShape: [Int]) -> WindowGeometry {
        precondition(inputShape.count == 3, "\(typeName) '\(name)' expects samples [H, W, C], got \(inputShape)")
        return WindowGeometry(inputHeight: inputShape[0], inputWidth: inputShape[1], channels: inputShape[2],
                              windowHeight: poolSize.height, windowWidth: poolSize.width,
                              strideHeight: strides.height, strideWidth: strides.width, padding: padding)
    }

    /// Works out the windows for samples `[H, W, C]`; no weights.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        geometry = makeGeometry(inputShape)
        self.inputShape = inputShape
    }

    /// `[OH, OW, C]`, with OH and OW as `Padding` gives them.
    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = makeGeometry(inputShape)
        return [g.outputHeight, g.outputWidth, g.channels]
    }

    /// None.
    public var parameters: [Parameter] { [] }

    /// `pool_size`, `strides` and `padding`, Keras's keys.
    public var config: [String: JSONValue] {
        ["pool_size": .ints([poolSize.height, poolSize.width]), "strides": .ints([strides.height, strides.width]),
         "padding": .string(padding.rawValue)]
    }

    // x: [N, H, W, C] -> y: [N, OH, OW, C], each output the max or mean of its window
    /// The pooled batch; in training, keeps max pooling's choices for backward.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry!
        precondition(Array(x.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
                     "\(typeName) '\(name)' expects [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], got \(x.shape)")
        var y = Tensor.empty
        // Training keeps the output for backward; inference reuses its own buffer (fresh
        // pages would cost a page fault each).
        if training { swap(&y, &output) } else { swap(&y, &inferenceOutput) }
        PoolingKernels.forward(x, kind: kind, geometry: g, recordChoices: training, into: &y, choices: &chosen)
        if training {
            output = y
            cachedCount = x.shape[0]
        } else {
            inferenceOutput = y
        }
        return y
    }

    // dy: [N, OH, OW, C] -> dx: [N, H, W, C], each output's gradient to the cell it chose (max)
    // or shared over its window's real cells (average)
    /// dLoss/dInput of the last training forward (nothing to accumulate: no weights).
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor.empty }
        let g = geometry!
        let expected = [cachedCount, g.outputHeight, g.outputWidth, g.channels]
        precondition(dy.shape == expected, "\(typeName) '\(name)' backward expects \(expected), got \(dy.shape)")
        PoolingKernels.backward(dy, kind: kind, geometry: g, choices: chosen, into: &inputGradient)
        return inputGradient
    }

    /// Whether this is the 2x2, stride-2 max pooling of the convnets (`PoolingKernels.isPairwiseMax`).
    var isPairwiseMax: Bool { PoolingKernels.isPairwiseMax(kind, geometry) }
}

/// Keras's `layers.MaxPooling2D`: the maximum of each window; strides default to the pool size.
///
/// - Parameters:
///   - poolSize: the window, height and width; `(2, 2)` by default, as Keras.
///   - strides: the step between windows; the pool size when nil, as Keras.
///   - padding: `.valid` by default, as Keras.
///   - name: a unique name; Keras's automatic `max_pooling2d`, ... when nil.
public func MaxPooling2D(_ poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
                         name: String? = nil) -> Pooling2D {
    Pooling2D(kind: .max, poolSize: poolSize, strides: strides, padding: padding, name: name)
}

/// A square `MaxPooling2D`: `MaxPooling2D(2)`.
public func MaxPooling2D(_ poolSize: Int, strides: Int? = nil, padding: Padding = .valid, name: String? = nil) -> Pooling2D {
    MaxPooling2D((poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding, name: name)
}

/// Keras's `layers.AveragePooling2D`: the mean of each window's real cells.
///
/// - Parameters:
///   - poolSize: the window, height and width; `(2, 2)` by default, as Keras.
///   - strides: the step between windows; the pool size when nil, as Keras.
///   - padding: `.valid` by default, as Keras; with `.same`, border windows average their real cells only.
///   - name: a unique name; Keras's automatic `average_pooling2d`, ... when nil.
public func AveragePooling2D(_ poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
                             name: String? = nil) -> Pooling2D {
    Pooling2D(kind: .average, poolSize: poolSize, strides: strides, padding: padding, name: name)
}

/// A square `AveragePooling2D`: `AveragePooling2D(2)`.
public func AveragePooling2D(_ poolSize: Int, strides: Int? = nil, padding: Padding = .valid, name: String? = nil) -> Pooling2D {
    AveragePooling2D((poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding, name: name)
}
