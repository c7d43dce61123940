// History.parseJSON: reading back what History.json() writes, and an error naming the field
// for each flaw.

import Testing
@testable import PerceptronNN

@Suite struct HistoryJSONTests {
    @Test("json() reads back to the same history; null reads as NaN")
    func roundTrip() throws {
        var history = History()
        history.append(epoch: 0, logs: [("loss", 1.7364896535873413), ("accuracy", 0.5)], seconds: 2.1)
        history.append(epoch: 1, logs: [("loss", 0.7120359539985657), ("accuracy", 0.75)], seconds: 1.2)
        #expect(try History.parseJSON(history.json()) == history)

        history.append(epoch: 2, logs: [("loss", .infinity), ("accuracy", .nan)], seconds: .nan)
        let parsed = try History.parseJSON(history.json())
        #expect(parsed.keys == ["loss", "accuracy"] && parsed.epochs == [0, 1, 2])
        #expect(parsed["loss"].prefix(2) == history["loss"].prefix(2) && parsed["loss"][2].isNaN)
        #expect(parsed["accuracy"][2].isNaN && parsed.epochSeconds[2].isNaN)
    }

    @Test("Without 'keys' the keys are sorted; without 'epoch_seconds' the timings are NaN")
    func optionalMembers() throws {
        let parsed = try History.parseJSON(#"{"epochs": [3, 4], "history": {"val_loss": [1, 2], "loss": [0.5, null]}}"#)
        #expect(parsed.keys == ["loss", "val_loss"])
        #expect(parsed.epochs == [3, 4] && parsed["val_loss"] == [1, 2] && parsed["loss"][1].isNaN)
        #expect(parsed.epochSeconds.count == 2 && parsed.epochSeconds.allSatisfy(\.isNaN))
    }

    @Test("parseJSON names the field, what it expected and what it found", arguments: [
        ("", "not a history: invalid JSON at byte 0"),
        ("[1, 2]", "expected a JSON object with 'epochs' and 'history'"),
        (#"{"epochs": [0], "history": {"loss": [1]}"#, "not a history: invalid JSON at byte 40"),
        (#"{"history": {}}"#, "'epochs': expected a list of epoch numbers"),
        (#"{"epochs": [0, -1], "history": {}}"#, "'epochs'[1]: expected a non-negative integer, found -1"),
        (#"{"epochs": [0.5], "history": {}}"#, "'epochs'[0]: expected a non-negative integer, found 0.5"),
        (#"{"epochs": [], "history": []}"#, "'history': expected an object of lists"),
        (#"{"epochs": [], "keys": "loss", "history": {}}"#, "'keys': expected a list of names, found the string \"loss\""),
        (#"{"epochs": [], "keys": [1], "history": {}}"#, "'keys'[0]: expected a name, found 1"),
        (#"{"epochs": [], "keys": ["a", "a"], "history": {"a": []}}"#, "'keys': a name is repeated"),
        (#"{"epochs": [], "keys": ["a"], "history": {}}"#, "'keys' names 'a', which 'history' does not hold"),
        (#"{"epochs": [], "keys": [], "history": {"b": []}}"#, "'history' holds 'b', which 'keys' does not name"),
        (#"{"epochs": [0], "history": {"loss": [1, 2]}}"#, "'history'.'loss': expected 1 values, one per epoch, found 2"),
        (#"{"epochs": [0], "history": {"loss": ["1"]}}"#, "'history'.'loss'[0]: expected a number or null, found the string \"1\""),
        (#"{"epochs": [0], "history": {"loss": {}}}"#, "'history'.'loss': expected a list of numbers, found an object"),
        (#"{"epochs": [0], "history": {}, "epoch_seconds": [true]}"#, "'epoch_seconds'[0]: expected a number or null, found true"),
    ])
    func errors(_ text: String, _ fragment: String) {
        do {
            _ = try History.parseJSON(text, path: "history.json")
            Issue.record("parsed without error")
        } catch let error as HistoryFileError {
            #expect(error.path == "history.json")
            #expect(error.errorDescription?.hasPrefix("history.json: ") == true)
            #expect(error.detail.contains(fragment), "\(error.detail)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
