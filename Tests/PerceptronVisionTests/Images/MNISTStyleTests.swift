// MNIST's normalisation of a drawing: the ink's box, area resampling, the 20x20 fit with the
// aspect kept, and the centre of mass moved to the centre of the 28x28 field.

import Testing
@testable import PerceptronVision

struct MNISTStyleTests {
    /// A `width` x `height` canvas with the rectangle `(x, y, w, h)` filled with `value`.
    func canvas(_ width: Int, _ height: Int, ink: (x: Int, y: Int, w: Int, h: Int), value: UInt8 = 255) -> GreyImage<UInt8> {
        var image = GreyImage<UInt8>(width: width, height: height)
        for y in ink.y..<ink.y + ink.h { for x in ink.x..<ink.x + ink.w { image.pixels[y * width + x] = value } }
        return image
    }

    @Test func inkBoundsFindTheRectangleAndNothingOnBlank() {
        let box = MNISTStyle.inkBounds(canvas(50, 40, ink: (7, 3, 11, 20)))
        #expect(box?.x == 7 && box?.y == 3 && box?.width == 11 && box?.height == 20)
        #expect(MNISTStyle.inkBounds(GreyImage<UInt8>(width: 9, height: 9)) == nil)
    }

    @Test func areaResampleAveragesBlocksExactly() {
        // 4x4 blocks of 0, 40, 80, ... shrink to one pixel each.
        var image = GreyImage<UInt8>(width: 8, height: 8)
        for y in 0..<8 { for x in 0..<8 { image.pixels[y * 8 + x] = UInt8(((y / 4) * 2 + x / 4) * 40) } }
        let small = MNISTStyle.areaResample(image, region: (0, 0, 8, 8), width: 2, height: 2)
        #expect(small.pixels == [0, 40, 80, 120])
        // A third of a pixel: 3 -> 2 weighs the middle pixel half into each side.
        let row = GreyImage<UInt8>(width: 3, height: 1, pixels: [30, 60, 90])
        let halves = MNISTStyle.areaResample(row, region: (0, 0, 3, 1), width: 2, height: 1)
        #expect(abs(halves.pixels[0] - 40) < 1e-4 && abs(halves.pixels[1] - 80) < 1e-4)
    }

    @Test func centerOfMassIsTheWeightedMean() {
        var image = GreyImage<Float>(width: 5, height: 3)
        image.pixels[0 * 5 + 1] = 1
        image.pixels[2 * 5 + 4] = 3
        let centre = MNISTStyle.centerOfMass(image)
        #expect(centre?.x == (1 + 12) / 4.0 && centre?.y == 6 / 4.0)
        #expect(MNISTStyle.centerOfMass(GreyImage<Float>(width: 2, height: 2)) == nil)
    }

    @Test func aTallStrokeFitsTwentyHighWithItsAspectKept() {
        // 30 wide, 120 high: scaled by 1/6 to 5x20, centred at (13.5, 13.5) to the nearest pixel.
        let digit = MNISTStyle.digitize(canvas(400, 300, ink: (200, 100, 30, 120)))
        let box = MNISTStyle.inkBounds(digit)
        #expect(box?.width == 5 && box?.height == 20)
        let centre = MNISTStyle.centerOfMass(digit.asFloat())!
        #expect(abs(centre.x - 13.5) <= 0.5 && abs(centre.y - 13.5) <= 0.5)
        #expect(digit.pixels.max() == 255)
    }

    @Test func theCentreOfMassNotTheBoxIsCentred() {
        // An L: a heavy vertical bar and a thin foot. The box is 20x20; its mass leans left.
        var image = canvas(100, 100, ink: (10, 10, 10, 100 - 10))
        for y in 90..<100 { for x in 10..<100 { image.pixels[y * 100 + x] = 255 } }
        let digit = MNISTStyle.digitize(image)
        let box = MNISTStyle.inkBounds(digit)!
        #expect(box.width == 20 && box.height == 20)
        // Box-centred would put the left edge at 4; the mass pulls it right.
        #expect(box.x > 4)
        let centre = MNISTStyle.centerOfMass(digit.asFloat())!
        #expect(abs(centre.x - 13.5) <= 0.5 && abs(centre.y - 13.5) <= 0.5)
    }

    @Test func inkIsNeverCutOff() {
        // Mass far in one corner of a full box: the offset is held so the box stays inside.
        var image = canvas(40, 40, ink: (0, 0, 2, 2))
        image.pixels[39 * 40 + 39] = 255
        let digit = MNISTStyle.digitize(image)
        let box = MNISTStyle.inkBounds(digit)!
        #expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= 28 && box.y + box.height <= 28)
        #expect(box.width == 20 && box.height == 20)
    }

    @Test func blankDrawingsGiveABlankField() {
        let digit = MNISTStyle.digitize(GreyImage<UInt8>(width: 280, height: 280))
        #expect(digit.width == 28 && digit.height == 28 && digit.pixels.allSatisfy { $0 == 0 })
    }

    @Test func plainDownsampleStretchesTheWholeCanvas() {
        // A 280x280 canvas with its left half inked: 14 columns of 255, 14 of 0.
        let plain = MNISTStyle.downsample(canvas(280, 280, ink: (0, 0, 140, 280)))
        #expect(plain.width == 28 && plain.height == 28)
        for y in 0..<28 { #expect(Array(plain.pixels[y * 28..<y * 28 + 28]) == Array(repeating: 255, count: 14) + Array(repeating: 0, count: 14)) }
        // Grey edges: a 2-pixel-wide line on a 56-pixel canvas covers half a pixel's area.
        let thin = MNISTStyle.downsample(canvas(56, 56, ink: (1, 0, 2, 56), value: 200))
        #expect(thin.pixels[0] == 100 && thin.pixels[1] == 100 && thin.pixels[2] == 0)
    }
}
