// Box-filter downscaling to fit a size, for showing large images small (a 400x400 photo in an
// 80-column terminal). Display only: nothing computed from an image goes through it.

extension GreyImage {
    /// The image shrunk, keeping its proportions, to fit within `maxWidth` x `maxHeight`;
    /// the image itself when it already fits.
    ///
    /// The scale is `s = max(width / maxWidth, height / maxHeight)`; the output is
    /// `round(width / s)` x `round(height / s)` (at least 1, at most the bound). Input column
    /// `x` falls into output column `x * outWidth / width` (integer division), rows likewise,
    /// and each output pixel is the mean of the input pixels falling into it, rounded: the
    /// plain box average, which is `cv2.INTER_AREA` for whole factors.
    ///
    /// - Precondition: `maxWidth >= 1` and `maxHeight >= 1`.
    // self: [H, W] -> [round(H / s), round(W / s)]
    public func downscaled(toFitWidth maxWidth: Int, height maxHeight: Int) -> GreyImage {
        precondition(maxWidth >= 1 && maxHeight >= 1, "downscaled(toFitWidth:height:) needs a positive bound, got \(maxWidth)x\(maxHeight)")
        guard width > maxWidth || height > maxHeight else { return self }
        let scale = max(Double(width) / Double(maxWidth), Double(height) / Double(maxHeight))
        let outWidth = min(maxWidth, max(1, Int((Double(width) / scale).rounded())))
        let outHeight = min(maxHeight, max(1, Int((Double(height) / scale).rounded())))
        var sums = [Double](repeating: 0, count: outWidth * outHeight)
        var counts = [Int](repeating: 0, count: outWidth * outHeight)
        let columnOf = (0..<width).map { $0 * outWidth / width }
        for y in 0..<height {
            let row = (y * outHeight / height) * outWidth
            for x in 0..<width {
                sums[row + columnOf[x]] += Double(pixels[y * width + x].floatValue)
                counts[row + columnOf[x]] += 1
            }
        }
        let output = zip(sums, counts).map { Pixel(saturating: Float($0 / Double($1))) }
        return GreyImage(width: outWidth, height: outHeight, pixels: output)
    }
}
