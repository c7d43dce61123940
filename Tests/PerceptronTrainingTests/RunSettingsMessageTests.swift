// The messages of settings out of range name the limit or the rule that was broken.

import PerceptronTraining
import Testing

@Suite struct RunSettingsMessageTests {
    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error.localizedDescription)"
        }
    }

    @Test func hiddenWidthNamesItsLimit() {
        var settings = RunSettings()
        settings.hidden = [512, 100_000]
        let text = message { try settings.validate() }
        #expect(text.contains("1 to 65536") && text.contains("512,100000"), "\(text)")
        settings.hidden = [65536]
        #expect(message { try settings.validate() } == "no error")
        settings.hidden = [0]
        #expect(message { try settings.validate() }.contains("1 to 65536"))
    }

    @Test func zoomNamesItsRule() {
        let parsed = message { _ = try RunSettings.AugmentationSettings(parsing: "rotation=20,shift=3,zoom=2") }
        #expect(parsed.contains("zoom must be below 1") && parsed.contains("1 - zoom to 1 + zoom") && parsed.contains("zoom=2"),
                "\(parsed)")
        #expect(!parsed.contains("at least one of"), "\(parsed)")
        var settings = RunSettings()
        settings.augmentation = RunSettings.AugmentationSettings(rotation: 10, zoom: 1.5)
        let validated = message { try settings.validate() }
        #expect(validated.contains("zoom must be below 1") && validated.contains("zoom=1.5"), "\(validated)")
        #expect(message { _ = try RunSettings.AugmentationSettings(parsing: "") }.contains("at least one of"))
        #expect(message { _ = try RunSettings.AugmentationSettings(parsing: "zoom=0.99") } == "no error")
    }
}
