// The fixed-point interpolation tables: every row sums to 32768, the t = 0 fix-up OpenCV applies,
// and rows derived by hand from the bilinear and Keys (a = -0.75) weights.

import Testing
@testable import PerceptronVision

@Suite struct WarpTablesTests {
    @Test(arguments: [(2, 1), (4, 2)])
    func everyRowSumsToTheScale(size k: Int, tableIndex: Int) {
        let table = tableIndex == 1 ? WarpTables.linear : WarpTables.cubic
        #expect(table.count == 1024 * k * k)
        for row in 0..<1024 {
            let sum = table[(row * k * k)..<((row + 1) * k * k)].reduce(0) { $0 + Int($1) }
            #expect(sum == 32768, "row \(row) sums to \(sum)")
        }
    }

    @Test func rowZeroCarriesOpenCVsSumFixUp() {
        // 1.0 * 32768 saturates to 32767; the missing 1 goes to the first largest weight in
        // OpenCV's search window (offsets k/2...k/2+1), which holds only zeros here.
        #expect(Array(WarpTables.linear[0..<4]) == [32767, 0, 0, 1])
        var cubic = [Int16](repeating: 0, count: 16)
        cubic[5] = 32767
        cubic[10] = 1
        #expect(Array(WarpTables.cubic[0..<16]) == cubic)
    }

    @Test func bilinearRowsAreExactProducts() {
        // fx = 8/32, fy = 24/32: (0.75, 0.25) x (0.25, 0.75) in 1/32768 units.
        let row = 24 * 32 + 8
        #expect(Array(WarpTables.linear[(row * 4)..<(row * 4 + 4)]) == [6144, 2048, 18432, 6144])
        for fy in 0..<32 {
            for fx in 0..<32 where fx + fy > 0 {
                let r = (fy * 32 + fx) * 4
                let expected = [(32 - fx) * (32 - fy), fx * (32 - fy), (32 - fx) * fy, fx * fy].map { Int16($0 * 32) }
                #expect(Array(WarpTables.linear[r..<(r + 4)]) == expected)
            }
        }
    }

    @Test func bicubicHalfPixelRowFollowsKeys() {
        // t = 1/2, a = -0.75: W(1.5) = a (1.5^3 - 5 * 1.5^2 + 8 * 1.5 - 4) = -0.09375,
        // W(0.5) = (a + 2) 0.125 - (a + 3) 0.25 + 1 = 0.59375; times 32768: -3072 and 19456.
        // fy = 0 puts the whole weight on the second row of the 4x4 block.
        let r = 16 * 16
        #expect(Array(WarpTables.cubic[r..<(r + 16)]) ==
                [0, 0, 0, 0, -3072, 19456, 19456, -3072, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func cubicCoefficientsSumToOneAndInterpolate() {
        #expect(WarpTables.cubicCoefficients(0) == [0, 1, 0, 0])
        for i in 0..<32 {
            let c = WarpTables.cubicCoefficients(Float(i) / 32)
            #expect(abs(c.reduce(0, +) - 1) < 1e-6)
        }
    }
}
