// History: Keras's per-epoch record, its CSV (CSVLogger's layout) and JSON forms, and the
// checked CSV reader.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO
import PerceptronTensor

@Suite struct HistoryTests {
    /// The lesson job's history (Scripts/reference/fit_progress.py 1, "### history").
    private func lessonHistory() -> History {
        var history = History()
        history.append(epoch: 0, logs: [("categorical_accuracy", 0.5535416603088379), ("loss", 1.7364896535873413),
                                        ("val_categorical_accuracy", 0.8100000023841858), ("val_loss", 0.9500324726104736)], seconds: 2.1)
        history.append(epoch: 1, logs: [("categorical_accuracy", 0.8318750262260437), ("loss", 0.7120359539985657),
                                        ("val_categorical_accuracy", 0.8658333420753479), ("val_loss", 0.4712170362472534)], seconds: 1.2)
        return history
    }

    @Test("Keys keep their first-logged order; values line up by epoch; missing values are NaN")
    func append() {
        var history = lessonHistory()
        #expect(history.keys == ["categorical_accuracy", "loss", "val_categorical_accuracy", "val_loss"])
        #expect(history.epochs == [0, 1] && history.epochSeconds == [2.1, 1.2])
        #expect(history["loss"] == [1.7364896535873413, 0.7120359539985657])
        #expect(history["missing"] == [])
        history.append(epoch: 2, logs: [("loss", 0.5), ("lr", 0.001)], seconds: 1)
        #expect(history.keys.last == "lr")
        #expect(history["lr"].count == 3 && history["lr"][0].isNaN && history["lr"][1].isNaN && history["lr"][2] == 0.001)
        #expect(history["val_loss"].count == 3 && history["val_loss"][2].isNaN)
    }

    @Test("CSV: epoch then the sorted keys, full precision, and it reads back")
    func csvRoundTrip() throws {
        let history = lessonHistory()
        let csv = history.csv()
        let lines = csv.split(separator: "\n")
        #expect(lines[0] == "epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss")
        #expect(lines[1] == "0,0.5535416603088379,1.7364896535873413,0.8100000023841858,0.9500324726104736")
        #expect(csv.hasSuffix("\n") && lines.count == 3)
        let parsed = try History.parseCSV(csv)
        #expect(parsed.epochs == history.epochs && parsed.keys == history.keys && parsed.history == history.history)
        #expect(parsed.epochSeconds.count == 2 && parsed.epochSeconds.allSatisfy(\.isNaN))
    }

    @Test("CSV: nan and infinities survive the round trip; columns may come in any order")
    func csvSpecialValues() throws {
        var history = History()
        history.append(epoch: 0, logs: [("loss", .nan), ("val_loss", .infinity), ("delta", -.infinity)], seconds: 0)
        let parsed = try History.parseCSV(history.csv())
        #expect(parsed["loss"][0].isNaN && parsed["val_loss"] == [.infinity] && parsed["delta"] == [-.infinity])
        let reordered = try History.parseCSV("loss,epoch\n0.5,3\r\n0.25,4\n")
        #expect(reordered.epochs == [3, 4] && reordered["loss"] == [0.5, 0.25])
    }

    @Test("JSON: epochs, keys, history and epoch_seconds; non-finite values as null")
    func json() throws {
        var history = lessonHistory()
        history.append(epoch: 2, logs: [("loss", .nan)], seconds: .infinity)
        let parsed = try JSONValue.parse(history.json())
        let root = try #require(parsed.objectValue)
        #expect(root["epochs"] == .ints([0, 1, 2]))
        #expect(root["keys"] == .array(history.keys.map { .string($0) }))
        let values = try #require(root["history"]?.objectValue?["loss"]?.arrayValue)
        #expect(values.map(\.doubleValue) == [1.7364896535873413, 0.7120359539985657, nil])
        #expect(values[2] == .null)
        #expect(root["epoch_seconds"]?.arrayValue?.last == .null)
        // Codable too (the CLI stores it).
        let decoded = try JSONDecoder().decode(History.self, from: JSONEncoder().encode(lessonHistory()))
        #expect(decoded == lessonHistory())
    }

    @Test("parseCSV names the line and column of each flaw", arguments: [
        ("", "empty file"),
        ("loss,val_loss\n0.5,0.6\n", "no 'epoch' column"),
        ("epoch,loss,loss\n0,1,2\n", "repeated column"),
        ("epoch,loss\n0,0.5\n1,zero\n", "line 3, column 'loss': 'zero' is not a number"),
        ("epoch,loss\n0,0.5,7\n", "line 2: 3 values, expected 2"),
        ("epoch,loss\n0\n", "line 2: 1 values, expected 2"),
        ("epoch,loss\n-1,0.5\n", "epoch '-1' is not a non-negative integer"),
        ("epoch,loss\n1.5,0.5\n", "epoch '1.5'"),
    ])
    func csvErrors(_ text: String, _ fragment: String) {
        do {
            _ = try History.parseCSV(text, path: "history.csv")
            Issue.record("parsed without error")
        } catch let error as HistoryFileError {
            #expect(error.path == "history.csv")
            #expect(error.errorDescription?.hasPrefix("history.csv: ") == true)
            #expect(error.detail.contains(fragment), "\(error.detail)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("fit's History matches what it logged, with epoch timings")
    func fromFit() throws {
        let model = functionalModel([1], [Dense(1, name: "history_unit")], name: "history_model")
        model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 0.01))
        let x = Tensor(shape: [6, 1], scalars: [0, 1, 2, 3, 4, 5])
        let recorder = RecordingCallback()
        let history = try model.fit(x, x, batchSize: 2, epochs: 3, verbose: 0, validationSplit: 0.5, callbacks: [recorder], seed: 2)
        #expect(history.epochs == [0, 1, 2])
        #expect(history.epochSeconds.count == 3 && history.epochSeconds.allSatisfy { $0 >= 0 && $0.isFinite })
        for (epoch, logs) in recorder.epochLogs.enumerated() {
            for (key, value) in logs { #expect(history[key][epoch] == value) }
        }
    }
}
