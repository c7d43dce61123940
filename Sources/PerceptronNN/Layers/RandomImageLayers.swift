// Keras's image preprocessing layers that act only in training: RandomRotation and
// RandomTranslation, warping each image of a batch with exact bilinear interpolation.
// Legend: N batch, H/W image size, C channels.

import Foundation
import PerceptronIO
import PerceptronTensor
import PerceptronVision

/// How the pixels a transform uncovers are filled, Keras's `fill_mode`.
public enum FillMode: String, Sendable, CaseIterable {
    /// `d c b a | a b c d | d c b a`, Keras's default (OpenCV's BORDER_REFLECT).
    case reflect
    /// Edge pixels repeated.
    case nearest
    /// A constant (`fillValue`).
    case constant
    /// `a b c d | a b c d`.
    case wrap

    func border(_ value: Float) -> BorderMode {
        switch self {
        case .reflect: return .reflect
        case .nearest: return .replicate
        case .constant: return .constant(Double(value))
        case .wrap: return .wrap
        }
    }
}

/// The shared machinery of the random image layers: a per-layer seeded generator, the
/// batch copy and warp in training, the identity otherwise. Samples are `[H, W, C]`.
public class RandomImageLayer: Layer, RandomStateLayer {
    /// The layer's unique name.
    public let name: String
    /// The Keras class name; each subclass gives its own.
    public var typeName: String { "" }
    /// How uncovered pixels are filled.
    public let fillMode: FillMode
    /// The value of uncovered pixels with `.constant`.
    public let fillValue: Float
    /// An explicit seed; nil draws one from the global generator at build time.
    public let seed: UInt64?
    /// The per-sample input shape `[H, W, C]`, set by `build`.
    public private(set) var inputShape: [Int]?
    private var generator = SeededGenerator(seed: 0)
    private var output = Tensor.empty

    init(name: String?, base: String, fillMode: FillMode, fillValue: Float, seed: UInt64?) {
        self.fillMode = fillMode
        self.fillValue = fillValue
        self.seed = seed
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next(base)
    }

    /// Seeds the layer's own generator with `seed`, or with one draw from `generator` when
    /// nil; samples must be `[H, W, C]`. No weights.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(inputShape.count == 3, "\(typeName) '\(name)' expects images [H, W, C], got \(inputShape)")
        self.inputShape = inputShape
        self.generator = SeededGenerator(seed: seed ?? generator.next())
    }

    /// The input shape, unchanged.
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    /// None.
    public var parameters: [Parameter] { [] }
    /// Each subclass gives its factors with `fill_mode`, `fill_value` and `seed`.
    public var config: [String: JSONValue] { [:] }

    /// The generator's four words; a state that `SeededGenerator(state:)` rejects (not four
    /// words, or all zero) is ignored.
    public var randomState: [UInt64] {
        get { generator.state }
        set { if let restored = SeededGenerator(state: newValue) { generator = restored } }
    }

    /// What each image draws, in order (the subclass's Keras semantics).
    var draws: [RandomAffine.Draw] { [] }

    /// The random transform applied in training: `draws` through fit's own augmentation.
    var transform: RandomAffine { RandomAffine(draws: draws, border: fillMode.border(fillValue)) }

    var commonConfig: [String: JSONValue] {
        var config: [String: JSONValue] = ["fill_mode": .string(fillMode.rawValue), "fill_value": .double(Double(fillValue))]
        if let seed { config["seed"] = .string(String(seed)) }
        return config
    }

    // x: [N, H, W, C] -> the same shape, each image warped in training, unchanged otherwise
    /// Training: a copy of `x` with each image warped by its own draw (bilinear); inference:
    /// `x` itself.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training else { return x }
        var y = Tensor.empty
        swap(&y, &output)
        Kernels.copy(x, into: &y)
        transform.augment(&y, generator: &generator)
        output = y
        return y
    }

    /// These layers transform input data; the gradient passes through unchanged (they have
    /// no weights, and as Keras's preprocessing layers they normally come first).
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        needsInputGradient ? dy : Tensor.empty
    }
}

/// Keras's `layers.RandomRotation(factor)`: in training, each image is rotated about its
/// centre by an angle drawn uniformly from `[-factor, factor] x 2π` (factor 0.1 is ±36°);
/// in inference it passes through. Fill mode `reflect` by default, as Keras.
public final class RandomRotation: RandomImageLayer {
    /// The largest angle as a fraction of a full turn, in [0, 1].
    public let factor: Double

    /// A random rotation layer.
    ///
    /// - Parameters:
    ///   - factor: the largest angle as a fraction of 2π, in [0, 1]: 0.1 turns up to ±36°.
    ///   - fillMode: `.reflect` by default, as Keras.
    ///   - fillValue: the value of uncovered pixels with `.constant`; 0 by default.
    ///   - seed: the layer's own seed; nil draws one from the global generator when it is built.
    ///   - name: a unique name; Keras's automatic `random_rotation`, ... when nil.
    public init(_ factor: Double, fillMode: FillMode = .reflect, fillValue: Float = 0, seed: UInt64? = nil, name: String? = nil) {
        precondition(factor >= 0 && factor <= 1, "RandomRotation factor must be in [0, 1], got \(factor)")
        self.factor = factor
        super.init(name: name, base: "random_rotation", fillMode: fillMode, fillValue: fillValue, seed: seed)
    }

    /// `"RandomRotation"`.
    public override var typeName: String { "RandomRotation" }
    /// `factor`, `fill_mode`, `fill_value` and `seed` (when given, as a string).
    public override var config: [String: JSONValue] { commonConfig.merging(["factor": .double(factor)]) { $1 } }

    override var draws: [RandomAffine.Draw] { [.turn(factor: factor)] }
}

/// Keras's `layers.RandomTranslation(heightFactor, widthFactor)`: in training, each image is
/// shifted by `U(-heightFactor, heightFactor) x H` rows and `U(-widthFactor, widthFactor) x W`
/// columns; in inference it passes through. Fill mode `reflect` by default, as Keras.
public final class RandomTranslation: RandomImageLayer {
    /// The largest vertical shift as a fraction of the height, in [0, 1].
    public let heightFactor: Double
    /// The largest horizontal shift as a fraction of the width, in [0, 1].
    public let widthFactor: Double

    /// A random translation layer.
    ///
    /// - Parameters:
    ///   - heightFactor: the largest vertical shift as a fraction of the height, in [0, 1].
    ///   - widthFactor: the largest horizontal shift as a fraction of the width, in [0, 1].
    ///   - fillMode: `.reflect` by default, as Keras.
    ///   - fillValue: the value of uncovered pixels with `.constant`; 0 by default.
    ///   - seed: the layer's own seed; nil draws one from the global generator when it is built.
    ///   - name: a unique name; Keras's automatic `random_translation`, ... when nil.
    public init(heightFactor: Double, widthFactor: Double, fillMode: FillMode = .reflect, fillValue: Float = 0,
                seed: UInt64? = nil, name: String? = nil) {
        precondition((0...1).contains(heightFactor) && (0...1).contains(widthFactor),
                     "RandomTranslation factors must be in [0, 1], got \(heightFactor), \(widthFactor)")
        self.heightFactor = heightFactor
        self.widthFactor = widthFactor
        super.init(name: name, base: "random_translation", fillMode: fillMode, fillValue: fillValue, seed: seed)
    }

    /// `"RandomTranslation"`.
    public override var typeName: String { "RandomTranslation" }
    /// `height_factor`, `width_factor`, `fill_mode`, `fill_value` and `seed` (when given, as a string).
    public override var config: [String: JSONValue] {
        commonConfig.merging(["height_factor": .double(heightFactor), "width_factor": .double(widthFactor)]) { $1 }
    }

    override var draws: [RandomAffine.Draw] { [.shiftY(.factorOfSize(heightFactor)), .shiftX(.factorOfSize(widthFactor))] }
}
