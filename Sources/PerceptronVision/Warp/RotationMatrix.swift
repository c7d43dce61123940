// OpenCV's getRotationMatrix2D, reproduced to the last bit, and the matching AffineMatrix helper.
// Composition, inversion and the other constructors live in AffineMatrix.swift.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// OpenCV's `cv2.getRotationMatrix2D(center, angle, scale)`: rotation by `angle` degrees about
/// `center`, counter-clockwise as seen on screen (y points down, so positive angles turn the image
/// anticlockwise), followed by uniform scaling by `scale` about the same centre.
///
/// The arithmetic is OpenCV 4.x's `getRotationMatrix2D_` step for step, so the six Doubles are equal
/// bit for bit (checked against opencv-python-headless 4.10 in the goldens):
///
///     cx = Double(Float(center.x)),  cy = Double(Float(center.y))   // OpenCV takes a Point2f
///     theta = angle * (pi / 180)     // CV_PI / 180 folded to one Double, then one multiply
///     alpha = cos(theta) * scale,    beta = sin(theta) * scale
///     M = [[ alpha, beta,  (1 - alpha) cx - beta cy ],
///          [ -beta, alpha, beta cx + (1 - alpha) cy ]]
///
/// `cos` and `sin` are the platform's C library's (glibc on Linux, as the opencv-python wheels use);
/// another libm may differ in the last bit for rare angles.
public func rotationMatrix2D(center: (x: Double, y: Double), angle: Double, scale: Double) -> AffineMatrix {
    let cx = Double(Float(center.x))
    let cy = Double(Float(center.y))
    let theta = angle * (Double.pi / 180)
    let alpha = cos(theta) * scale
    let beta = sin(theta) * scale
    return AffineMatrix(
        m00: alpha, m01: beta, m02: (1 - alpha) * cx - beta * cy,
        m10: -beta, m11: alpha, m12: beta * cx + (1 - alpha) * cy)
}

extension AffineMatrix {
    /// Rotation by `angle` degrees (counter-clockwise on screen) and scaling by `scale` about
    /// `center`: exactly `rotationMatrix2D(center:angle:scale:)`, OpenCV's `getRotationMatrix2D`.
    /// Scale defaults to 1, a pure rotation.
    public static func rotation(degrees angle: Double, about center: (x: Double, y: Double),
                                scale: Double = 1) -> AffineMatrix {
        rotationMatrix2D(center: center, angle: angle, scale: scale)
    }
}
