// The luma rule (OpenCV's IMREAD_GRAYSCALE, truncating) and the alpha rules, on hand-checkable
// values. Whole-file agreement with OpenCV is in PNGFixtureTests.

import Testing
@testable import PerceptronVision

struct GreyscaleTests {
    @Test func lumaIsLibpngsTruncatingFixedPoint() {
        #expect(ColorImage.luma(red: 255, green: 0, blue: 0) == 76)   // 9797 * 255 >> 15 = 76.2
        #expect(ColorImage.luma(red: 0, green: 255, blue: 0) == 149)  // 19234 * 255 >> 15 = 149.7
        #expect(ColorImage.luma(red: 0, green: 0, blue: 255) == 29)   // 3737 * 255 >> 15 = 29.08
        // Rounding 0.114 * 5 = 0.57 would give 1; OpenCV's imread gives 0.
        #expect(ColorImage.luma(red: 0, green: 0, blue: 5) == 0)
        for v in 0...255 {
            let grey = UInt8(v)
            #expect(ColorImage.luma(red: grey, green: grey, blue: grey) == grey)
        }
    }

    @Test func alphaRules() {
        #expect(AlphaHandling.ignore.apply(grey: 10, alpha: 0) == 10)
        #expect(AlphaHandling.compositeOverWhite.apply(grey: 10, alpha: 0) == 255)
        #expect(AlphaHandling.compositeOverWhite.apply(grey: 10, alpha: 255) == 10)
        #expect(AlphaHandling.compositeOverWhite.apply(grey: 0, alpha: 128) == 127)   // 127.0 exactly
        #expect(AlphaHandling.compositeOverBlack.apply(grey: 255, alpha: 128) == 128)
        #expect(AlphaHandling.compositeOverBlack.apply(grey: 200, alpha: 0) == 0)
    }

    @Test func colorImagesBecomeGrey() {
        let rgba = ColorImage(width: 2, height: 1, channels: 4, bytes: [255, 0, 0, 255, 0, 0, 255, 0])
        #expect(rgba.greyscaled().pixels == [76, 29])
        #expect(rgba.greyscaled(alpha: .compositeOverWhite).pixels == [76, 255])
        let rgb = ColorImage(width: 1, height: 1, channels: 3, bytes: [10, 123, 236])
        #expect(rgb.greyscaled().pixels == [102])
    }
}
