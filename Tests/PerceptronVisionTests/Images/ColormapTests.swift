// Colormaps: 'gray' is the identity and 'Greys' is matplotlib's table byte for byte, held here as
// printed by Scripts/reference/greys_colormap.py (matplotlib 3.11.2).

import Testing
@testable import PerceptronVision

struct ColormapTests {
    /// `matplotlib.colormaps["Greys"](numpy.arange(256), bytes=True)[:, 0]`, matplotlib 3.11.2.
    static let matplotlibGreys: [UInt8] = [
        255, 254, 254, 253, 253, 252, 252, 251, 251, 250, 250, 249, 249, 248, 248, 247, 247, 247, 246, 246,
        245, 245, 244, 244, 243, 243, 242, 242, 241, 241, 240, 240, 239, 239, 238, 237, 237, 236, 235, 234,
        234, 233, 232, 231, 231, 230, 229, 229, 228, 227, 226, 226, 225, 224, 224, 223, 222, 221, 221, 220,
        219, 218, 218, 217, 216, 215, 215, 214, 213, 212, 211, 210, 209, 208, 207, 207, 206, 205, 204, 203,
        202, 201, 200, 200, 199, 198, 197, 196, 195, 194, 193, 193, 192, 191, 190, 189, 188, 187, 186, 184,
        183, 182, 181, 179, 178, 177, 176, 175, 173, 172, 171, 170, 168, 167, 166, 165, 164, 162, 161, 160,
        159, 157, 156, 155, 154, 153, 151, 150, 149, 148, 147, 146, 145, 143, 142, 141, 140, 139, 138, 137,
        136, 135, 134, 132, 131, 130, 129, 128, 127, 126, 125, 124, 123, 122, 120, 119, 118, 117, 116, 115,
        114, 113, 112, 111, 110, 109, 108, 107, 106, 105, 104, 102, 101, 100, 99, 98, 97, 96, 95, 94,
        93, 92, 91, 90, 89, 88, 87, 86, 85, 84, 83, 82, 80, 79, 78, 76, 75, 73, 72, 71,
        69, 68, 66, 65, 64, 62, 61, 59, 58, 56, 55, 54, 52, 51, 49, 48, 47, 45, 44, 42,
        41, 40, 38, 37, 35, 34, 33, 32, 31, 30, 29, 27, 26, 25, 24, 23, 22, 20, 19, 18,
        17, 16, 15, 13, 12, 11, 10, 9, 8, 6, 5, 4, 3, 2, 1, 0,
    ]

    @Test func greysIsMatplotlibsTable() {
        #expect(Colormap.greys.table == Self.matplotlibGreys)
        // Not the linear 255 - v: lighter in the middle.
        #expect(Colormap.greys(128) == 149)
        #expect(255 - 128 == 127)
    }

    @Test func grayIsTheIdentity() {
        #expect(Colormap.gray.table == (0...255).map { UInt8($0) })
    }

    @Test func applyingAndColorizing() {
        let image = GreyImage<UInt8>(width: 3, height: 1, pixels: [0, 128, 255])
        #expect(image.applying(.greys).pixels == [255, 149, 0])
        #expect(image.applying(.gray) == image)
        #expect(image.colorized(.greys) == ColorImage(width: 3, height: 1, channels: 3,
                                                      bytes: [255, 255, 255, 149, 149, 149, 0, 0, 0]))
    }
}
