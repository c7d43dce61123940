// Tests of the bundled MNIST: the four files hash to the published SHA-256 values, and the
// loaded tensors have the known shapes, labels, counts and pixels.
//
// Pinned facts from Python 3 with numpy 2.4:
//     labels = np.frombuffer(gzip.open('train-labels-idx1-ubyte.gz').read()[8:], np.uint8)
//     images = np.frombuffer(gzip.open('train-images-idx3-ubyte.gz').read()[16:], np.uint8).reshape(-1, 28, 28)
//     labels[:10], np.bincount(labels), images[0][6], images[0].sum(), images.sum()
// and the same for t10k.

import Foundation
import PerceptronIO
import PerceptronTensor
import Testing
@testable import PerceptronData

/// The bundled MNIST, loaded once for every test that needs it.
let bundledMNIST = Result { try MNIST.load() }

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func fipsExamples(message: String, digest: String) {
        #expect(SHA256.hex(Array(message.utf8)) == digest)
    }

    /// Lengths around the padding boundary (55 bytes fit one block with the length, 56 do not),
    /// from Python's hashlib.sha256(b"a" * n).hexdigest().
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func paddingBoundaries(length: Int, digest: String) {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: length)) == digest)
    }
}

@Suite struct BundledMNISTTests {
    /// The published SHA-256 of each uncompressed file (see the dataset's README).
    @Test(arguments: [
        ("train-images-idx3-ubyte", 47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        ("train-labels-idx1-ubyte", 60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        ("t10k-images-idx3-ubyte", 7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        ("t10k-labels-idx1-ubyte", 10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ])
    func bundledFilesAreTheGenuineMNIST(name: String, size: Int, sha256: String) throws {
        let folder = try bundledMNIST.get().folder
        let compressed = try FileIO.read(folder.appendingPathComponent(name + ".gz"))
        let file = try Zlib.inflate(compressed, format: .gzip)
        #expect(file.count == size)
        #expect(SHA256.hex(file) == sha256)
    }

    @Test func shapesMatchKeras() throws {
        let mnist = try bundledMNIST.get()
        #expect(mnist.trainImages.shape == [60000, 28, 28])
        #expect(mnist.trainLabels.shape == [60000])
        #expect(mnist.testImages.shape == [10000, 28, 28])
        #expect(mnist.testLabels.shape == [10000])
        #expect(mnist.classCount == 10)
    }

    @Test func labelsAndTheirCounts() throws {
        let mnist = try bundledMNIST.get()
        #expect(mnist.trainLabels.bytes.allSatisfy { $0 <= 9 })
        #expect(mnist.testLabels.bytes.allSatisfy { $0 <= 9 })
        #expect(Array(mnist.trainLabels.bytes.prefix(10)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
        #expect(Array(mnist.testLabels.bytes.prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        func histogram(_ labels: [UInt8]) -> [Int] {
            labels.reduce(into: [Int](repeating: 0, count: 10)) { $0[Int($1)] += 1 }
        }
        #expect(histogram(mnist.trainLabels.bytes) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(histogram(mnist.testLabels.bytes) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    }

    @Test func knownPixels() throws {
        let mnist = try bundledMNIST.get()
        let five = mnist.trainImages[row: 0]
        #expect((0..<28).map { five[6, $0] } == [0, 0, 0, 0, 0, 0, 0, 0, 30, 36, 94, 154, 170, 253, 253, 253,
                                                  253, 253, 225, 172, 253, 242, 195, 64, 0, 0, 0, 0])
        #expect(mnist.trainImages[0, 6, 14] == 253)
        #expect(mnist.trainImages[0, 0, 0] == 0)
        func total(_ image: ByteTensor) -> Int { image.bytes.reduce(0) { $0 + Int($1) } }
        #expect(total(five) == 27525)
        #expect(total(mnist.trainImages[row: 59999]) == 20920)
        #expect(total(mnist.testImages[row: 0]) == 18454)
        #expect(total(mnist.testImages[row: 9999]) == 41833)
        #expect(total(mnist.testImages) == 264_923_200)
    }

    @Test func everyPixelIsAByteOfTheFile() throws {
        // The loaded tensor is the file's payload after its 16-byte header, unchanged.
        let mnist = try bundledMNIST.get()
        let file = try Zlib.inflate(try FileIO.read(mnist.folder.appendingPathComponent("t10k-images-idx3-ubyte.gz")), format: .gzip)
        #expect(Array(file[16...]) == mnist.testImages.bytes)
        #expect(Array(file[..<16]) == [0, 0, 8, 3, 0, 0, 0x27, 0x10, 0, 0, 0, 28, 0, 0, 0, 28])
    }
}
