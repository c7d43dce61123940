// Nearest-neighbour upscaling by a whole factor, for showing small images (a 28x28 digit at 10 is
// 280x280) without blur. Resampling by arbitrary factors belongs to the warp functions.

extension GreyImage {
    /// The image with every pixel repeated as a `factor x factor` block: `width * factor` by
    /// `height * factor`, output pixel (x, y) equal to input pixel (x / factor, y / factor).
    ///
    /// - Precondition: `factor >= 1`.
    // self: [H, W] -> [H * factor, W * factor]
    public func upscaled(by factor: Int) -> GreyImage {
        precondition(factor >= 1, "upscaled(by:) needs a factor of at least 1, got \(factor)")
        if factor == 1 { return self }
        var output = [Pixel]()
        output.reserveCapacity(width * factor * height * factor)
        for y in 0..<height {
            var row = [Pixel]()
            row.reserveCapacity(width * factor)
            for x in 0..<width {
                row.append(contentsOf: repeatElement(pixels[y * width + x], count: factor))
            }
            for _ in 0..<factor { output.append(contentsOf: row) }
        }
        return GreyImage(width: width * factor, height: height * factor, pixels: output)
    }
}

extension ColorImage {
    /// The image with every pixel repeated as a `factor x factor` block, all channels kept.
    ///
    /// - Precondition: `factor >= 1`.
    // self: [H, W, C] -> [H * factor, W * factor, C]
    public func upscaled(by factor: Int) -> ColorImage {
        precondition(factor >= 1, "upscaled(by:) needs a factor of at least 1, got \(factor)")
        if factor == 1 { return self }
        var output = [UInt8]()
        output.reserveCapacity(bytes.count * factor * factor)
        for y in 0..<height {
            var row = [UInt8]()
            row.reserveCapacity(width * factor * channels)
            for x in 0..<width {
                let pixel = bytes[(y * width + x) * channels..<(y * width + x + 1) * channels]
                for _ in 0..<factor { row.append(contentsOf: pixel) }
            }
            for _ in 0..<factor { output.append(contentsOf: row) }
        }
        return ColorImage(width: width * factor, height: height * factor, channels: channels, bytes: output)
    }
}
