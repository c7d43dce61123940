// Warping a whole batch of same-size images, one matrix per image, split over the cores:
// the engine of robustness sweeps and on-the-fly augmentation.

import PerceptronTensor

extension ByteTensor {
    /// Warps every image of a batch `[N, H, W]` with the matrix `matrix(index)` (source to
    /// destination, as `warpAffine`), writing `[N, H, W]` bytes into `destination`. Images are
    /// processed in parallel; each follows `warpAffine`'s OpenCV-exact rules.
    public func warpedImages(into destination: UnsafeMutableBufferPointer<UInt8>, interpolation: Interpolation = .linear,
                             border: BorderMode = .constant(0), matrix: (Int) -> AffineMatrix) {
        precondition(rank == 3, "warpedImages needs images [N, H, W], got \(shape)")
        precondition(destination.count == count, "warpedImages needs \(count) output bytes, got \(destination.count)")
        let (n, height, width) = (shape[0], shape[1], shape[2])
        let imageSize = height * width
        guard n > 0, imageSize > 0 else { return }
        let matrices = (0..<n).map(matrix)
        bytes.withUnsafeBufferPointer { source in
            let shared = UncheckedSendable((source, destination))
            Parallel.forEachChunk(n, costPerItem: imageSize * 8) { range in
                let (source, destination) = shared.value
                for index in range {
                    let input = UnsafeBufferPointer(rebasing: source[index * imageSize..<(index + 1) * imageSize])
                    let output = UnsafeMutableBufferPointer(rebasing: destination[index * imageSize..<(index + 1) * imageSize])
                    warpAffine(input, width: width, height: height, matrices[index], into: output,
                               size: (width, height), interpolation: interpolation, border: border, inverseMap: false)
                }
            }
        }
    }

    /// A new batch with every image warped by `matrix(index)`; see `warpedImages(into:...)`.
    public func warpedImages(interpolation: Interpolation = .linear, border: BorderMode = .constant(0),
                             matrix: (Int) -> AffineMatrix) -> ByteTensor {
        var output = [UInt8](repeating: 0, count: count)
        output.withUnsafeMutableBufferPointer { warpedImages(into: $0, interpolation: interpolation, border: border, matrix: matrix) }
        return ByteTensor(shape: shape, bytes: output)
    }
}
