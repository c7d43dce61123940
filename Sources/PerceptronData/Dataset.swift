// Image classification datasets in the MNIST layout: the bundled MNIST and any folder of the
// four standard IDX files (Fashion-MNIST, KMNIST...), plus one-hot encoding.

import Foundation
import PerceptronIO
import PerceptronMNIST
import PerceptronTensor

/// A dataset problem that is not about one file's bytes (missing files, mismatched counts).
public struct DatasetError: LocalizedError, Equatable, Sendable {
    /// What is wrong, naming the folder or file and a way to fix it.
    public let message: String
    /// An error reporting `message`.
    public init(_ message: String) { self.message = message }
    /// `message`, as `LocalizedError` presents it.
    public var errorDescription: String? { message }
}

/// Training and test images with their labels, as `tf.keras.datasets.mnist.load_data()` gives them.
public struct MNIST: Sendable {
    /// `[60000, 28, 28]` pixels 0...255 for MNIST.
    public let trainImages: ByteTensor
    /// `[60000]` labels 0...9.
    public let trainLabels: ByteTensor
    /// `[10000, 28, 28]`.
    public let testImages: ByteTensor
    /// `[10000]`.
    public let testLabels: ByteTensor
    /// The folder the files came from.
    public let folder: URL

    /// Number of classes: one more than the largest label.
    public var classCount: Int { Int(max(trainLabels.bytes.max() ?? 0, testLabels.bytes.max() ?? 0)) + 1 }

    /// Loads the bundled MNIST (offline, no download), or the four IDX files in `folder`.
    ///
    /// In `folder`, each of `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    /// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` may be raw or end in `.gz`.
    ///
    /// - Throws: `DatasetError` when a file is missing or counts disagree; `IDXError` for a bad file.
    public static func load(from folder: URL? = nil) throws -> MNIST {
        let root: URL
        if let folder { root = folder } else {
            guard let bundled = BundledMNIST.folder else {
                throw DatasetError("the bundled MNIST files were not found next to the executable; pass a folder with --data-dir")
            }
            root = bundled
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
            throw DatasetError("\(root.path): no such folder; a dataset folder holds the four MNIST-layout IDX files")
        }
        guard isFolder.boolValue else {
            throw DatasetError("\(root.path) is a file, not a folder; a dataset folder holds the four MNIST-layout IDX files")
        }
        func file(_ stem: String) throws -> URL {
            for candidate in [stem, stem + ".gz"] {
                let url = root.appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
            // Some mirrors use dots: t10k-images.idx3-ubyte.
            let dotted = stem.replacingOccurrences(of: "-idx", with: ".idx")
            for candidate in [dotted, dotted + ".gz"] {
                let url = root.appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
            throw DatasetError("\(root.path): missing \(stem) (or \(stem).gz); a dataset folder holds the four MNIST-layout IDX files")
        }
        let trainImages = try images(file("train-images-idx3-ubyte"))
        let trainLabels = try labels(file("train-labels-idx1-ubyte"))
        let testImages = try images(file("t10k-images-idx3-ubyte"))
        let testLabels = try labels(file("t10k-labels-idx1-ubyte"))
        guard trainImages.shape[0] == trainLabels.count else {
            throw DatasetError("\(root.path): \(trainImages.shape[0]) training images but \(trainLabels.count) training labels")
        }
        guard testImages.shape[0] == testLabels.count else {
            throw DatasetError("\(root.path): \(testImages.shape[0]) test images but \(testLabels.count) test labels")
        }
        guard Array(trainImages.shape.dropFirst()) == Array(testImages.shape.dropFirst()) else {
            throw DatasetError("\(root.path): training images are \(trainImages.shape.dropFirst()) but test images are \(testImages.shape.dropFirst())")
        }
        return MNIST(trainImages: trainImages, trainLabels: trainLabels, testImages: testImages,
                     testLabels: testLabels, folder: root)
    }

    static func images(_ url: URL) throws -> ByteTensor {
        let array = try IDX.read(url)
        guard array.type == .uint8, array.shape.count == 3 else {
            throw IDXError(.badRank, path: url.path, "expected unsigned-byte images [N, H, W], found \(array.type) of shape \(array.shape)")
        }
        return array.bytes!
    }

    static func labels(_ url: URL) throws -> ByteTensor {
        let array = try IDX.read(url)
        guard array.type == .uint8, array.shape.count == 1 else {
            throw IDXError(.badRank, path: url.path, "expected unsigned-byte labels [N], found \(array.type) of shape \(array.shape)")
        }
        return array.bytes!
    }
}

/// Labels as one-hot rows, like `keras.utils.to_categorical(labels, classes)`: `[N] -> [N, classes]`.
public func oneHot(_ labels: ByteTensor, classes: Int) -> Tensor {
    oneHot(labels.bytes.map(Int.init), classes: classes)
}

/// Integer labels as one-hot rows `[N, classes]`; every label must be in `0..<classes`.
public func oneHot(_ labels: [Int], classes: Int) -> Tensor {
    precondition(classes > 0, "oneHot needs a positive class count, got \(classes)")
    var result = Tensor.zeros([labels.count, classes])
    result.withUnsafeMutableBufferPointer { out in
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classes, "label \(label) at index \(row) is outside 0..<\(classes)")
            out[row * classes + label] = 1
        }
    }
    return result
}
