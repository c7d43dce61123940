// Tests of reductions along one axis (sum, mean, max, argmax) against plain loops, and of
// whole-tensor reductions.

import Testing
@testable import PerceptronTensor

/// A reduction along `axis` of a rank-3 tensor written out index by index.
private func referenceReduce(_ t: Tensor, axis: Int, initial: Float, _ combine: (Float, Float) -> Float) -> [Float] {
    let s = t.shape
    var out: [Float] = []
    switch axis {
    case 0:
        for j in 0..<s[1] { for k in 0..<s[2] { out.append((0..<s[0]).reduce(initial) { combine($0, t[$1, j, k]) }) } }
    case 1:
        for i in 0..<s[0] { for k in 0..<s[2] { out.append((0..<s[1]).reduce(initial) { combine($0, t[i, $1, k]) }) } }
    default:
        for i in 0..<s[0] { for j in 0..<s[1] { out.append((0..<s[2]).reduce(initial) { combine($0, t[i, j, $1]) }) } }
    }
    return out
}

@Suite struct ReductionTests {
    /// Distinct values in a scrambled order, so each axis has its maximum somewhere different.
    let cube = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float(($0 * 7) % 24) - 11 })

    @Test(arguments: [0, 1, 2])
    func sumMeanAndMaxMatchPlainLoops(axis: Int) {
        var expectedShape = cube.shape
        expectedShape.remove(at: axis)
        let length = Float(cube.shape[axis])

        let sum = cube.sum(axis: axis)
        #expect(sum.shape == expectedShape)
        #expect(sum.scalars == referenceReduce(cube, axis: axis, initial: 0, +))

        let mean = cube.mean(axis: axis)
        #expect(mean.shape == expectedShape)
        #expect(mean.scalars == referenceReduce(cube, axis: axis, initial: 0, +).map { $0 / length })

        let max = cube.max(axis: axis)
        #expect(max.shape == expectedShape)
        #expect(max.scalars == referenceReduce(cube, axis: axis, initial: -.infinity, Swift.max))
    }

    @Test(arguments: [0, 1, 2])
    func negativeAxesCountFromTheEnd(axis: Int) {
        let negative = axis - 3
        #expect(cube.sum(axis: negative) == cube.sum(axis: axis))
        #expect(cube.mean(axis: negative) == cube.mean(axis: axis))
        #expect(cube.max(axis: negative) == cube.max(axis: axis))
        #expect(cube.argmax(axis: negative) == cube.argmax(axis: axis))
    }

    @Test(arguments: [0, 1, 2])
    func keepingTheDimensionLeavesALengthOneAxis(axis: Int) {
        var expectedShape = cube.shape
        expectedShape[axis] = 1
        let kept = cube.sum(axis: axis, keepingDimension: true)
        #expect(kept.shape == expectedShape)
        #expect(kept.scalars == cube.sum(axis: axis).scalars)
        #expect(cube.max(axis: axis, keepingDimension: true).shape == expectedShape)
        #expect(cube.mean(axis: axis, keepingDimension: true).shape == expectedShape)
    }

    @Test func keptMeansCentreColumns() {
        let x = Tensor(rows: [[1, 2, 3], [4, 6, 8]])
        #expect(x.mean(axis: 1).scalars == [2, 6])
        let columnMeans = x.mean(axis: 0, keepingDimension: true)
        #expect(columnMeans.shape == [1, 3])
        #expect((x - columnMeans.reshaped([3])).scalars == [-1.5, -2, -2.5, 1.5, 2, 2.5])
    }

    @Test func argmaxMatchesAPlainLoop() {
        for axis in 0..<3 {
            let indices = cube.argmax(axis: axis)
            let maxima = cube.max(axis: axis).scalars
            #expect(indices.count == maxima.count)
            // Every index points at the maximum of its slice.
            var position = 0
            let s = cube.shape
            for a in 0..<(axis == 0 ? s[1] : s[0]) {
                for b in 0..<(axis == 2 ? s[1] : s[2]) {
                    let index = indices[position]
                    let value: Float
                    switch axis {
                    case 0: value = cube[index, a, b]
                    case 1: value = cube[a, index, b]
                    default: value = cube[a, b, index]
                    }
                    #expect(value == maxima[position])
                    position += 1
                }
            }
        }
    }

    @Test func argmaxTiesGoToTheFirstMaximum() {
        let rows = Tensor(rows: [[1, 5, 5, 2], [7, 7, 7, 7], [0, 0, 0, 3], [-1, -2, -1, -3]])
        #expect(rows.argmax(axis: 1) == [1, 0, 3, 0])
        #expect(rows.argmax(axis: -1) == [1, 0, 3, 0])
        let columns = Tensor(rows: [[3, 1, 0], [3, 2, 0], [1, 2, 0]])
        #expect(columns.argmax(axis: 0) == [0, 1, 0])
    }

    @Test func argmaxPrefersNumbersToNaN() {
        #expect(Tensor(rows: [[.nan, 1, 3, 2]]).argmax(axis: 1) == [2])
        #expect(Tensor(rows: [[-.infinity, -.infinity]]).argmax(axis: 1) == [0])
    }

    @Test func argmaxOfALengthOneAxisIsZero() {
        #expect(Tensor(shape: [3, 1], scalars: [4, 5, 6]).argmax(axis: 1) == [0, 0, 0])
    }

    @Test func meanOfAnEmptyAxisIsZero() {
        let empty = Tensor(shape: [2, 0])
        #expect(empty.sum(axis: 1).scalars == [0, 0])
        #expect(empty.mean(axis: 1).scalars == [0, 0])
    }

    @Test func wholeTensorReductions() {
        let t = Tensor(rows: [[1, -4, 2], [8, 0.5, -3]])
        #expect(t.sum() == 4.5)
        #expect(t.mean() == 0.75)
        #expect(t.max() == 8)
        #expect(t.min() == -4)
        #expect(Tensor.empty.sum() == 0)
        #expect(Tensor.empty.mean().isNaN)
        #expect(Tensor.empty.max() == -.infinity)
        #expect(Tensor.empty.min() == .infinity)
    }

    @Test func wholeTensorSumAccumulatesInDouble() {
        // 2^24 + 1 + 1 + ... : a Float accumulator would stay at 2^24 forever.
        let t = Tensor([16_777_216] + [Float](repeating: 1, count: 1000))
        #expect(t.sum() == 16_778_216)
    }
}
