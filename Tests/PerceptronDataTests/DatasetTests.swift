// Tests of loading an MNIST-layout folder of IDX files (raw, gzip, dotted names), the errors
// for missing files and mismatched counts, and one-hot encoding.

import Foundation
import PerceptronIO
import PerceptronTensor
import Testing
@testable import PerceptronData

/// A small MNIST-layout dataset: `train` and `test` images of 3x2 pixels with labels 0...4.
struct TinyDataset {
    let train: Int
    let test: Int

    func images(_ count: Int, offset: UInt8) -> IDXArray {
        IDXArray(type: .uint8, shape: [count, 3, 2], payload: (0..<count * 6).map { UInt8(truncatingIfNeeded: $0) &+ offset })
    }

    func labels(_ count: Int) -> IDXArray {
        IDXArray(type: .uint8, shape: [count], payload: (0..<count).map { UInt8($0 % 5) })
    }

    /// Writes the four files under `names` (stem to file name), raw unless the name ends in .gz.
    func write(to folder: TemporaryFolder, names: [String: String]) throws {
        let arrays = [
            "train-images-idx3-ubyte": images(train, offset: 0), "train-labels-idx1-ubyte": labels(train),
            "t10k-images-idx3-ubyte": images(test, offset: 100), "t10k-labels-idx1-ubyte": labels(test),
        ]
        for (stem, array) in arrays {
            let name = names[stem] ?? stem
            try folder.write(IDX.encode(array, gzip: name.hasSuffix(".gz")), to: name)
        }
    }
}

@Suite struct DatasetFolderTests {
    @Test func loadsRawGzipAndDottedNames() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tiny = TinyDataset(train: 7, test: 3)
        try tiny.write(to: folder, names: [
            "train-images-idx3-ubyte": "train-images-idx3-ubyte.gz",
            "t10k-images-idx3-ubyte": "t10k-images.idx3-ubyte",
            "t10k-labels-idx1-ubyte": "t10k-labels.idx1-ubyte.gz",
        ])
        let data = try MNIST.load(from: folder.url)
        #expect(data.folder == folder.url)
        #expect(data.trainImages == tiny.images(7, offset: 0).bytes)
        #expect(data.trainLabels.bytes == [0, 1, 2, 3, 4, 0, 1])
        #expect(data.testImages.shape == [3, 3, 2])
        #expect(data.testImages.bytes.first == 100)
        #expect(data.testLabels.bytes == [0, 1, 2])
        #expect(data.classCount == 5)
    }

    @Test func rawFilesWinOverGzipOnes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try TinyDataset(train: 4, test: 2).write(to: folder, names: [:])
        // A second, different training-label file: the raw one is listed first and used.
        try folder.write(IDX.encode(IDXArray(type: .uint8, shape: [4], payload: [9, 9, 9, 9]), gzip: true),
                         to: "train-labels-idx1-ubyte.gz")
        #expect(try MNIST.load(from: folder.url).trainLabels.bytes == [0, 1, 2, 3])
    }

    @Test(arguments: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
    func aMissingFileIsNamed(stem: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try TinyDataset(train: 4, test: 2).write(to: folder, names: [:])
        try FileManager.default.removeItem(at: folder.file(stem))
        let error = try #require(throws: DatasetError.self) { try MNIST.load(from: folder.url) }
        #expect(error.message.contains(stem))
        #expect(error.message.contains(folder.url.path))
        #expect(error.errorDescription == error.message)
    }

    @Test func mismatchedTrainingCountsAreAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tiny = TinyDataset(train: 5, test: 2)
        try tiny.write(to: folder, names: [:])
        try folder.write(IDX.encode(tiny.labels(4)), to: "train-labels-idx1-ubyte")
        let error = try #require(throws: DatasetError.self) { try MNIST.load(from: folder.url) }
        #expect(error.message.contains("5 training images but 4 training labels"))
    }

    @Test func mismatchedTestCountsAreAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tiny = TinyDataset(train: 5, test: 2)
        try tiny.write(to: folder, names: [:])
        try folder.write(IDX.encode(tiny.labels(3)), to: "t10k-labels-idx1-ubyte")
        let error = try #require(throws: DatasetError.self) { try MNIST.load(from: folder.url) }
        #expect(error.message.contains("2 test images but 3 test labels"))
    }

    @Test func trainAndTestImagesMustHaveTheSameSize() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try TinyDataset(train: 2, test: 2).write(to: folder, names: [:])
        try folder.write(IDX.encode(IDXArray(type: .uint8, shape: [2, 2, 3], payload: [UInt8](repeating: 0, count: 12))),
                         to: "t10k-images-idx3-ubyte")
        #expect(throws: DatasetError.self) { try MNIST.load(from: folder.url) }
    }

    @Test func labelsInPlaceOfImagesAreAnIDXError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tiny = TinyDataset(train: 4, test: 2)
        try tiny.write(to: folder, names: [:])
        try folder.write(IDX.encode(tiny.labels(4)), to: "train-images-idx3-ubyte")
        let error = try #require(throws: IDXError.self) { try MNIST.load(from: folder.url) }
        #expect(error.kind == .badRank)
        #expect(error.path.hasSuffix("train-images-idx3-ubyte"))
        #expect(error.detail.contains("[N, H, W]"))
    }

    @Test func nonByteLabelsAreAnIDXError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try TinyDataset(train: 2, test: 2).write(to: folder, names: [:])
        try folder.write(IDX.encode(IDXArray(type: .int16, shape: [2], payload: [0, 1, 0, 2])), to: "train-labels-idx1-ubyte")
        let error = try #require(throws: IDXError.self) { try MNIST.load(from: folder.url) }
        #expect(error.detail.contains("unsigned-byte labels"))
    }

    @Test func aCorruptFileIsAnIDXErrorNamingIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try TinyDataset(train: 2, test: 2).write(to: folder, names: ["t10k-labels-idx1-ubyte": "t10k-labels-idx1-ubyte.gz"])
        try folder.write([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02], to: "t10k-labels-idx1-ubyte.gz")
        let error = try #require(throws: IDXError.self) { try MNIST.load(from: folder.url) }
        #expect(error.kind == .compression)
        #expect(error.errorDescription?.contains("t10k-labels-idx1-ubyte.gz") == true)
    }

    @Test func aMissingFolderIsADatasetError() throws {
        let nowhere = URL(fileURLWithPath: "/nonexistent-perceptron-folder-\(UUID().uuidString)")
        let error = try #require(throws: DatasetError.self) { try MNIST.load(from: nowhere) }
        #expect(error.message.contains(nowhere.path))
    }
}

@Suite struct OneHotTests {
    @Test func rowsHaveASingleOneAtTheLabel() {
        let encoded = oneHot([2, 0, 3, 2], classes: 4)
        #expect(encoded.shape == [4, 4])
        #expect(encoded.scalars == [0, 0, 1, 0,
                                    1, 0, 0, 0,
                                    0, 0, 0, 1,
                                    0, 0, 1, 0])
    }

    @Test func byteLabelsEncodeLikeIntegers() {
        let labels = ByteTensor(shape: [5], bytes: [9, 0, 5, 1, 9])
        let encoded = oneHot(labels, classes: 10)
        #expect(encoded == oneHot([9, 0, 5, 1, 9], classes: 10))
        #expect(encoded.sum(axis: 1).scalars == [1, 1, 1, 1, 1])
        #expect(encoded.argmax(axis: 1) == [9, 0, 5, 1, 9])
    }

    @Test func extraClassesStayZero() {
        let encoded = oneHot([0, 1], classes: 5)
        #expect(encoded.shape == [2, 5])
        #expect(encoded.sum(axis: 0).scalars == [1, 1, 0, 0, 0])
    }

    @Test func noLabelsGiveAnEmptyBatch() {
        #expect(oneHot([Int](), classes: 3).shape == [0, 3])
    }

    @Test func bundledLabelsEncodeToTenClasses() throws {
        let mnist = try bundledMNIST.get()
        let encoded = oneHot(mnist.testLabels, classes: mnist.classCount)
        #expect(encoded.shape == [10000, 10])
        #expect(encoded.sum(axis: 0).scalars == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        #expect(encoded.argmax(axis: 1) == mnist.testLabels.bytes.map(Int.init))
    }
}
