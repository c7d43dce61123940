// Dropout's kernels on tensors: the mask drawn from a seeded generator with the input
// multiplied by it, and the gradient's product with the mask. `Dropout.Reference` is the
// definition the tests hold them to. Legend: any shape, element by element.

import PerceptronTensor

/// Inverted dropout's kernels.
enum DropoutKernels {
    // x: [...] -> mask: [...] (0 or 1 / (1 - rate)), y = x ⊙ mask
    /// One draw per value, in order: kept (`mask = 1 / (1 - rate)`) when the draw's top 24 bits
    /// are below `Dropout.keepThreshold(1 - rate)`, that is when `nextFloat() < 1 - rate`.
    static func drawMask(_ x: Tensor, rate: Float, generator: inout SeededGenerator, mask: inout Tensor, into y: inout Tensor) {
        Tensor.reuse(&mask, shape: x.shape)
        Tensor.reuse(&y, shape: x.shape)
        let scale = 1 / (1 - rate)
        let threshold = Dropout.keepThreshold(1 - rate)
        mask.withUnsafeMutableBufferPointer { m in
            y.withUnsafeMutableBufferPointer { out in
                x.withUnsafeBufferPointer { input in
                    // A local copy of the generator: no exclusivity check per draw through the inout.
                    var random = generator
                    let scaleBits = scale.bitPattern
                    for i in 0..<m.count {
                        // kept = draw < threshold ? scale : +0, without a branch (half the draws go
                        // each way, so a branch would be mispredicted every other value): both are
                        // below 2^25, so draw - threshold wraps to a negative Int64 exactly when kept.
                        let difference = Int64(bitPattern: (random.next() >> 40) &- threshold)
                        let keptBits = scaleBits & UInt32(truncatingIfNeeded: difference >> 63)
                        let kept = Float(bitPattern: keptBits)
                        m[i] = kept
                        out[i] = input[i] * kept
                    }
                    generator = random
                }
            }
        }
    }

    // x: [...], mask: [...] -> y = x ⊙ mask
    /// Element-wise product into `y`'s storage when it can, split over the cores.
    static func multiply(_ x: Tensor, by mask: Tensor, into y: inout Tensor) {
        Tensor.reuse(&y, shape: x.shape)
        guard x.count > 0 else { return }
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { a in
                mask.withUnsafeBufferPointer { m in
                    let shared = UncheckedSendable((out.baseAddress!, a.baseAddress!, m.baseAddress!))
                    Parallel.forEachChunk(out.count) { range in
                        let (out, a, m) = shared.value
                        for i in range { out[i] = a[i] * m[i] }
                    }
                }
            }
        }
    }
}
