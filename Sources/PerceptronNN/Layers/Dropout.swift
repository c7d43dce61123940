// Dropout, active in training only, with Keras's inverted scaling; forward and backward side by side.
// The mask generator is seeded at build time from the global generator and can be saved.
// Legend: N batch; masks and gradients have the input's shape. Loops in DropoutKernels.

import PerceptronIO
import PerceptronTensor

/// A layer that owns random state which checkpoints must save for exact resumption.
public protocol RandomStateLayer: Layer {
    /// The generator state (four words).
    var randomState: [UInt64] { get set }
}

/// Keras's `layers.Dropout(rate)`: in training each value is kept with probability
/// `1 - rate` and scaled by `1 / (1 - rate)` (inverted dropout), otherwise set to zero; in
/// inference the layer is the identity.
public final class Dropout: Layer, RandomStateLayer {
    /// The layer's unique name.
    public let name: String
    /// `"Dropout"`.
    public let typeName = "Dropout"
    /// The fraction of values set to zero in training, in [0, 1).
    public let rate: Float
    /// The per-sample input shape, set by `build`.
    public private(set) var inputShape: [Int]?
    private var generator = SeededGenerator(seed: 0)
    /// The generator's jumps to the cores' first values, by number of draws (see `drawMask`).
    private var jumps: [Int: JumpPolynomial] = [:]
    /// Per value: 0 (dropped) or 1 / (1 - rate) (kept), from the last training forward.
    private var mask = Tensor.empty
    private var output = Tensor.empty
    private var inputGradient = Tensor.empty

    /// A dropout layer; its mask generator is seeded from the global generator when it is
    /// first connected, so runs with the same seed drop the same values.
    ///
    /// - Parameters:
    ///   - rate: the fraction dropped, in [0, 1).
    ///   - name: a unique name; Keras's automatic `dropout`, `dropout_1`, ... when nil.
    public init(_ rate: Float, name: String? = nil) {
        precondition(rate >= 0 && rate < 1, "Dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next("dropout")
    }

    /// Seeds the layer's own mask generator with one draw from `generator`; no weights.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        self.inputShape = inputShape
        self.generator = SeededGenerator(seed: generator.next())
    }

    /// The input shape: dropout keeps it.
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    /// None: dropout has no weights.
    public var parameters: [Parameter] { [] }
    /// `rate`.
    public var config: [String: JSONValue] { ["rate": .double(Double(rate))] }

    /// The mask generator's four words; a state that `SeededGenerator(state:)` rejects (not
    /// four words, or all zero) is ignored.
    public var randomState: [UInt64] {
        get { generator.state }
        set { if let restored = SeededGenerator(state: newValue) { generator = restored } }
    }

    // x: [N, ...] -> y = x ⊙ mask in training (mask 0 or 1 / (1 - rate)), x otherwise
    /// Training: draws a new mask and keeps it for backward; inference: returns x itself.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else { return x }
        var y = Tensor.empty
        swap(&y, &output)
        DropoutKernels.drawMask(x, rate: rate, generator: &generator, jumps: &jumps, mask: &mask, into: &y)
        output = y
        return y
    }

    /// The draws kept with probability `keep`: `nextFloat() < keep` compared on the integer.
    /// nextFloat() is `u * 2^-24` with `u = next() >> 40`, exactly, and `keep * 2^24` is exact
    /// too, so `u * 2^-24 < keep` exactly when `u < ceil(keep * 2^24)`.
    static func keepThreshold(_ keep: Float) -> UInt64 { UInt64((keep * 0x1p24).rounded(.up)) }

    // dy: [N, ...] -> dx = dy ⊙ mask
    /// dLoss/dInput through the last training mask.
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor.empty }
        guard rate > 0 else { return dy }
        DropoutKernels.multiply(dy, by: mask, into: &inputGradient)
        return inputGradient
    }
}
