// RandomAffine: the documented draws, reproducibility, and the warp it applies.

import Foundation
import Testing
@testable import PerceptronData
import PerceptronTensor
import PerceptronVision

@Suite struct RandomAffineTests {
    @Test("Zero ranges give identity transforms and leave images unchanged")
    func identity() {
        var generator = SeededGenerator(seed: 1)
        let matrices = RandomAffine().matrices(count: 3, height: 28, width: 28, generator: &generator)
        #expect(matrices.allSatisfy { $0 == rotationMatrix2D(center: (13.5, 13.5), angle: 0, scale: 1) })
        var batch = Tensor(shape: [2, 784], scalars: (0..<1568).map { Float($0 % 255) / 255 })
        let before = batch
        RandomAffine().augment(&batch, generator: &generator)
        #expect(batch == before)
    }

    @Test("Draws stay within the ranges and follow the documented order")
    func ranges() {
        var generator = SeededGenerator(seed: 7)
        var replay = generator
        let augmentation = RandomAffine(rotation: 15, shift: 3, zoom: 0.1)
        let matrices = augmentation.matrices(count: 200, height: 28, width: 28, generator: &generator)
        for m in matrices {
            let angle = (2 * replay.nextDouble() - 1) * 15
            let dx = (2 * replay.nextDouble() - 1) * 3
            let dy = (2 * replay.nextDouble() - 1) * 3
            let scale = 1 + (2 * replay.nextDouble() - 1) * 0.1
            var expected = rotationMatrix2D(center: (13.5, 13.5), angle: angle, scale: scale)
            expected.m02 += dx
            expected.m12 += dy
            #expect(m == expected)
            #expect(abs(angle) <= 15)
            #expect(abs(dx) <= 3)
            #expect(abs(dy) <= 3)
            #expect(abs(scale - 1) <= 0.1)
        }
    }

    @Test("The same generator state gives the same augmented batch; it matches warping each image")
    func reproducible() {
        let bytes: [UInt8] = (try? MNIST.load()).map { Array($0.trainImages.bytes.prefix(4 * 784)) } ?? []
        let images: [Float] = bytes.map { Float($0) / 255 }
        var a = Tensor(shape: [4, 28, 28, 1], scalars: images), b = a
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3)
        let augmentation = RandomAffine(rotation: 20, shift: 3)
        augmentation.augment(&a, generator: &g1)
        augmentation.augment(&b, generator: &g2)
        #expect(a == b)
        var g3 = SeededGenerator(seed: 3)
        let matrices = augmentation.matrices(count: 4, height: 28, width: 28, generator: &g3)
        for index in 0..<4 {
            let source = GreyImage<Float>(width: 28, height: 28, pixels: Array(images[(index * 784)..<((index + 1) * 784)]))
            let expected = warpAffine(source, matrices[index])
            #expect(Array(a.scalars[(index * 784)..<((index + 1) * 784)]) == expected.pixels)
        }
    }
}
