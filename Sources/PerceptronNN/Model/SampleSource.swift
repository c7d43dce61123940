// Where fit/evaluate/predict read samples from: a Float tensor, or bytes scaled on the fly
// (MNIST kept as UInt8, a quarter of the memory, converted batch by batch).

import PerceptronIO
import PerceptronTensor

/// Samples indexed along the first axis, copied into a Float batch on demand.
public protocol SampleSource {
    /// Number of samples.
    var sampleCount: Int { get }
    /// The shape of one sample: `[784]`, `[28, 28]`.
    var sampleShape: [Int] { get }
    /// Writes the samples at `indices`, one after another, into `destination`
    /// (`indices.count * sampleShape.product` floats).
    func copySamples(at indices: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>)
    /// The index of the first sample holding a NaN or infinite value, if any.
    func firstNonFiniteSample() -> Int?
}

extension Tensor: SampleSource {
    /// The first dimension (0 for a scalar).
    public var sampleCount: Int { shape.first ?? 0 }
    /// The shape without its first axis.
    public var sampleShape: [Int] { Array(shape.dropFirst()) }

    /// Copies the rows at `indices`, in that order, into `destination`.
    public func copySamples(at indices: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
        let width = rowWidth
        withUnsafeBufferPointer { source in
            for (position, index) in indices.enumerated() {
                (destination + position * width).update(from: source.baseAddress! + index * width, count: width)
            }
        }
    }

    /// The row of the first NaN or infinite scalar, nil when all are finite.
    public func firstNonFiniteSample() -> Int? {
        let width = rowWidth
        return withUnsafeBufferPointer { source in
            for i in 0..<source.count where !source[i].isFinite { return i / Swift.max(width, 1) }
            return nil
        }
    }
}

/// Bytes presented as Floats multiplied by `scale`: `mnist.trainImages.scaled(by: 1 / 255)`.
/// Nothing is converted until a batch is copied.
public struct ScaledBytes: SampleSource, Sendable {
    /// The samples as stored, `[N, ...]`.
    public let bytes: ByteTensor
    /// What each byte is multiplied by when copied: `1 / 255` maps pixels to [0, 1].
    public let scale: Float

    /// `bytes` seen as Floats times `scale`; the first axis counts the samples.
    public init(_ bytes: ByteTensor, scale: Float) {
        precondition(bytes.rank >= 1, "ScaledBytes needs a batch axis, got shape \(bytes.shape)")
        self.bytes = bytes
        self.scale = scale
    }

    /// The first dimension of `bytes`.
    public var sampleCount: Int { bytes.shape[0] }
    /// The shape of `bytes` without its first axis.
    public var sampleShape: [Int] { Array(bytes.shape.dropFirst()) }

    /// Converts the samples at `indices`, in that order, into `destination`:
    /// `Float(byte) * scale`, rows split over the cores.
    public func copySamples(at indices: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
        let width = bytes.rowWidth
        let scale = self.scale
        bytes.bytes.withUnsafeBufferPointer { source in
            // Each thread converts its own rows: a batch of 1,000 images is 3 MB of Floats.
            let pointers = UncheckedSendable((source.baseAddress!, indices, destination))
            Parallel.forEachChunk(indices.count, costPerItem: width, minimumWork: 1 << 17) { range in
                let (source, indices, destination) = pointers.value
                for position in range {
                    Kernels.convert(source + indices[position] * width, count: width, scale: scale,
                                    into: destination + position * width)
                }
            }
        }
    }

    /// 0 when `scale` is NaN or infinite (every sample is then), else nil: bytes are finite.
    public func firstNonFiniteSample() -> Int? { scale.isFinite ? nil : 0 }

    /// The same samples with a new per-sample shape (e.g. `[784]` or `[28, 28, 1]`).
    public func reshaped(sampleShape: [Int]) -> ScaledBytes {
        ScaledBytes(bytes.reshaped([sampleCount] + sampleShape), scale: scale)
    }
}

extension ByteTensor {
    /// The bytes as Float samples multiplied by `scale`, converted lazily batch by batch.
    public func scaled(by scale: Float) -> ScaledBytes { ScaledBytes(self, scale: scale) }
}

extension SampleSource {
    /// All samples as one tensor `[count, ...sampleShape]`.
    public func materialized() -> Tensor {
        gather(Array(0..<sampleCount))
    }

    /// The samples at `indices` as a tensor.
    public func gather(_ indices: [Int]) -> Tensor {
        var result = Tensor.zeros([indices.count] + sampleShape)
        result.withUnsafeMutableBufferPointer { out in
            indices.withUnsafeBufferPointer { copySamples(at: $0, into: out.baseAddress!) }
        }
        return result
    }
}
