// Warping a batch of Float images in place, one matrix per image, over the cores: the
// engine of training-time augmentation. Batches are [N, H, W] or [N, H, W, C] channels-last.

import PerceptronTensor

extension Tensor {
    /// Warps every image of this batch in place with `matrices[n]` (source to destination,
    /// as `warpAffine`), exact bilinear by default. Samples are `[H, W]`, `[H, W, C]` (each
    /// channel warped alike) or `[H * W]` flat vectors of a square `side` x `side` image.
    ///
    /// - Precondition: one matrix per image; the sample shape is one of the above.
    public mutating func warpImages(_ matrices: [AffineMatrix], height: Int, width: Int, channels: Int = 1,
                                    interpolation: Interpolation = .linear, border: BorderMode = .constant(0)) {
        let n = shape.first ?? 0
        precondition(matrices.count == n, "warpImages needs one matrix per image: \(n) images, \(matrices.count) matrices")
        precondition(height > 0 && width > 0 && channels > 0 && rowWidth == height * width * channels,
                     "warpImages: samples of \(rowWidth) values are not \(height)x\(width)x\(channels) images")
        let plane = height * width
        withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable(buffer)
            Parallel.forEachChunk(n, costPerItem: plane * channels * 16, minimumWork: 1 << 14) { range in
                let buffer = shared.value
                let source = UnsafeMutableBufferPointer<Float>.allocate(capacity: plane)
                let target = UnsafeMutableBufferPointer<Float>.allocate(capacity: plane)
                defer { source.deallocate(); target.deallocate() }
                for index in range {
                    let image = buffer.baseAddress! + index * plane * channels
                    for c in 0..<channels {
                        for p in 0..<plane { source[p] = image[p * channels + c] }
                        warpAffine(UnsafeBufferPointer(source), width: width, height: height, matrices[index],
                                   into: target, size: (width, height), interpolation: interpolation, border: border)
                        for p in 0..<plane { image[p * channels + c] = target[p] }
                    }
                }
            }
        }
    }
}
