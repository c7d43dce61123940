// Tests of the shared colour type: hexadecimal in and out, greys, and the named colours both
// the charts (CSS names) and the pictures (matplotlib's tab: colours) rely on.

import Testing
import PerceptronIO

@Suite struct RGBColorTests {
    @Test func hexRoundTrips() {
        let color = RGBColor(hex: 0xD55E00)
        #expect(color == RGBColor(red: 0xD5, green: 0x5E, blue: 0x00))
        #expect(color.hexString == "#d55e00")
        #expect(RGBColor(hex: 0xFF_0A0B0C).hexString == "#0a0b0c")
    }

    @Test func greyHasEqualChannels() {
        #expect(RGBColor(grey: 120) == RGBColor(red: 120, green: 120, blue: 120))
        #expect(RGBColor(grey: 0) == .black && RGBColor(grey: 255) == .white)
    }

    @Test func namedColorsKeepTheirValues() {
        #expect([RGBColor.red, .green, .blue, .orange, .gray].map(\.hexString)
                == ["#ff0000", "#008000", "#0000ff", "#ffa500", "#808080"])
        #expect([RGBColor.tabRed, .tabGreen, .tabBlue].map(\.hexString) == ["#d62728", "#2ca02c", "#1f77b4"])
    }
}
