// Nearest-neighbour upscaling by whole factors, grey and colour.

import Testing
@testable import PerceptronVision

struct UpscaleTests {
    @Test func everyPixelBecomesABlock() {
        let image = GreyImage<UInt8>(width: 2, height: 2, pixels: [1, 2, 3, 4])
        #expect(image.upscaled(by: 3) == GreyImage(width: 6, height: 6, pixels: [
            1, 1, 1, 2, 2, 2,
            1, 1, 1, 2, 2, 2,
            1, 1, 1, 2, 2, 2,
            3, 3, 3, 4, 4, 4,
            3, 3, 3, 4, 4, 4,
            3, 3, 3, 4, 4, 4,
        ]))
        #expect(image.upscaled(by: 1) == image)
    }

    @Test func aDigitAtScaleTenIs280Square() {
        let digit = GreyImage<UInt8>(width: 28, height: 28, pixels: (0..<784).map { UInt8($0 % 251) })
        let big = digit.upscaled(by: 10)
        #expect(big.width == 280 && big.height == 280)
        for (x, y) in [(0, 0), (279, 279), (135, 77), (9, 10), (10, 9)] {
            #expect(big[x, y] == digit[x / 10, y / 10])
        }
        let floats = GreyImage<Float>(width: 1, height: 2, pixels: [0.5, -1]).upscaled(by: 2)
        #expect(floats.pixels == [0.5, 0.5, 0.5, 0.5, -1, -1, -1, -1])
    }

    @Test func colourKeepsItsChannels() {
        let image = ColorImage(width: 2, height: 1, channels: 4, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(image.upscaled(by: 2) == ColorImage(width: 4, height: 2, channels: 4, bytes: [
            1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8,
            1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8,
        ]))
    }
}
