// 8-bit warps checked by hand from the fixed-point rule, and properties that need no reference:
// identity and integer shifts reproduce the image, inverse maps, output buffers, border values.

import Testing
@testable import PerceptronVision

/// A deterministic pseudo-random image (64-bit LCG, high byte).
func patternImage(width: Int, height: Int, seed: UInt64) -> GreyImage<UInt8> {
    var state = seed
    let pixels = (0..<(width * height)).map { _ -> UInt8 in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
    return GreyImage(width: width, height: height, pixels: pixels)
}

let allBorders: [BorderMode] = [.constant(0), .constant(77), .replicate, .reflect, .reflect101, .wrap]

@Suite struct WarpHandDerivedTests {
    /// 2x2 image shifted left by half a pixel: dst(x, y) reads src(x + 0.5, y).
    /// X0 = cvRound(0.5 * 1024) + 16 = 528, so column 0 has X = 528 >> 5 = 16 (sx 0, fx 16) and
    /// column 1 X = (528 + 1024) >> 5 = 48 (sx 1, fx 16); rows have fy = 0. Table row 16 is
    /// [16384, 16384, 0, 0]. Pixel (0, 0): (10 * 16384 + 21 * 16384 + 16384) >> 15 = 16 (15.5 up).
    /// Pixel (1, 0) reaches x = 2: constant 0 gives (21 * 16384 + 16384) >> 15 = 11, replicate 21.
    /// Row 1: (30 + 40) / 2 = 35 exactly, and (40 * 16384 + 16384) >> 15 = 20 with constant 0.
    @Test func halfPixelShiftOfTwoByTwo() {
        let image = GreyImage<UInt8>(width: 2, height: 2, pixels: [10, 21, 30, 40])
        let shift = AffineMatrix.translation(x: -0.5, y: 0)
        #expect(warpAffine(image, shift).pixels == [16, 11, 35, 20])
        #expect(warpAffine(image, shift, border: .replicate).pixels == [16, 21, 35, 40])
    }

    /// 3x3, dst(x, y) reads src(x + 1/4, y + 3/4): fx = 8, fy = 24, weights
    /// [0.75 * 0.25, 0.25 * 0.25, 0.75 * 0.75, 0.25 * 0.75] * 32768 = [6144, 2048, 18432, 6144].
    /// Pixel (0, 0) = (0 * 6144 + 100 * 2048 + 50 * 18432 + 150 * 6144 + 16384) >> 15 = 63 (62.5 up).
    @Test func quarterPixelShiftOfThreeByThree() {
        let image = GreyImage<UInt8>(width: 3, height: 3, pixels: [0, 100, 200, 50, 150, 250, 25, 75, 125])
        let out = warpAffine(image, .translation(x: -0.25, y: -0.75))
        #expect(out[0, 0] == 63)
        // (100 * 6144 + 200 * 2048 + 150 * 18432 + 250 * 6144 + 16384) >> 15 = 162.5 -> 163
        #expect(out[1, 0] == 163)
    }

    /// Nearest adds 512 (half a pixel in 1/1024) before `>> 10`, so exact halves round up:
    /// reading x + 0.5 takes column x + 1, reading x - 0.5 takes column x.
    @Test func nearestRoundsHalvesUp() {
        let image = GreyImage<UInt8>(width: 4, height: 1, pixels: [1, 2, 3, 4])
        #expect(warpAffine(image, .translation(x: -0.5, y: 0), interpolation: .nearest).pixels == [2, 3, 4, 0])
        #expect(warpAffine(image, .translation(x: 0.5, y: 0), interpolation: .nearest).pixels == [1, 2, 3, 4])
    }

    @Test(arguments: Interpolation.allCases)
    func identityReproducesTheImage(interpolation: Interpolation) {
        let image = patternImage(width: 9, height: 6, seed: 1)
        for border in allBorders {
            #expect(warpAffine(image, .identity, interpolation: interpolation, border: border) == image)
        }
    }

    @Test(arguments: Interpolation.allCases)
    func integerShiftMovesPixelsExactly(interpolation: Interpolation) {
        let image = patternImage(width: 7, height: 5, seed: 2)
        let shift = AffineMatrix.translation(x: 2, y: -1)    // dst(x, y) = src(x - 2, y + 1)
        let constant = warpAffine(image, shift, interpolation: interpolation, border: .constant(77))
        let replicate = warpAffine(image, shift, interpolation: interpolation, border: .replicate)
        for y in 0..<5 {
            for x in 0..<7 {
                let (sx, sy) = (x - 2, y + 1)
                let inside = sx >= 0 && sx < 7 && sy >= 0 && sy < 5
                #expect(constant[x, y] == (inside ? image[sx, sy] : 77))
                #expect(replicate[x, y] == image[min(max(sx, 0), 6), min(max(sy, 0), 4)])
            }
        }
    }

    @Test(arguments: Interpolation.allCases)
    func inverseMapTakesTheMatrixAsDestinationToSource(interpolation: Interpolation) {
        let image = patternImage(width: 11, height: 8, seed: 3)
        let m = rotationMatrix2D(center: (5, 3.5), angle: 17, scale: 1.2)
        for border in allBorders {
            let forward = warpAffine(image, m, interpolation: interpolation, border: border)
            let inverse = warpAffine(image, m.inverted(), interpolation: interpolation, border: border,
                                     inverseMap: true)
            #expect(forward == inverse)
        }
    }

    @Test func outputVariantsAgree() {
        let image = patternImage(width: 10, height: 7, seed: 4)
        let m = AffineMatrix.shear(x: 0.3, y: -0.1, about: (x: 5, y: 3))
        let expected = warpAffine(image, m, size: (6, 9), interpolation: .cubic, border: .reflect101)
        #expect(expected.width == 6 && expected.height == 9)
        var reused = GreyImage<UInt8>(width: 6, height: 9, fill: 99)
        warpAffine(image, m, interpolation: .cubic, border: .reflect101, into: &reused)
        #expect(reused == expected)
        var flat = [UInt8](repeating: 0, count: 54)
        image.pixels.withUnsafeBufferPointer { source in
            flat.withUnsafeMutableBufferPointer { output in
                warpAffine(source, width: 10, height: 7, m, into: output, size: (6, 9),
                           interpolation: .cubic, border: .reflect101)
            }
        }
        #expect(flat == expected.pixels)
        #expect(warpAffine(image, m).width == 10, "no size keeps the source size")
    }

    @Test func constantBorderValueIsRoundedHalfToEvenAndSaturated() {
        let image = patternImage(width: 3, height: 3, seed: 5)
        let away = AffineMatrix.translation(x: 50, y: 0)
        for interpolation in Interpolation.allCases {
            for (value, expected) in [(77.5, 78), (76.5, 76), (300, 255), (-3, 0)] as [(Double, UInt8)] {
                let out = warpAffine(image, away, interpolation: interpolation, border: .constant(value))
                #expect(out.pixels.allSatisfy { $0 == expected }, "\(interpolation) \(value)")
            }
        }
    }

    @Test func singlePixelImageUnderEveryBorder() {
        let image = GreyImage<UInt8>(width: 1, height: 1, pixels: [200])
        let m = AffineMatrix.translation(x: 0.5, y: -0.25)
        for interpolation in Interpolation.allCases {
            for border in [BorderMode.replicate, .reflect, .reflect101, .wrap] {
                let out = warpAffine(image, m, size: (3, 2), interpolation: interpolation, border: border)
                #expect(out.pixels == [UInt8](repeating: 200, count: 6), "\(interpolation) \(border)")
            }
        }
    }

    /// OpenCV's `borderInterpolate` loop, as written there, against the closed forms.
    @Test func borderIndexMatchesOpenCVsLoop() {
        func reference(_ p: Int, _ n: Int, _ rule: BorderRule) -> Int {
            if p >= 0 && p < n { return p }
            switch rule {
            case .constant: return -1
            case .replicate: return p < 0 ? 0 : n - 1
            case .wrap:
                var q = p
                if q < 0 { q -= ((q - n + 1) / n) * n }
                if q >= n { q %= n }
                return q
            case .reflect, .reflect101:
                let delta = rule == .reflect101 ? 1 : 0
                if n == 1 { return 0 }
                var q = p
                repeat { q = q < 0 ? -q - 1 + delta : n - 1 - (q - n) - delta } while q < 0 || q >= n
                return q
            }
        }
        for rule in [BorderRule.constant, .replicate, .reflect, .reflect101, .wrap] {
            for n in 1...7 {
                for p in -60...60 {
                    #expect(rule.index(p, count: n) == reference(p, n, rule), "\(rule) p \(p) n \(n)")
                }
            }
        }
    }
}
