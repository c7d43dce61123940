// A drawing made into a 28x28 digit the way MNIST's were: the ink's bounding box scaled into
// 20x20 with its aspect kept, then placed so its centre of mass is at the centre of the field.
// No thresholding or stroke thinning: the drawing's grey levels are kept.

import Foundation

/// MNIST's normalisation of a digit, from LeCun, Cortes and Burges's description: "the
/// images were size normalized to fit in a 20x20 pixel box while preserving their aspect
/// ratio... centered in a 28x28 image by computing the center of mass of the pixels, and
/// translating the image so as to position this point at the center of the 28x28 field."
///
/// Ink is high (255) and paper is 0, as in MNIST. Resampling is by area: each output pixel
/// is the mean of the input it covers, fractional pixels weighted by their covered area (the
/// anti-aliasing that gives MNIST its grey edges); values are rounded to the nearest integer.
public enum MNISTStyle {
    /// The side of the field, 28.
    public static let fieldSize = 28
    /// The side of the box the ink is scaled into, 20.
    public static let boxSize = 20

    /// The smallest rectangle holding every pixel above 0, nil for a blank image.
    public static func inkBounds(_ image: GreyImage<UInt8>) -> (x: Int, y: Int, width: Int, height: Int)? {
        var (minX, minY, maxX, maxY) = (Int.max, Int.max, -1, -1)
        for y in 0..<image.height {
            for x in 0..<image.width where image.pixels[y * image.width + x] > 0 {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        return (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    /// The intensity-weighted mean position `(sum x * v / sum v, sum y * v / sum v)`, pixel
    /// centres at integer coordinates; nil when every pixel is 0.
    public static func centerOfMass(_ image: GreyImage<Float>) -> (x: Double, y: Double)? {
        var (total, sumX, sumY) = (0.0, 0.0, 0.0)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let v = Double(image.pixels[y * image.width + x])
                total += v
                sumX += v * Double(x)
                sumY += v * Double(y)
            }
        }
        guard total > 0 else { return nil }
        return (sumX / total, sumY / total)
    }

    /// The region `(x, y, width, height)` of `image` resampled by area to `width` x `height`:
    /// output pixel `(i, j)` is the mean of the input over
    /// `[x + i * w / width, x + (i + 1) * w / width) x [y + j * h / height, ...)`.
    /// Works both ways (shrinking averages, enlarging repeats with blended seams).
    public static func areaResample(_ image: GreyImage<UInt8>, region: (x: Int, y: Int, width: Int, height: Int),
                                    width: Int, height: Int) -> GreyImage<Float> {
        precondition(width >= 1 && height >= 1, "areaResample needs an output of at least 1x1, got \(width)x\(height)")
        precondition(region.width >= 1 && region.height >= 1 && region.x >= 0 && region.y >= 0
                     && region.x + region.width <= image.width && region.y + region.height <= image.height,
                     "region \(region) is not inside the \(image.width)x\(image.height) image")
        let columns = coverage(from: region.x, length: region.width, into: width)
        let rows = coverage(from: region.y, length: region.height, into: height)
        var out = GreyImage<Float>(width: width, height: height)
        // Rows first, then columns: `partial[j][x]` is the mean over output row j's band.
        var partial = [Double](repeating: 0, count: region.width)
        for j in 0..<height {
            for k in partial.indices { partial[k] = 0 }
            for (y, weight) in rows[j] {
                let base = y * image.width + region.x
                for k in 0..<region.width { partial[k] += weight * Double(image.pixels[base + k]) }
            }
            for i in 0..<width {
                var sum = 0.0
                for (x, weight) in columns[i] { sum += weight * partial[x - region.x] }
                out.pixels[j * width + i] = Float(sum)
            }
        }
        return out
    }

    /// For each of `count` output cells over `[start, start + length)`, the input indices it
    /// overlaps and their weights, summing to 1.
    static func coverage(from start: Int, length: Int, into count: Int) -> [[(Int, Double)]] {
        let step = Double(length) / Double(count)
        return (0..<count).map { cell in
            let low = Double(start) + Double(cell) * step
            let high = Double(start) + Double(cell + 1) * step
            var weights: [(Int, Double)] = []
            var index = Int(low.rounded(.down))
            while Double(index) < high && index < start + length {
                let overlap = min(high, Double(index + 1)) - max(low, Double(index))
                if overlap > 1e-12 { weights.append((index, overlap / step)) }
                index += 1
            }
            return weights
        }
    }

    /// The drawing as MNIST would hold it: the ink's bounding box scaled by area so its longer
    /// side is 20 (the other rounded, at least 1), then placed in the 28x28 field at the
    /// whole-pixel offset that brings its centre of mass nearest to the centre (13.5, 13.5),
    /// moved back inside when that would cut ink off. A blank drawing gives a blank field.
    public static func digitize(_ image: GreyImage<UInt8>) -> GreyImage<UInt8> {
        guard let box = inkBounds(image) else { return GreyImage(width: fieldSize, height: fieldSize) }
        let scale = Double(boxSize) / Double(max(box.width, box.height))
        let width = min(boxSize, max(1, Int((Double(box.width) * scale).rounded())))
        let height = min(boxSize, max(1, Int((Double(box.height) * scale).rounded())))
        let small = areaResample(image, region: box, width: width, height: height)
        let centre = Double(fieldSize - 1) / 2
        let mass = centerOfMass(small) ?? (Double(width - 1) / 2, Double(height - 1) / 2)
        let left = min(max(Int((centre - mass.x).rounded()), 0), fieldSize - width)
        let top = min(max(Int((centre - mass.y).rounded()), 0), fieldSize - height)
        var field = GreyImage<UInt8>(width: fieldSize, height: fieldSize)
        for y in 0..<height {
            for x in 0..<width {
                field.pixels[(top + y) * fieldSize + left + x] = quantized(small.pixels[y * width + x])
            }
        }
        return field
    }

    /// The whole image resampled by area to 28x28, stretched if it is not square: what a
    /// drawing looks like without MNIST's normalisation.
    public static func downsample(_ image: GreyImage<UInt8>) -> GreyImage<UInt8> {
        let resampled = areaResample(image, region: (0, 0, image.width, image.height), width: fieldSize, height: fieldSize)
        return GreyImage(width: fieldSize, height: fieldSize, pixels: resampled.pixels.map(quantized))
    }

    /// Rounded to the nearest integer in 0...255.
    static func quantized(_ value: Float) -> UInt8 { UInt8(min(max(value.rounded(), 0), 255)) }
}
