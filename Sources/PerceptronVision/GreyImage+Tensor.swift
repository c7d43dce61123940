// Conversions between grey images and tensors: one image to and from `[H, W]`, a batch of
// images to and from `[N, H, W]` or `[N, H * W]`, and dataset bytes to images.

import PerceptronTensor

extension GreyImage where Pixel == UInt8 {
    /// Image `index` of a byte batch `[N, H, W]` (MNIST's layout).
    public init(batch: ByteTensor, index: Int) {
        precondition(batch.rank == 3, "GreyImage(batch:) needs [N, H, W] bytes, got \(batch.shape)")
        let row = batch[row: index]
        self.init(width: batch.shape[2], height: batch.shape[1], pixels: row.bytes)
    }
}

extension GreyImage {
    /// The pixels as a tensor `[H, W]`, multiplied by `scale` (1/255 for network input).
    public func tensor(scale: Float = 1) -> Tensor {
        Tensor(shape: [height, width], scalars: pixels.map { $0.floatValue * scale })
    }

    /// An image from a tensor of `height * width` values (`[H, W]`, `[H * W]`, `[1, H * W]`),
    /// each divided by `scale` and, for UInt8 pixels, rounded and saturated to 0...255.
    public init(tensor: Tensor, width: Int, height: Int, scale: Float = 1) {
        precondition(tensor.count == width * height, "GreyImage \(width)x\(height) needs \(width * height) values, tensor has shape \(tensor.shape)")
        self.init(width: width, height: height, pixels: tensor.scalars.map { Pixel(saturating: $0 / scale) })
    }
}

extension Array where Element == GreyImage<UInt8> {
    /// The images as one batch tensor `[N, H * W]` (flattened, as an MLP takes them) scaled by
    /// `scale`; all images must share one size.
    public func batchTensor(scale: Float = 1) -> Tensor {
        guard let first else { return Tensor.zeros([0, 0]) }
        precondition(allSatisfy { $0.width == first.width && $0.height == first.height }, "batchTensor needs images of one size")
        var values = [Float]()
        values.reserveCapacity(count * first.pixels.count)
        for image in self { for pixel in image.pixels { values.append(Float(pixel) * scale) } }
        return Tensor(shape: [count, first.width * first.height], scalars: values)
    }
}
