// Dropout's kernels on tensors: the mask drawn from a seeded generator with the input
// multiplied by it, and the gradient's product with the mask. `Dropout.Reference` is the
// definition the tests hold them to. Legend: any shape, element by element.

import PerceptronTensor

/// Inverted dropout's kernels.
enum DropoutKernels {
    // x: [...] -> mask: [...] (0 or 1 / (1 - rate)), y = x ⊙ mask
    /// One draw per value, in order: kept (`mask = 1 / (1 - rate)`) when the draw's top 24 bits
    /// are below `Dropout.keepThreshold(1 - rate)`, that is when `nextFloat() < 1 - rate`.
    /// Large masks are drawn by all the cores, each from the generator jumped ahead to its first
    /// value (`SeededGenerator.advanced(by:)`, the jumps kept in `jumps`): the same draws, in
    /// the same places, as one thread's.
    static func drawMask(_ x: Tensor, rate: Float, generator: inout SeededGenerator, jumps: inout [Int: JumpPolynomial],
                         mask: inout Tensor, into y: inout Tensor) {
        Tensor.reuse(&mask, shape: x.shape)
        Tensor.reuse(&y, shape: x.shape)
        let (count, scale, threshold) = (x.count, 1 / (1 - rate), Dropout.keepThreshold(1 - rate))
        let parts = count >= 1 << 15 ? Parallel.threadCount : 1
        guard parts > 1 else {
            mask.withUnsafeMutableBufferPointer { m in
                y.withUnsafeMutableBufferPointer { out in
                    x.withUnsafeBufferPointer { input in
                        draw(0..<count, from: &generator, threshold: threshold, scale: scale, input: input.baseAddress,
                             mask: m.baseAddress, output: out.baseAddress)
                    }
                }
            }
            return
        }
        func jump(_ n: Int) -> JumpPolynomial {
            if let known = jumps[n] { return known }
            let polynomial = SeededGenerator.jump(of: n)
            jumps[n] = polynomial
            return polynomial
        }
        let starts = (0...parts).map { count * $0 / parts }
        let states = (0..<parts).map { starts[$0] == 0 ? generator : generator.advanced(by: jump(starts[$0])) }
        mask.withUnsafeMutableBufferPointer { m in
            y.withUnsafeMutableBufferPointer { out in
                x.withUnsafeBufferPointer { input in
                    let shared = UncheckedSendable((input.baseAddress, m.baseAddress, out.baseAddress))
                    Parallel.forEachChunk(parts, costPerItem: count / parts, minimumWork: 1) { range in
                        let (input, m, out) = shared.value
                        for part in range {
                            var random = states[part]
                            draw(starts[part]..<starts[part + 1], from: &random, threshold: threshold, scale: scale,
                                 input: input, mask: m, output: out)
                        }
                    }
                }
            }
        }
        generator = generator.advanced(by: jump(count))
    }

    /// The draws for the values `range`, in order, from `random`.
    @inline(__always)
    private static func draw(_ range: Range<Int>, from random: inout SeededGenerator, threshold: UInt64, scale: Float,
                             input: UnsafePointer<Float>?, mask: UnsafeMutablePointer<Float>?,
                             output: UnsafeMutablePointer<Float>?) {
        guard let input, let mask, let output else { return }
        // A local copy of the generator: no exclusivity check per draw through the inout.
        var local = random
        let scaleBits = scale.bitPattern
        for i in range {
            // kept = draw < threshold ? scale : +0, without a branch (half the draws go each
            // way, so a branch would be mispredicted every other value): both are below 2^25,
            // so draw - threshold wraps to a negative Int64 exactly when kept.
            let difference = Int64(bitPattern: (local.next() >> 40) &- threshold)
            let kept = Float(bitPattern: scaleBits & UInt32(truncatingIfNeeded: difference >> 63))
            mask[i] = kept
            output[i] = input[i] * kept
        }
        random = local
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
