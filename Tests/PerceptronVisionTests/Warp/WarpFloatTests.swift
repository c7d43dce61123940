// Float warps: against a direct per-pixel reference formula, exact on ramps and constants, and
// consistent with the 8-bit fixed-point path where both are exact (shifts by multiples of 1/32).

import Testing
@testable import PerceptronVision

/// Keys' kernel with a = -0.75, written from the formula.
private func keys(_ d: Double) -> Double {
    let a = -0.75, t = abs(d)
    if t <= 1 { return (a + 2) * t * t * t - (a + 3) * t * t + 1 }
    if t < 2 { return a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a }
    return 0
}

/// The plain per-pixel rule: invert, map the pixel centre, weight the taps, borders per OpenCV.
private func referenceWarp(_ image: GreyImage<Float>, _ m: AffineMatrix, interpolation: Interpolation,
                           border: BorderMode) -> [Double] {
    let inverse = m.inverted()
    let rule = border.rule
    func tap(_ x: Int, _ y: Int) -> Double {
        let ix = rule.index(x, count: image.width), iy = rule.index(y, count: image.height)
        return ix < 0 || iy < 0 ? border.constantValue : Double(image[ix, iy])
    }
    var out = [Double]()
    for y in 0..<image.height {
        for x in 0..<image.width {
            let s = inverse.apply(to: (x: Double(x), y: Double(y)))
            let x0 = Int(s.x.rounded(.down)), y0 = Int(s.y.rounded(.down))
            let tx = s.x - Double(x0), ty = s.y - Double(y0)
            switch interpolation {
            case .nearest:
                out.append(tap(Int((s.x + 0.5).rounded(.down)), Int((s.y + 0.5).rounded(.down))))
            case .linear:
                out.append((1 - tx) * (1 - ty) * tap(x0, y0) + tx * (1 - ty) * tap(x0 + 1, y0)
                           + (1 - tx) * ty * tap(x0, y0 + 1) + tx * ty * tap(x0 + 1, y0 + 1))
            case .cubic:
                var sum = 0.0
                for i in 0..<4 {
                    for j in 0..<4 {
                        sum += keys(ty + 1 - Double(i)) * keys(tx + 1 - Double(j)) * tap(x0 - 1 + j, y0 - 1 + i)
                    }
                }
                out.append(sum)
            }
        }
    }
    return out
}

@Suite struct WarpFloatTests {
    let image = patternImage(width: 9, height: 7, seed: 11).asFloat()

    @Test(arguments: Interpolation.allCases)
    func matchesTheReferenceFormula(interpolation: Interpolation) {
        let matrices = [
            rotationMatrix2D(center: (4, 3), angle: 23, scale: 1.1),
            AffineMatrix(m00: 0.7, m01: 0.2, m02: 1.3, m10: -0.15, m11: 1.4, m12: -0.6),
            AffineMatrix.translation(x: 0.37, y: -1.81),
        ]
        for m in matrices {
            for border in allBorders {
                let out = warpAffine(image, m, interpolation: interpolation, border: border)
                let expected = referenceWarp(image, m, interpolation: interpolation, border: border)
                let worst = zip(out.pixels, expected).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst < 1e-3, "\(interpolation) \(border) \(m): off by \(worst)")
            }
        }
    }

    @Test func bilinearReproducesARampExactly() {
        let values: [Float] = (0..<120).map { (i: Int) -> Float in Float(3 * (i % 12) + 2 * (i / 12) + 1) }
        let ramp = GreyImage<Float>(width: 12, height: 10, pixels: values)
        let m = rotationMatrix2D(center: (5.5, 4.5), angle: 9, scale: 1.05)
        let out = warpAffine(ramp, m, border: .replicate)
        let inverse = m.inverted()
        for y in 0..<10 {
            for x in 0..<12 {
                let s = inverse.apply(to: (x: Double(x), y: Double(y)))
                guard s.x >= 0 && s.x <= 11 && s.y >= 0 && s.y <= 9 else { continue }
                #expect(abs(Double(out[x, y]) - (3 * s.x + 2 * s.y + 1)) < 1e-4)
            }
        }
    }

    @Test(arguments: Interpolation.allCases)
    func constantImageStaysConstantAndFarPixelsTakeTheBorder(interpolation: Interpolation) {
        let flat = GreyImage<Float>(width: 6, height: 5, fill: 42.5)
        let m = AffineMatrix.shear(x: 0.4, y: 0.1).concatenating(.translation(x: -0.3, y: 0.7))
        for value in warpAffine(flat, m, interpolation: interpolation, border: .replicate).pixels {
            #expect(abs(value - 42.5) < 1e-4)
        }
        let away = warpAffine(flat, .translation(x: 40, y: 0), interpolation: interpolation, border: .constant(-7.25))
        #expect(away.pixels.allSatisfy { $0 == -7.25 })
        #expect(warpAffine(image, .identity, interpolation: interpolation, border: .reflect101) == image)
    }

    /// For shifts by multiples of 1/32 both paths use exact weights; the 8-bit path then rounds
    /// halves up, `(sum + 16384) >> 15`, so it equals floor(float + 0.5).
    @Test(arguments: Interpolation.allCases.filter { $0 != .cubic })
    func agreesWithTheFixedPointPathOnTheGrid(interpolation: Interpolation) {
        let bytes = patternImage(width: 8, height: 6, seed: 12)
        let m = AffineMatrix.translation(x: 5.0 / 32, y: -13.0 / 32)
        for border in allBorders {
            let fixed = warpAffine(bytes, m, interpolation: interpolation, border: border)
            let exact = warpAffine(bytes.asFloat(), m, interpolation: interpolation, border: border)
            #expect(fixed.pixels == exact.pixels.map { UInt8(($0 + 0.5).rounded(.down)) }, "\(border)")
        }
    }

    @Test(arguments: Interpolation.allCases)
    func hugeAndNaNCoordinatesReadTheBorder(interpolation: Interpolation) {
        let huge = AffineMatrix(m00: 1e300, m01: 0, m02: 0, m10: 0, m11: 1, m12: 0)
        let edge = warpAffine(image, huge, interpolation: interpolation, border: .replicate, inverseMap: true)
        for y in 0..<7 {
            #expect(edge[0, y] == image[0, y], "x = 0 maps to 0")
            for x in 1..<9 { #expect(edge[x, y] == image[8, y], "x = \(x) maps far right") }
        }
        let nan = AffineMatrix(m00: .nan, m01: 0, m02: 0, m10: 0, m11: 1, m12: 0)
        let out = warpAffine(image, nan, interpolation: interpolation, border: .constant(3), inverseMap: true)
        #expect(out.pixels.allSatisfy { $0 == 3 })
    }

    @Test func outputVariantsAgree() {
        let m = rotationMatrix2D(center: (4, 3), angle: -12, scale: 0.9)
        let expected = warpAffine(image, m, size: (5, 4), interpolation: .cubic, border: .wrap)
        var reused = GreyImage<Float>(width: 5, height: 4)
        warpAffine(image, m, interpolation: .cubic, border: .wrap, into: &reused)
        #expect(reused == expected)
        var flat = [Float](repeating: 0, count: 20)
        image.pixels.withUnsafeBufferPointer { source in
            flat.withUnsafeMutableBufferPointer { output in
                warpAffine(source, width: 9, height: 7, m, into: output, size: (5, 4),
                           interpolation: .cubic, border: .wrap)
            }
        }
        #expect(flat == expected.pixels)
    }
}
