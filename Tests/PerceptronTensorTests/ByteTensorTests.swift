// Tests of ByteTensor: shape checks, reshaping, rows, subscripts and conversion to Float.

import Testing
@testable import PerceptronTensor

@Suite struct ByteTensorTests {
    /// `[3, 2, 2]` holding 0, 1, ..., 11.
    let cube = ByteTensor(shape: [3, 2, 2], bytes: (0..<12).map(UInt8.init))

    @Test func shapeCountAndRank() {
        #expect(cube.shape == [3, 2, 2])
        #expect(cube.count == 12)
        #expect(cube.rank == 3)
        #expect(cube.rowWidth == 4)
        #expect(ByteTensor(shape: [5], bytes: [1, 2, 3, 4, 5]).rowWidth == 1)
    }

    @Test func reshapedKeepsBytesAndInfersOneDimension() {
        let flat = cube.reshaped([-1, 4])
        #expect(flat.shape == [3, 4])
        #expect(flat.bytes == cube.bytes)
        #expect(cube.reshaped([12]).shape == [12])
        #expect(cube.reshaped([2, -1, 3]).shape == [2, 2, 3])
    }

    @Test func asFloatConvertsEveryValue() {
        let bytes = ByteTensor(shape: [2, 3], bytes: [0, 1, 127, 128, 254, 255])
        let floats = bytes.asFloat()
        #expect(floats.shape == [2, 3])
        #expect(floats.scalars == [0, 1, 127, 128, 254, 255])
        #expect(ByteTensor(shape: [0, 4], bytes: []).asFloat().shape == [0, 4])
    }

    @Test func rowSubscriptAndRowsCopyAlongTheFirstAxis() {
        #expect(cube[row: 1] == ByteTensor(shape: [2, 2], bytes: [4, 5, 6, 7]))
        #expect(cube[row: 2].bytes == [8, 9, 10, 11])
        #expect(cube.rows(1..<3) == ByteTensor(shape: [2, 2, 2], bytes: (4..<12).map(UInt8.init)))
        #expect(cube.rows(0..<0).shape == [0, 2, 2])
        #expect(cube.rows(0..<3) == cube)
    }

    @Test func subscriptReadsRowMajor() {
        #expect(cube[0, 0, 0] == 0)
        #expect(cube[0, 1, 0] == 2)
        #expect(cube[1, 0, 1] == 5)
        #expect(cube[2, 1, 1] == 11)
    }

    @Test func equalityNeedsEqualShapesAndBytes() {
        #expect(cube != cube.reshaped([3, 4]))
        #expect(cube == ByteTensor(shape: [3, 2, 2], bytes: (0..<12).map(UInt8.init)))
        #expect(cube != ByteTensor(shape: [3, 2, 2], bytes: (1..<13).map(UInt8.init)))
    }
}
