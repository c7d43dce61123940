// Bit-for-bit agreement with OpenCV 4.x: getRotationMatrix2D, invertAffineTransform and warpAffine
// on the goldens of Scripts/reference/opencv_warp_goldens.py, including the lesson's MNIST digit.

import Testing
@testable import PerceptronVision

/// Whether a rotation matrix has OpenCV's bits. The goldens come from Linux, where OpenCV and this
/// package call the same glibc `cos` and `sin`; another platform's libm may round a rare angle the
/// other way, so there the check allows one unit in the last place.
func sameAsOpenCV(_ m: AffineMatrix, _ golden: AffineMatrix) -> Bool {
    #if os(Linux)
    return m.entries.map(\.bitPattern) == golden.entries.map(\.bitPattern)
    #else
    return zip(m.entries, golden.entries).allSatisfy { $0 == $1 || $0.nextUp == $1 || $0.nextDown == $1 }
    #endif
}

@Suite struct OpenCVGoldenTests {
    @Test func rotationMatrixMatchesOpenCVBitForBit() {
        let rows = goldenRows(OpenCVGoldens.rotations)
        #expect(rows.count == 120)
        for f in rows {
            let (cx, cy) = (goldenDouble(f[0]), goldenDouble(f[1]))
            let (angle, scale) = (goldenDouble(f[2]), goldenDouble(f[3]))
            let expected = goldenMatrix(f[5...10])
            let m = rotationMatrix2D(center: (cx, cy), angle: angle, scale: scale)
            #expect(sameAsOpenCV(m, expected),
                    "getRotationMatrix2D((\(cx), \(cy)), \(angle), \(scale)): \(m) vs \(expected)")
        }
    }

    @Test func inversionMatchesOpenCVBitForBit() {
        let rows = goldenRows(OpenCVGoldens.inversions)
        #expect(rows.count > 50)
        for f in rows {
            let m = goldenMatrix(f[0...5]), expected = goldenMatrix(f[7...12])
            #expect(invertAffineTransform(m).entries.map(\.bitPattern) == expected.entries.map(\.bitPattern),
                    "invertAffineTransform(\(m))")
        }
    }

    @Test(arguments: Goldens.imageNames)
    func warpMatchesOpenCVWithNoDifferingPixel(image name: String) throws {
        let image = try #require(Goldens.images[name])
        let cases = Goldens.warps.filter { $0.image == name }
        #expect(!cases.isEmpty)
        var failing = 0
        for c in cases {
            let out = warpAffine(image, c.matrix, size: (c.width, c.height), interpolation: c.interpolation,
                                 border: c.border, inverseMap: c.inverseMap)
            #expect(out.pixels.count == c.expected.count, "\(c): wrong output size")
            let differing = zip(out.pixels, c.expected).filter { $0 != $1 }.count
            if differing != 0 { failing += 1 }
            #expect(differing == 0, "\(c): \(differing) differing pixels of \(c.expected.count)")
        }
        #expect(failing == 0, "\(failing) of \(cases.count) cases differ for \(name)")
    }

    @Test func allGoldenCasesAreExercised() {
        #expect(Goldens.warps.count == 2676)
        #expect(Set(Goldens.warps.map(\.interpolation)) == Set(Interpolation.allCases))
        #expect(Set(Goldens.warps.map(\.borderName)).count == 6)
    }

    /// The lesson: M = getRotationMatrix2D((20, 25), 20, 1); M[0, 2] += 3; M[1, 2] += 3;
    /// cv2.warpAffine(X_train[5], M, (28, 28)).
    @Test func lessonRotationOfMNISTDigitFiveMatchesOpenCV() throws {
        var m = rotationMatrix2D(center: (20, 25), angle: 20, scale: 1)
        m.m02 += 3
        m.m12 += 3
        let golden = try #require(Goldens.matrices["mnist5 tutorial"])
        #expect(sameAsOpenCV(m, golden))
        let digit = try #require(Goldens.images["mnist5"])
        let expected = try #require(Goldens.warps.first {
            $0.image == "mnist5" && $0.matrixName == "tutorial" && $0.interpolation == .linear
                && $0.borderName == "constant0" && !$0.inverseMap
        })
        let out = warpAffine(digit, m, size: (28, 28))
        let differing = zip(out.pixels, expected.expected).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of 784 pixels differ from cv2.warpAffine")
        #expect(out.pixels.contains { $0 > 200 }, "the rotated digit keeps its strokes")
    }
}
