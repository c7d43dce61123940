// Random affine augmentation of image batches: rotation, shift and zoom drawn per image from
// a seeded generator, applied with exact bilinear warps on all cores. fit's augmentation and
// Keras's random image layers (RandomRotation, RandomTranslation) both draw through it.

import PerceptronTensor

/// A random rotation, shift and zoom per image, drawn from a seeded generator.
///
/// Built with `init(rotation:shift:zoom:)` it is Keras's `ImageDataGenerator`
/// (`rotation_range`, `width_shift_range`, `zoom_range`):
///
///     angle ~ U(-rotation, rotation) degrees, dx, dy ~ U(-shift, shift) pixels,
///     scale ~ U(1 - zoom, 1 + zoom)
///     M = getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), angle, scale); M[0, 2] += dx; M[1, 2] += dy
///
/// Each image's numbers are drawn in the order of `draws` (here angle, dx, dy, then scale
/// when zoom > 0) and every image's before any warping, so results do not depend on the
/// thread count. Pixels are warped with exact bilinear interpolation; uncovered pixels are
/// filled as `border` says (0 by default: black paper, as MNIST).
public struct RandomAffine: Augmentation, Sendable, Equatable {
    /// One number drawn per image, `u ~ U(-1, 1)` times a range, for one part of the transform.
    /// Products are taken left to right as written, so each form gives the bits its origin gives.
    public enum Draw: Sendable, Equatable {
        /// Degrees of rotation about the centre: `u * degrees`.
        case angle(degrees: Double)
        /// A rotation given as a factor of a full turn, Keras's `RandomRotation`: `u * factor * 360` degrees.
        case turn(factor: Double)
        /// A horizontal shift of `u * extent` pixels (see `Extent`).
        case shiftX(Extent)
        /// A vertical shift of `u * extent` pixels.
        case shiftY(Extent)
        /// A scale about the centre: `1 + u * range`.
        case scale(range: Double)
    }

    /// How far a shift may go.
    public enum Extent: Sendable, Equatable {
        /// `u * pixels`.
        case pixels(Double)
        /// `u * (fraction * size)`: ImageDataGenerator's `width_shift_range=0.1`.
        case fractionOfSize(Double)
        /// `u * factor * size`: Keras's `RandomTranslation`.
        case factorOfSize(Double)

        func value(_ u: Double, size: Int) -> Double {
            switch self {
            case let .pixels(pixels): return u * pixels
            case let .fractionOfSize(fraction): return u * (fraction * Double(size))
            case let .factorOfSize(factor): return u * factor * Double(size)
            }
        }
    }

    /// Largest rotation in degrees, either way (0 when the draws have none).
    public let rotation: Double
    /// Largest shift in pixels, either way (when `shiftFraction` is nil).
    public let shift: Double
    /// Largest shift as a fraction of the width (horizontal) and height (vertical), if set.
    public let shiftFraction: Double?
    /// Largest relative change of scale, either way.
    public let zoom: Double
    /// What is drawn for each image, in order.
    public let draws: [Draw]
    /// How pixels uncovered by the transform are filled.
    public let border: BorderMode

    /// - Parameters:
    ///   - rotation: degrees, e.g. 15 for ±15°.
    ///   - shift: pixels, e.g. 3 for ±3 px.
    ///   - zoom: e.g. 0.1 for scales in [0.9, 1.1].
    public init(rotation: Double = 0, shift: Double = 0, zoom: Double = 0) {
        precondition(rotation >= 0 && shift >= 0 && zoom >= 0 && zoom < 1,
                     "RandomAffine needs rotation >= 0, shift >= 0 and zoom in [0, 1), got \(rotation), \(shift), \(zoom)")
        self.init(rotation: rotation, shift: shift, shiftFraction: nil, zoom: zoom,
                  draws: [.angle(degrees: rotation), .shiftX(.pixels(shift)), .shiftY(.pixels(shift))]
                      + (zoom > 0 ? [.scale(range: zoom)] : []),
                  border: .constant(0))
    }

    /// Shifts given as fractions of the image size, like Keras's `width_shift_range=0.1`.
    public init(rotation: Double = 0, shiftFraction: Double, zoom: Double = 0) {
        precondition(rotation >= 0 && shiftFraction >= 0 && shiftFraction < 1 && zoom >= 0 && zoom < 1,
                     "RandomAffine needs rotation >= 0, shiftFraction in [0, 1) and zoom in [0, 1)")
        self.init(rotation: rotation, shift: 0, shiftFraction: shiftFraction, zoom: zoom,
                  draws: [.angle(degrees: rotation), .shiftX(.fractionOfSize(shiftFraction)),
                          .shiftY(.fractionOfSize(shiftFraction))] + (zoom > 0 ? [.scale(range: zoom)] : []),
                  border: .constant(0))
    }

    /// Any sequence of draws, e.g. Keras's `RandomRotation(0.1)` as
    /// `[.turn(factor: 0.1)]`, with the uncovered pixels filled by `border`.
    public init(draws: [Draw], border: BorderMode) {
        var rotation = 0.0
        var zoom = 0.0
        for draw in draws {
            if case let .angle(degrees) = draw { rotation = degrees }
            if case let .turn(factor) = draw { rotation = factor * 360 }
            if case let .scale(range) = draw { zoom = range }
        }
        self.init(rotation: rotation, shift: 0, shiftFraction: nil, zoom: zoom, draws: draws, border: border)
    }

    private init(rotation: Double, shift: Double, shiftFraction: Double?, zoom: Double, draws: [Draw], border: BorderMode) {
        self.rotation = rotation
        self.shift = shift
        self.shiftFraction = shiftFraction
        self.zoom = zoom
        self.draws = draws
        self.border = border
    }

    /// The matrix (source to destination) for one image of `height` x `width`, drawing from
    /// `generator` in the order of `draws`.
    public func matrix(height: Int, width: Int, generator: inout SeededGenerator) -> AffineMatrix {
        var angle = 0.0, scale = 1.0, dx = 0.0, dy = 0.0
        var rotates = false, shifts = false
        for draw in draws {
            let u = 2 * generator.nextDouble() - 1
            switch draw {
            case let .angle(degrees): angle = u * degrees; rotates = true
            case let .turn(factor): angle = u * factor * 360; rotates = true
            case let .shiftX(extent): dx = extent.value(u, size: width); shifts = true
            case let .shiftY(extent): dy = extent.value(u, size: height); shifts = true
            case let .scale(range): scale = 1 + u * range; rotates = true
            }
        }
        return Self.compose(center: Self.center(height: height, width: width), angle: angle, scale: scale, dx: dx, dy: dy,
                            rotates: rotates, shifts: shifts)
    }

    /// The centre of rotation and scale: the middle of the pixel grid, `((W - 1) / 2, (H - 1) / 2)`.
    static func center(height: Int, width: Int) -> (Double, Double) { (Double(width - 1) / 2, Double(height - 1) / 2) }

    /// `getRotationMatrix2D(center, angle, scale)` with `(dx, dy)` added to its translation, or
    /// the plain translation when nothing rotates or scales.
    static func compose(center: (Double, Double), angle: Double, scale: Double, dx: Double, dy: Double,
                        rotates: Bool, shifts: Bool) -> AffineMatrix {
        guard rotates else { return .translation(x: dx, y: dy) }
        var m = rotationMatrix2D(center: center, angle: angle, scale: scale)
        if shifts {
            m.m02 += dx
            m.m12 += dy
        }
        return m
    }

    /// The matrices for `count` images of `height` x `width`, drawn in order.
    public func matrices(count: Int, height: Int, width: Int, generator: inout SeededGenerator) -> [AffineMatrix] {
        (0..<count).map { _ in matrix(height: height, width: width, generator: &generator) }
    }

    public func augment(_ batch: inout Tensor, generator: inout SeededGenerator) {
        guard let layout = imageLayout(of: Array(batch.shape.dropFirst())) else {
            preconditionFailure("RandomAffine needs image samples ([H, W], [H, W, C] or a square [D]), got \(batch.shape)")
        }
        let matrices = matrices(count: batch.shape[0], height: layout.height, width: layout.width, generator: &generator)
        batch.warpImages(matrices, height: layout.height, width: layout.width, channels: layout.channels, border: border)
    }
}
