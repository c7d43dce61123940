// Box-filter downscaling for display, and terminal drawing that fits large images to the
// terminal while leaving a digit pixel for pixel.

import Testing
@testable import PerceptronVision

struct DownscaleTests {
    @Test func wholeFactorsAverageBlocks() {
        let image = GreyImage<UInt8>(width: 4, height: 4, pixels: [
            0, 2, 10, 10,
            4, 6, 10, 11,
            255, 255, 1, 2,
            255, 254, 3, 4,
        ])
        // Means 3, 10.25, 254.75, 2.5: rounded half to even as saturate_cast does.
        #expect(image.downscaled(toFitWidth: 2, height: 2) == GreyImage(width: 2, height: 2, pixels: [3, 10, 255, 2]))
        #expect(image.downscaled(toFitWidth: 4, height: 9) == image, "an image that fits is kept")
        // The sum is 1082; 1082 / 16 = 67.625.
        #expect(image.downscaled(toFitWidth: 1, height: 1).pixels == [68])
    }

    /// Against the definition, pixel by pixel: input (x, y) goes to output
    /// (x * w / W, y * h / H), and each output pixel is the mean of what goes to it.
    @Test(arguments: [(296, 316, 38, 36), (400, 400, 38, 36), (7, 33, 5, 4), (100, 3, 9, 9)])
    func oddFactorsMatchTheDefinition(width: Int, height: Int, maxWidth: Int, maxHeight: Int) {
        let image = GreyImage<UInt8>(width: width, height: height,
                                     pixels: (0..<width * height).map { UInt8(($0 * 37 + $0 / width * 11) % 256) })
        let small = image.downscaled(toFitWidth: maxWidth, height: maxHeight)
        #expect(small.width <= maxWidth && small.height <= maxHeight)
        let scale = max(Double(width) / Double(maxWidth), Double(height) / Double(maxHeight))
        #expect(small.width == max(1, Int((Double(width) / scale).rounded())))
        #expect(small.height == max(1, Int((Double(height) / scale).rounded())))
        for oy in 0..<small.height {
            for ox in 0..<small.width {
                var sum = 0, count = 0
                for y in 0..<height where y * small.height / height == oy {
                    for x in 0..<width where x * small.width / width == ox {
                        sum += Int(image[x, y])
                        count += 1
                    }
                }
                #expect(count > 0)
                #expect(small[ox, oy] == UInt8(saturating: Float(Double(sum) / Double(count))), "pixel \(ox), \(oy)")
            }
        }
    }

    @Test func proportionsAreKept() {
        let photo = GreyImage<UInt8>(width: 296, height: 316)
        let small = photo.downscaled(toFitWidth: 38, height: 36)
        #expect(small.width == 34 && small.height == 36)
    }
}

struct TerminalImageFitTests {
    static let digit = GreyImage<UInt8>(width: 28, height: 28, pixels: (0..<784).map { $0 % 28 < 14 ? 0 : UInt8($0 % 251) })

    /// The plain drawing as first written: each row's characters, trailing spaces dropped.
    static func plainReference(_ image: GreyImage<UInt8>) -> String {
        let ramp = Array(" .:-=+*#%@")
        var out = ""
        for y in 0..<image.height {
            var line = ""
            for x in 0..<image.width {
                let level = Int(image[x, y]) * (ramp.count - 1) / 255
                line += String(repeating: ramp[level], count: 2)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    @Test func plainDrawingMatchesTheReference() {
        var blankRows = Self.digit
        for x in 0..<28 { blankRows[x, 3] = 0 }
        for image in [Self.digit, blankRows, GreyImage<UInt8>(width: 5, height: 2, fill: 255)] {
            #expect(TerminalImage.render(image, style: .plain) == Self.plainReference(image))
        }
    }

    @Test func aDigitIsDrawnWholeEvenInANarrowTerminal() {
        for style in [TerminalImage.Style.plain, .ansi] {
            let fitted = TerminalImage.renderSideBySide([Self.digit, Self.digit], style: style, columns: 40, lines: 10)
            #expect(fitted == TerminalImage.renderSideBySide([Self.digit, Self.digit], style: style))
        }
    }

    @Test func largeImagesFitTheTerminal() {
        let photo = GreyImage<UInt8>(width: 400, height: 400, pixels: (0..<160_000).map { UInt8($0 % 256) })
        let ansi = TerminalImage.renderSideBySide([photo, photo], style: .ansi, columns: 100, lines: 40)
        let ansiLines = ansi.split(separator: "\n")
        // Each picture gets (100 - 4) / 2 = 48 columns and 2 * (40 - 6) = 68 pixel rows: 48 x 48.
        #expect(ansiLines.count == 24)
        #expect(ansiLines.allSatisfy { $0.filter { $0 == "▀" }.count == 96 })
        let plain = TerminalImage.renderSideBySide([photo, photo], style: .plain, columns: 100, lines: 40)
        let plainLines = plain.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // 24 columns of two characters would be narrower than a digit: 28 x 28, 116 columns.
        #expect(plainLines.count == 28 && plainLines.allSatisfy { $0.count <= 116 })
        #expect(TerminalImage.displayBox(count: 2, style: .plain, columns: 100, lines: 40) == (28, 34))
        #expect(TerminalImage.displayBox(count: 2, style: .ansi, columns: 100, lines: 40) == (48, 68))
        #expect(TerminalImage.displayBox(count: 1, style: .ansi, columns: 200, lines: 60) == (200, 108))
    }
}
