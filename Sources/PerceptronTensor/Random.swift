// The seeded random number generator: xoshiro256** seeded through SplitMix64, with the
// exact float, integer and shuffle rules documented so a seed means the same numbers everywhere.

import Foundation

/// A seeded, reproducible generator: **xoshiro256\*\*** (Blackman and Vigna, 2018) whose
/// 256-bit state is filled from the 64-bit seed by four steps of **SplitMix64**.
///
/// Derived values, fixed so that results are bit-identical for a seed:
/// - `nextFloat()`: the top 24 bits of one output times 2^-24, uniform in [0, 1).
/// - `next(below: n)`: Lemire's nearly-divisionless rejection method, unbiased.
/// - `shuffle`: Fisher-Yates from the last index down, swapping `i` with `next(below: i + 1)`.
/// - `normal`: Box-Muller on two `nextDouble()` draws (the cosine branch only).
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    // Four words in stored properties, not an array: `next()` runs once per random value
    // (dropout masks, augmentation) and must not pay for array bounds checks and uniqueness.
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four words of state; saved in checkpoints so a resumed run draws the same numbers.
    public var state: [UInt64] {
        get { [s0, s1, s2, s3] }
        set {
            precondition(newValue.count == 4, "generator state is four words, got \(newValue.count)")
            (s0, s1, s2, s3) = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }

    /// A generator whose sequence is determined by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = nextSplitMix()
        s1 = nextSplitMix()
        s2 = nextSplitMix()
        s3 = nextSplitMix()
    }

    /// A generator restored from saved state (four words, not all zero).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    private enum CodingKeys: String, CodingKey { case state }

    /// Decodes saved state with the checks of `init?(state:)`: the synthesised decoder took any
    /// array, and a corrupt checkpoint then crashed `next()` (not four words) or drew zeros forever.
    ///
    /// - Throws: `DecodingError.dataCorrupted` unless the state is four words, not all zero.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt64].self, forKey: .state)
        guard let restored = SeededGenerator(state: words) else {
            throw DecodingError.dataCorruptedError(
                forKey: .state, in: container,
                debugDescription: "generator state must be four 64-bit words, not all zero; found \(words.count) words")
        }
        self = restored
    }

    /// Encodes `{"state": [four words]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }

    /// The next 64 random bits: the scrambled output of the state, then the state's step.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        step()
        return result
    }

    /// The state's step without the output: a linear map over GF(2)^256 (see `advanced(by:)`).
    @inlinable @inline(__always)
    mutating func step() {
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
    }

    @inlinable @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1), 24 random bits.
    @inlinable
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in `low..<high` (Float), as `low + (high - low) * nextFloat()`; a result that
    /// rounds up to `high` becomes the largest Float below it.
    public mutating func nextFloat(in range: Range<Float>) -> Float {
        let value = range.lowerBound + (range.upperBound - range.lowerBound) * nextFloat()
        // Float rounding can reach the excluded bound: in 1..<2, 1 + (1 - 2^-24) rounds to 2.
        return value < range.upperBound ? value : range.upperBound.nextDown
    }

    /// Uniform integer in `0..<bound` (Lemire's method, no modulo bias).
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "next(below:) needs a positive bound, got \(bound)")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A standard normal draw (Box-Muller, cosine branch).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextDouble()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Shuffles `array` in place (Fisher-Yates, last index first).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = next(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// `0..<count` in a random order.
    public mutating func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<count)
        shuffle(&indices)
        return indices
    }
}

/// The process-wide generator that layers draw their initial weights from, like Keras's
/// global seed. `setRandomSeed(_:)` makes everything after it reproducible.
public enum GlobalRandom {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var generator = SeededGenerator(seed: UInt64(UInt32.random(in: 0...UInt32.max)))

    /// Reseeds the global generator, like `keras.utils.set_random_seed(seed)`.
    public static func setSeed(_ seed: UInt64) {
        lock.withLock { generator = SeededGenerator(seed: seed) }
    }

    /// Runs `body` with exclusive access to the global generator.
    public static func with<R>(_ body: (inout SeededGenerator) -> R) -> R {
        lock.withLock { body(&generator) }
    }
}

/// Reseeds the global generator (initial weights, default shuffles), like Keras's
/// `keras.utils.set_random_seed(seed)`.
public func setRandomSeed(_ seed: UInt64) { GlobalRandom.setSeed(seed) }
