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

    @Test("The matrices drawn follow the documented order")
    func order() {
        var generator = SeededGenerator(seed: 7)
        var replay = generator
        let matrices = RandomAffine(rotation: 15, shift: 3, zoom: 0.1).matrices(count: 200, height: 28, width: 28, generator: &generator)
        for m in matrices {
            let angle = (2 * replay.nextDouble() - 1) * 15
            let dx = (2 * replay.nextDouble() - 1) * 3
            let dy = (2 * replay.nextDouble() - 1) * 3
            let scale = 1 + (2 * replay.nextDouble() - 1) * 0.1
            var expected = rotationMatrix2D(center: (13.5, 13.5), angle: angle, scale: scale)
            expected.m02 += dx
            expected.m12 += dy
            #expect(m == expected)
        }
    }

    @Test("The matrices drawn stay within the ranges and span them both ways")
    func ranges() {
        var generator = SeededGenerator(seed: 7)
        let matrices = RandomAffine(rotation: 15, shift: 3, zoom: 0.1).matrices(count: 200, height: 28, width: 28, generator: &generator)
        // Each matrix read back: getRotationMatrix2D is [[a, b, tx], [-b, a, ty]] with
        // a = s cos(angle), b = s sin(angle), and it keeps the centre (13.5, 13.5) in place,
        // so where the centre goes is the shift.
        var angles: [Double] = [], scales: [Double] = [], shifts: [(x: Double, y: Double)] = []
        for m in matrices {
            #expect(abs(m.m10 + m.m01) < 1e-12 && abs(m.m11 - m.m00) < 1e-12, "not a rotation and scale: \(m)")
            angles.append(atan2(m.m01, m.m00) * 180 / .pi)
            scales.append((m.m00 * m.m00 + m.m01 * m.m01).squareRoot())
            shifts.append((m.m00 * 13.5 + m.m01 * 13.5 + m.m02 - 13.5, m.m10 * 13.5 + m.m11 * 13.5 + m.m12 - 13.5))
        }
        let tolerance = 1e-9
        #expect(angles.allSatisfy { abs($0) <= 15 + tolerance }, "angles \(angles.min()!)...\(angles.max()!)")
        #expect(scales.allSatisfy { abs($0 - 1) <= 0.1 + tolerance }, "scales \(scales.min()!)...\(scales.max()!)")
        #expect(shifts.allSatisfy { abs($0.x) <= 3 + tolerance && abs($0.y) <= 3 + tolerance })
        // 200 uniform draws reach within a tenth of each end of every range.
        #expect(angles.min()! < -13.5 && angles.max()! > 13.5)
        #expect(scales.min()! < 0.91 && scales.max()! > 1.09)
        #expect(shifts.map(\.x).min()! < -2.7 && shifts.map(\.x).max()! > 2.7)
        #expect(shifts.map(\.y).min()! < -2.7 && shifts.map(\.y).max()! > 2.7)
    }

    @Test("The warped batch moves a centred spot by at most the shift range")
    func warpedBatchWithinRange() {
        // A 2x2 spot on the centre of rotation: rotation and zoom keep its centre of mass in
        // place (up to interpolation), so only the shift moves it.
        var spot = [Float](repeating: 0, count: 784)
        for (x, y) in [(13, 13), (14, 13), (13, 14), (14, 14)] { spot[y * 28 + x] = 1 }
        let count = 200
        var batch = Tensor(shape: [count, 28, 28, 1], scalars: Array([[Float]](repeating: spot, count: count).joined()))
        var generator = SeededGenerator(seed: 11)
        RandomAffine(rotation: 15, shift: 3, zoom: 0.1).augment(&batch, generator: &generator)
        let pixels = batch.scalars
        var centres: [(x: Double, y: Double)] = []
        for image in 0..<count {
            var mass = 0.0, sumX = 0.0, sumY = 0.0
            for y in 0..<28 {
                for x in 0..<28 {
                    let value = Double(pixels[image * 784 + y * 28 + x])
                    mass += value; sumX += value * Double(x); sumY += value * Double(y)
                }
            }
            centres.append((sumX / mass - 13.5, sumY / mass - 13.5))
        }
        #expect(centres.allSatisfy { abs($0.x) <= 3.1 && abs($0.y) <= 3.1 },
                "largest move \(centres.map { max(abs($0.x), abs($0.y)) }.max()!)")
        #expect(centres.map(\.x).min()! < -2.5 && centres.map(\.x).max()! > 2.5)
        #expect(centres.map(\.y).min()! < -2.5 && centres.map(\.y).max()! > 2.5)
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
