// Tests of element-wise arithmetic: equal shapes, a trailing shape repeated over the leading
// axes (broadcasting), tensor-scalar operators, in-place forms and the maths functions.

import Foundation
import Testing
@testable import PerceptronTensor

@Suite struct ElementwiseTests {
    @Test func equalShapesCombineElementByElement() {
        let a = Tensor(rows: [[1, 2], [3, 4]])
        let b = Tensor(rows: [[10, 20], [30, 40]])
        #expect((a + b).scalars == [11, 22, 33, 44])
        #expect((b - a).scalars == [9, 18, 27, 36])
        #expect((a * b).scalars == [10, 40, 90, 160])
        #expect((b / a).scalars == [10, 10, 10, 10])
        #expect((a + b).shape == [2, 2])
    }

    @Test func aRowVectorRepeatsOverTheBatch() {
        let batch = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        let row = Tensor([10, 20, 30])
        #expect((batch + row) == Tensor(rows: [[11, 22, 33], [14, 25, 36]]))
        #expect((row + batch) == Tensor(rows: [[11, 22, 33], [14, 25, 36]]))
        // The operand order is kept when the smaller tensor is on the left.
        #expect((row - batch) == Tensor(rows: [[9, 18, 27], [6, 15, 24]]))
        #expect((batch - row) == Tensor(rows: [[-9, -18, -27], [-6, -15, -24]]))
        #expect((row / batch).scalars == [10, 10, 10, 2.5, 4, 5])
    }

    @Test func aTrailingShapeRepeatsOverEveryLeadingAxis() {
        let images = iota([2, 2, 3])
        let plane = Tensor(rows: [[1, 1, 1], [2, 2, 2]])
        let sum = images + plane
        #expect(sum.shape == [2, 2, 3])
        #expect(sum.scalars == [1, 2, 3, 5, 6, 7, 7, 8, 9, 11, 12, 13])
        let scaled = images * Tensor([0, 1, 2])
        #expect(scaled.scalars == [0, 1, 4, 0, 4, 10, 0, 7, 16, 0, 10, 22])
    }

    @Test func aOneElementTrailingShapeRepeatsEverywhere() {
        let column = iota([3, 1])
        #expect((column + Tensor([10])).scalars == [10, 11, 12])
    }

    @Test func emptyTensorsBroadcastToEmptyResults() {
        let empty = Tensor(shape: [0, 3])
        #expect((empty + Tensor([1, 2, 3])).shape == [0, 3])
    }

    @Test func scalarOperatorsApplyToEveryElement() {
        let t = Tensor([1, -2, 4])
        #expect((t + 1).scalars == [2, -1, 5])
        #expect((t - 1).scalars == [0, -3, 3])
        #expect((t * 3).scalars == [3, -6, 12])
        #expect((t / 2).scalars == [0.5, -1, 2])
        #expect((1 + t).scalars == [2, -1, 5])
        #expect((1 - t).scalars == [0, 3, -3])
        #expect((3 * t).scalars == [3, -6, 12])
        #expect((-t).scalars == [-1, 2, -4])
    }

    @Test func inPlaceOperatorsMatchTheirPureForms() {
        let a = Tensor([1, 2, 3]), b = Tensor([0.5, -1, 4])
        var sum = a
        sum += b
        #expect(sum == a + b)
        var difference = a
        difference -= b
        #expect(difference == a - b)
        var product = a
        product *= -2
        #expect(product == a * -2)
        var scaled = a
        scaled.addInPlace(b, scale: 3)
        #expect(scaled.scalars == [2.5, -1, 15])
    }

    @Test func mathsFunctionsMatchFoundation() {
        let values: [Float] = [0.25, 1, 2.5, 9]
        let t = Tensor(values)
        #expect(t.exp().scalars == values.map { Foundation.exp($0) })
        #expect(t.log().scalars == values.map { Foundation.log($0) })
        #expect(t.squareRoot().scalars == [0.5, 1, values[2].squareRoot(), 3])
        #expect(t.squared().scalars == [0.0625, 1, 6.25, 81])
        #expect(Tensor([-3, 0.5, 7]).clipped(to: -1...1).scalars == [-1, 0.5, 1])
        #expect(t.map { $0 * 2 + 1 }.scalars == [1.5, 3, 6, 19])
    }

    @Test func isFiniteFindsNaNAndInfinity() {
        #expect(Tensor([1, 2, -3]).isFinite)
        #expect(!Tensor([1, .nan]).isFinite)
        #expect(!Tensor([-.infinity, 0]).isFinite)
        #expect(Tensor.empty.isFinite)
    }
}
