// Tests of Tensor's construction, copy-on-write storage, shape changes, row selection,
// subscripts and equality. Arithmetic is in ElementwiseTests.swift, reductions in ReductionTests.swift.

import Testing
@testable import PerceptronTensor

/// The address of a tensor's storage, to tell shared storage from a copy.
func storageAddress(_ tensor: Tensor) -> UnsafePointer<Float>? {
    tensor.withUnsafeBufferPointer { $0.baseAddress }
}

/// Whether `tensor` owns its storage alone (a free function, as `#expect` cannot call a
/// mutating method).
func isUnique(_ tensor: inout Tensor) -> Bool { tensor.isUniquelyOwned() }

/// `0, 1, 2, ...` in the given shape.
func iota(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, scalars: (0..<Tensor.elementCount(shape)).map(Float.init))
}

@Suite struct TensorTests {
    @Test func initialisersSetShapeCountAndScalars() {
        let filled = Tensor(shape: [2, 3, 4], repeating: 1.5)
        #expect(filled.shape == [2, 3, 4])
        #expect(filled.count == 24)
        #expect(filled.rank == 3)
        #expect(filled.scalars == [Float](repeating: 1.5, count: 24))

        let vector = Tensor([1, 2, 3])
        #expect(vector.shape == [3])
        #expect(vector.scalars == [1, 2, 3])

        let matrix = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(matrix.shape == [2, 3])
        #expect(matrix.scalars == [1, 2, 3, 4, 5, 6])

        let scalar = Tensor(shape: [], scalars: [7])
        #expect(scalar.rank == 0 && scalar.count == 1 && scalar.scalar == 7)

        #expect(Tensor.zeros([2, 2]).scalars == [0, 0, 0, 0])
        #expect(Tensor.ones([3]).scalars == [1, 1, 1])
        #expect(Tensor.empty.shape == [0] && Tensor.empty.count == 0 && Tensor.empty.scalars.isEmpty)
        #expect(Tensor(shape: [4, 0, 3]).count == 0)
    }

    @Test(arguments: [([Int](), 1), ([5], 5), ([2, 3], 6), ([2, 0, 9], 0), ([1, 1, 1, 7], 7)])
    func elementCountIsTheProductOfTheShape(shape: [Int], expected: Int) {
        #expect(Tensor.elementCount(shape) == expected)
    }

    @Test func copiesShareStorageUntilOneIsMutated() {
        var original = Tensor([1, 2, 3, 4])
        #expect(isUnique(&original))
        var copy = original
        #expect(storageAddress(copy) == storageAddress(original))
        #expect(!isUnique(&original))

        copy[2] = 30
        #expect(copy.scalars == [1, 2, 30, 4])
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(storageAddress(copy) != storageAddress(original))
        #expect(isUnique(&original))
        #expect(isUnique(&copy))
    }

    @Test func mutatingAUniqueTensorDoesNotCopy() {
        var tensor = Tensor([1, 2, 3])
        let before = storageAddress(tensor)
        tensor[0] = 10
        tensor.withUnsafeMutableBufferPointer { $0[1] = 20 }
        tensor.fill(5)
        #expect(storageAddress(tensor) == before)
        #expect(tensor.scalars == [5, 5, 5])
    }

    @Test func everyMutatorCopiesSharedStorage() {
        let original = Tensor([1, 2, 3])
        var a = original, b = original, c = original, d = original
        a.fill(0)
        b += Tensor([1, 1, 1])
        c *= 2
        d.withUnsafeMutableBufferPointer { $0[0] = -1 }
        #expect(original.scalars == [1, 2, 3])
        #expect(a.scalars == [0, 0, 0])
        #expect(b.scalars == [2, 3, 4])
        #expect(c.scalars == [2, 4, 6])
        #expect(d.scalars == [-1, 2, 3])
    }

    @Test func reshapedSharesStorageAndCopiesOnWrite() {
        let original = iota([2, 3])
        var reshaped = original.reshaped([3, 2])
        #expect(storageAddress(reshaped) == storageAddress(original))
        reshaped[0, 1] = 100
        #expect(original.scalars == [0, 1, 2, 3, 4, 5])
        #expect(reshaped.scalars == [0, 100, 2, 3, 4, 5])
    }

    @Test func reuseKeepsUniqueStorageOfTheSameShape() {
        var buffer = Tensor(shape: [2, 3], repeating: 1)
        let address = storageAddress(buffer)
        Tensor.reuse(&buffer, shape: [2, 3])
        #expect(storageAddress(buffer) == address)
        #expect(buffer.shape == [2, 3])
    }

    @Test func reuseAllocatesForANewShape() {
        var buffer = Tensor(shape: [2, 3], repeating: 1)
        Tensor.reuse(&buffer, shape: [4, 5])
        #expect(buffer.shape == [4, 5])
        #expect(buffer.count == 20)
        #expect(isUnique(&buffer))
    }

    @Test func reuseNeverWritesIntoStorageSomeoneElseHolds() {
        var buffer = Tensor(shape: [2, 3], repeating: 1)
        let kept = buffer
        Tensor.reuse(&buffer, shape: [2, 3])
        #expect(storageAddress(buffer) != storageAddress(kept))
        #expect(isUnique(&buffer))
        buffer.fill(9)
        #expect(kept.scalars == [Float](repeating: 1, count: 6))
    }

    @Test(arguments: [
        ([2, 3, 4], [-1, 4], [6, 4]),
        ([2, 3, 4], [2, -1], [2, 12]),
        ([2, 3, 4], [-1], [24]),
        ([2, 3, 4], [4, -1, 2], [4, 3, 2]),
        ([6], [1, -1, 1], [1, 6, 1]),
        ([0, 5], [-1, 5], [0, 5]),
        ([3], [3], [3]),
    ])
    func reshapedInfersOneDimension(from: [Int], to: [Int], expected: [Int]) {
        let tensor = iota(from)
        let reshaped = tensor.reshaped(to)
        #expect(reshaped.shape == expected)
        #expect(reshaped.scalars == tensor.scalars)
    }

    @Test func flattenedBatchKeepsTheFirstAxis() {
        #expect(iota([5, 2, 3]).flattenedBatch().shape == [5, 6])
        #expect(iota([5]).flattenedBatch().shape == [5, 1])
        #expect(Tensor(shape: [0, 28, 28]).flattenedBatch().shape == [0, 0])
        #expect(iota([3, 4, 2]).rowWidth == 8)
    }

    @Test func rowsCopiesARangeOfTheFirstAxis() {
        let tensor = iota([4, 2, 3])
        let middle = tensor.rows(1..<3)
        #expect(middle.shape == [2, 2, 3])
        #expect(middle.scalars == (6..<18).map(Float.init))
        #expect(tensor.rows(4..<4).shape == [0, 2, 3])
        #expect(tensor.rows(0..<4) == tensor)

        var changed = middle
        changed.fill(-1)
        #expect(tensor.scalars == (0..<24).map(Float.init))
    }

    @Test func rowSubscriptDropsTheFirstAxis() {
        let tensor = iota([3, 2, 2])
        #expect(tensor[row: 2].shape == [2, 2])
        #expect(tensor[row: 2].scalars == [8, 9, 10, 11])
        #expect(iota([3])[row: 1].shape == [])
        #expect(iota([3])[row: 1].scalar == 1)
    }

    @Test func gatheredPicksRowsInTheOrderGiven() {
        let tensor = iota([4, 3])
        let picked = tensor.gathered(rows: [3, 0, 3, 1])
        #expect(picked.shape == [4, 3])
        #expect(picked.scalars == [9, 10, 11, 0, 1, 2, 9, 10, 11, 3, 4, 5])
        #expect(tensor.gathered(rows: []).shape == [0, 3])
        #expect(iota([5]).gathered(rows: [4, 2]).scalars == [4, 2])
    }

    @Test func concatenatedStacksAlongTheFirstAxis() {
        let a = iota([2, 3])
        let b = iota([1, 3]) + 100
        let empty = Tensor(shape: [0, 3])
        let joined = Tensor.concatenated([a, empty, b, a])
        #expect(joined.shape == [5, 3])
        #expect(joined.scalars == [0, 1, 2, 3, 4, 5, 100, 101, 102, 0, 1, 2, 3, 4, 5])
        #expect(Tensor.concatenated([a]) == a)
    }

    @Test(arguments: [(1, 1), (1, 7), (7, 1), (3, 5), (33, 17)])
    func transposedSwapsRowsAndColumns(rows: Int, columns: Int) {
        let tensor = iota([rows, columns])
        let transposed = tensor.transposed()
        #expect(transposed.shape == [columns, rows])
        for i in 0..<rows {
            for j in 0..<columns { #expect(transposed[j, i] == tensor[i, j]) }
        }
        #expect(transposed.transposed() == tensor)
    }

    @Test func subscriptsReadAndWriteRowMajor() {
        var tensor = iota([2, 3, 4])
        #expect(tensor[0, 0, 0] == 0)
        #expect(tensor[1, 2, 3] == 23)
        #expect(tensor[1, 0, 2] == 14)
        #expect(tensor[0, 2, 1] == 9)
        tensor[1, 1, 1] = -5
        #expect(tensor.scalars[17] == -5)
        #expect(tensor.flatIndex([1, 1, 1]) == 17)
    }

    @Test func equalityComparesShapeAndEveryScalar() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        #expect(a == Tensor(rows: [[1, 2], [3, 4]]))
        #expect(a != a.reshaped([4]))
        #expect(a != Tensor(shape: [2, 2], scalars: [1, 2, 3, 5]))
        #expect(Tensor([.nan]) != Tensor([.nan]))
        #expect(Tensor([0]) == Tensor([-0.0]))
        #expect(Tensor(shape: [0, 3]) == Tensor(shape: [0, 3]))
        #expect(Tensor(shape: [0, 3]) != Tensor(shape: [3, 0]))
    }

    @Test func descriptionShowsShapeAndSmallContents() {
        #expect(Tensor([1, 2]).description == "Tensor(shape: [2], [1.0, 2.0])")
        #expect(Tensor(shape: [100], repeating: 0).description.hasSuffix("0.0, ...])"))
    }
}
