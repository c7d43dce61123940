// Random affine augmentation for image batches: rotation, shift and zoom drawn per image
// from a seeded generator, applied with exact bilinear warps on all cores.

import PerceptronNN
import PerceptronTensor
import PerceptronVision

/// A random rotation, shift and zoom per training image, as Keras's `ImageDataGenerator`
/// (`rotation_range`, `width_shift_range`, `zoom_range`) does:
///
///     angle ~ U(-rotation, rotation) degrees, dx, dy ~ U(-shift, shift) pixels,
///     scale ~ U(1 - zoom, 1 + zoom)
///     M = getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), angle, scale); M[0, 2] += dx; M[1, 2] += dy
///
/// The five numbers are drawn for each image in batch order (angle, dx, dy, then scale when
/// zoom > 0) before any warping, so results do not depend on the thread count. Pixels are
/// warped with exact bilinear interpolation; uncovered pixels are 0 (black paper, as MNIST).
public struct RandomAffine: Augmentation, Sendable, Equatable {
    /// Largest rotation in degrees, either way.
    public let rotation: Double
    /// Largest shift in pixels, either way (when `shiftFraction` is nil).
    public let shift: Double
    /// Largest shift as a fraction of the width (horizontal) and height (vertical), if set.
    public let shiftFraction: Double?
    /// Largest relative change of scale, either way.
    public let zoom: Double

    /// - Parameters:
    ///   - rotation: degrees, e.g. 15 for ±15°.
    ///   - shift: pixels, e.g. 3 for ±3 px.
    ///   - zoom: e.g. 0.1 for scales in [0.9, 1.1].
    public init(rotation: Double = 0, shift: Double = 0, zoom: Double = 0) {
        precondition(rotation >= 0 && shift >= 0 && zoom >= 0 && zoom < 1,
                     "RandomAffine needs rotation >= 0, shift >= 0 and zoom in [0, 1), got \(rotation), \(shift), \(zoom)")
        self.rotation = rotation
        self.shift = shift
        self.shiftFraction = nil
        self.zoom = zoom
    }

    /// Shifts given as fractions of the image size, like Keras's `width_shift_range=0.1`.
    public init(rotation: Double = 0, shiftFraction: Double, zoom: Double = 0) {
        precondition(rotation >= 0 && shiftFraction >= 0 && shiftFraction < 1 && zoom >= 0 && zoom < 1,
                     "RandomAffine needs rotation >= 0, shiftFraction in [0, 1) and zoom in [0, 1)")
        self.rotation = rotation
        self.shift = 0
        self.shiftFraction = shiftFraction
        self.zoom = zoom
    }

    /// The matrices for `count` images of `height` x `width`, drawn in order.
    public func matrices(count: Int, height: Int, width: Int, generator: inout SeededGenerator) -> [AffineMatrix] {
        let center = (Double(width - 1) / 2, Double(height - 1) / 2)
        let maxDX = shiftFraction.map { $0 * Double(width) } ?? shift
        let maxDY = shiftFraction.map { $0 * Double(height) } ?? shift
        return (0..<count).map { _ in
            let angle = (2 * generator.nextDouble() - 1) * rotation
            let dx = (2 * generator.nextDouble() - 1) * maxDX
            let dy = (2 * generator.nextDouble() - 1) * maxDY
            let scale = zoom > 0 ? 1 + (2 * generator.nextDouble() - 1) * zoom : 1
            var m = rotationMatrix2D(center: center, angle: angle, scale: scale)
            m.m02 += dx
            m.m12 += dy
            return m
        }
    }

    public func augment(_ batch: inout Tensor, generator: inout SeededGenerator) {
        guard let layout = imageLayout(of: Array(batch.shape.dropFirst())) else {
            preconditionFailure("RandomAffine needs image samples ([H, W], [H, W, C] or a square [D]), got \(batch.shape)")
        }
        let matrices = matrices(count: batch.shape[0], height: layout.height, width: layout.width, generator: &generator)
        batch.warpImages(matrices, height: layout.height, width: layout.width, channels: layout.channels)
    }
}
