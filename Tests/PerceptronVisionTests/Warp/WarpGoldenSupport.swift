// Parsing of the generated OpenCV goldens (OpenCVGoldens.swift) into images, matrices and cases.
// The tests that compare against them live in OpenCVGoldenTests.swift.

import Foundation
@testable import PerceptronVision

/// A Double from its 16-hex-digit IEEE bit pattern.
func goldenDouble(_ hex: Substring) -> Double {
    guard let bits = UInt64(hex, radix: 16) else { fatalError("bad golden double \(hex)") }
    return Double(bitPattern: bits)
}

/// An AffineMatrix from six hex bit patterns.
func goldenMatrix(_ fields: ArraySlice<Substring>) -> AffineMatrix {
    let v = fields.map(goldenDouble)
    precondition(v.count == 6, "golden matrix needs 6 entries, got \(v.count)")
    return AffineMatrix(m00: v[0], m01: v[1], m02: v[2], m10: v[3], m11: v[4], m12: v[5])
}

/// Bytes from base64.
func goldenBytes(_ text: Substring) -> [UInt8] {
    guard let data = Data(base64Encoded: String(text)) else { fatalError("bad golden base64 \(text.prefix(20))") }
    return [UInt8](data)
}

/// The non-empty lines of a golden block, split on spaces.
func goldenRows(_ block: String) -> [[Substring]] {
    block.split(separator: "\n").map { $0.split(separator: " ") }.filter { !$0.isEmpty }
}

/// One cv2.warpAffine call and its output.
struct GoldenWarp: CustomStringConvertible {
    let image: String, matrixName: String
    let matrix: AffineMatrix
    let width: Int, height: Int
    let interpolation: Interpolation
    let borderName: String
    let border: BorderMode
    let inverseMap: Bool
    let expected: [UInt8]

    var description: String {
        "\(image) \(matrixName) \(width)x\(height) \(interpolation) \(borderName) inverse=\(inverseMap)"
    }
}

enum Goldens {
    static let images: [String: GreyImage<UInt8>] = {
        var out = [String: GreyImage<UInt8>]()
        for f in goldenRows(OpenCVGoldens.images) {
            out[String(f[0])] = GreyImage(width: Int(f[1])!, height: Int(f[2])!, pixels: goldenBytes(f[3]))
        }
        return out
    }()

    static let matrices: [String: AffineMatrix] = {
        var out = [String: AffineMatrix]()
        for f in goldenRows(OpenCVGoldens.matrices) { out["\(f[0]) \(f[1])"] = goldenMatrix(f[2...7]) }
        return out
    }()

    static let warps: [GoldenWarp] = goldenRows(OpenCVGoldens.warps).map { f in
        let interpolation: Interpolation = switch f[4] {
        case "nearest": .nearest
        case "linear": .linear
        case "cubic": .cubic
        default: fatalError("unknown interpolation \(f[4])")
        }
        let border: BorderMode = switch f[5] {
        case "constant0": .constant(0)
        case "constant77": .constant(77)
        case "replicate": .replicate
        case "reflect101": .reflect101
        case "reflect": .reflect
        case "wrap": .wrap
        default: fatalError("unknown border \(f[5])")
        }
        return GoldenWarp(image: String(f[0]), matrixName: String(f[1]), matrix: matrices["\(f[0]) \(f[1])"]!,
                          width: Int(f[2])!, height: Int(f[3])!, interpolation: interpolation,
                          borderName: String(f[5]), border: border, inverseMap: f[6] == "1",
                          expected: goldenBytes(f[7]))
    }

    static var imageNames: [String] { Array(Set(warps.map(\.image))).sorted() }
}
