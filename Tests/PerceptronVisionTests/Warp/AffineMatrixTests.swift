// AffineMatrix: applying, composing, inverting, and the translation / scaling / shear / rotation
// constructors. OpenCV's exact bits for rotation and inversion are checked in OpenCVGoldenTests.

import Testing
@testable import PerceptronVision

@Suite struct AffineMatrixTests {
    let a = AffineMatrix(m00: 2, m01: -1, m02: 3, m10: 0.5, m11: 4, m12: -2)
    let b = AffineMatrix(m00: 1, m01: 3, m02: -1, m10: -2, m11: 0.25, m12: 5)

    @Test func applyUsesRowTimesColumn() {
        let p = a.apply(to: (x: 1.5, y: -2))
        let x: Double = 2 * 1.5 + 2 + 3        // m00 x + m01 y + m02
        let y: Double = 0.5 * 1.5 - 8 - 2      // m10 x + m11 y + m12
        #expect(p.x == x && p.y == y)
        #expect(AffineMatrix.identity.apply(to: (x: 7, y: 9)) == (7, 9))
    }

    @Test func productAppliesRightFactorFirst() {
        // Dyadic entries: every product and sum below is exact, so equality is exact.
        for p in [(x: 0.0, y: 0.0), (x: 1.0, y: 2.0), (x: -3.5, y: 0.25)] {
            let viaProduct = (a * b).apply(to: p)
            let stepwise = a.apply(to: b.apply(to: p))
            #expect(viaProduct == stepwise)
            #expect(b.concatenating(a).apply(to: p) == stepwise)
        }
        #expect(a * .identity == a && AffineMatrix.identity * a == a)
    }

    @Test func rowsInitialiserAndEntriesRoundTrip() {
        let m = AffineMatrix(rows: [[2, -1, 3], [0.5, 4, -2]])
        #expect(m == a)
        #expect(m.entries == [2, -1, 3, 0.5, 4, -2])
        #expect(m.determinant == 2 * 4 - (-1 * 0.5))
    }

    @Test func inverseUndoesTheMatrix() {
        let inverse = a.inverted()
        for p in [(x: 0.0, y: 0.0), (x: 5.0, y: -1.0), (x: 13.25, y: 7.5)] {
            let back = inverse.apply(to: a.apply(to: p))
            #expect(abs(back.x - p.x) < 1e-12 && abs(back.y - p.y) < 1e-12)
        }
        #expect(invertAffineTransform(a) == inverse)
    }

    @Test func singularMatrixInvertsToZerosAsOpenCV() {
        let singular = AffineMatrix(m00: 1, m01: 2, m02: 0.5, m10: 0.5, m11: 1, m12: 0.25)
        #expect(singular.inverted().entries.allSatisfy { $0 == 0 })
    }

    @Test func translationScalingAndShearFollowTheirFormulas() {
        #expect(AffineMatrix.translation(x: 3, y: -2).apply(to: (x: 1, y: 1)) == (4, -1))
        let s = AffineMatrix.scaling(x: 0.5, y: 2, about: (x: 10, y: 4))
        #expect(s.apply(to: (x: 10, y: 4)) == (10, 4))
        #expect(s.apply(to: (x: 12, y: 5)) == (11, 6))
        #expect(AffineMatrix.scaling(by: 3) == AffineMatrix(m00: 3, m01: 0, m02: 0, m10: 0, m11: 3, m12: 0))
        let shear = AffineMatrix.shear(x: 0.5, y: 0.25, about: (x: 2, y: 4))
        #expect(shear.apply(to: (x: 2, y: 4)) == (2, 4))
        #expect(shear.apply(to: (x: 2, y: 6)) == (3, 6))      // x + 0.5 (6 - 4)
        #expect(shear.apply(to: (x: 6, y: 4)) == (6, 5))      // y + 0.25 (6 - 2)
    }

    @Test func positiveAngleTurnsCounterClockwiseOnScreen() {
        // y points down, so a point right of the centre moves up (smaller y).
        let r = AffineMatrix.rotation(degrees: 90, about: (x: 10, y: 10))
        let p = r.apply(to: (x: 11, y: 10))
        #expect(abs(p.x - 10) < 1e-12 && abs(p.y - 9) < 1e-12)
        #expect(r == rotationMatrix2D(center: (10, 10), angle: 90, scale: 1))
        let c = rotationMatrix2D(center: (5, 7), angle: 33, scale: 1.5).apply(to: (x: 5, y: 7))
        #expect(abs(c.x - 5) < 1e-12 && abs(c.y - 7) < 1e-12, "the centre is fixed")
    }

    @Test func rotationCentreIsRoundedToFloatAsOpenCVPoint2f() {
        let m = rotationMatrix2D(center: (0.1, 0.7), angle: 20, scale: 1)
        let alpha = m.m00, beta = m.m01
        let cx = Double(Float(0.1)), cy = Double(Float(0.7))
        #expect(m.m02 == (1 - alpha) * cx - beta * cy)
        #expect(m.m02 != (1 - alpha) * 0.1 - beta * 0.7)
    }
}
