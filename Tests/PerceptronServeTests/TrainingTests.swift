// Training through the API: a tiny run starts, streams its events, stops with a checkpoint,
// resumes to completion and joins the served models; predictions go on while it trains.

import Foundation
import Testing
@testable import PerceptronServe
import PerceptronIO
import PerceptronNN
import PerceptronVision

@Suite(.serialized) struct TrainingTests {
    /// A 784-8-10 MLP on the tiny dataset, batch 20 (8 steps an epoch), no report.
    static func settings(epochs: Int) -> JSONValue {
        .object(["arch": .string("mlp"), "hidden": .ints([8]), "epochs": .int(epochs), "batchSize": .int(20),
                 "report": .bool(false)])
    }

    @Test
    func aRunStartsStreamsStopsAndResumes() async throws {
        let server = try await TestServer.start(withModels: false)
        defer { Task { await server.stop() } }
        let (events, status, headers) = try await SocketClient.subscribe(port: server.port)
        defer { events.close() }
        #expect(status == 200)
        #expect(headers["content-type"] == "text/event-stream; charset=utf-8")
        let first = try await events.events { _, _ in true }
        #expect(first.first?.name == "status" && first.first?.data["state"]?.stringValue == "idle")

        // Many epochs, so the stop lands while it trains.
        let started = try await server.json("POST", "/api/train", Self.settings(epochs: 1000))
        #expect(started.status == 202)
        let run = try #require(started.value["run"]?.stringValue)
        #expect(try await server.json("POST", "/api/train", Self.settings(epochs: 1)).status == 409)

        let firstEpoch = try await events.events { name, data in
            name == "epochEnd" || (name == "status" && data["state"]?.stringValue == "failed")
        }
        #expect(firstEpoch.last?.name == "epochEnd", "\(String(describing: firstEpoch.last?.data))")
        let batches = firstEpoch.filter { $0.name == "batch" }
        #expect(firstEpoch.filter { $0.name == "epoch" }.count == 1 && batches.count == 8)
        #expect(batches.allSatisfy { $0.data["steps"]?.intValue == 8 && $0.data["logs"]?["loss"]?.doubleValue?.isFinite == true })
        #expect(firstEpoch.contains { $0.name == "status" && $0.data["state"]?.stringValue == "training" })
        #expect(firstEpoch.contains { $0.name == "progress" })
        let stop = try await server.json("POST", "/api/train/stop")
        #expect(stop.status == 200)
        #expect(stop.value["run"]?.stringValue == run && stop.value["stopping"] == .bool(true))
        _ = try await events.events { name, data in name == "status" && data["state"]?.stringValue == "stopped" }
        // A client that subscribes after the run stopped is told so first, then gets the run's events.
        let (afterStop, _, _) = try await SocketClient.subscribe(port: server.port)
        let told = try await afterStop.events { name, _ in name == "epochEnd" }
        afterStop.close()
        #expect(told.first?.name == "status" && told.first?.data["state"]?.stringValue == "stopped" && told.first?.data["run"]?.stringValue == run)
        let folder = server.runs.appendingPathComponent(run)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint.safetensors").path))
        #expect(try await server.json("POST", "/api/train/stop").status == 409)

        // Resuming continues the same 1000-epoch run from its checkpoint; stop it again.
        let resumed = try await server.json("POST", "/api/train/resume", .object(["run": .string(run)]))
        #expect(resumed.status == 202)
        // A run that fails ends the wait too, so the failure is reported, not waited on.
        let resumedEpoch = try await events.events { name, data in
            name == "epoch" || (name == "status" && data["state"]?.stringValue == "failed")
        }
        #expect(resumedEpoch.last?.name == "epoch", "\(String(describing: resumedEpoch.last?.data))")
        #expect((resumedEpoch.last?.data["epoch"]?.intValue ?? 0) >= 2)
        #expect(try await server.json("POST", "/api/train/stop").status == 200)
        _ = try await events.events { name, data in name == "status" && data["state"]?.stringValue == "stopped" }

        let short = try await server.json("POST", "/api/train", Self.settings(epochs: 2))
        #expect(short.status == 202)
        let shortRun = try #require(short.value["run"]?.stringValue)
        let end = try await events.events { name, data in
            name == "status" && ["completed", "failed"].contains(data["state"]?.stringValue ?? "")
        }
        #expect(end.last?.data["state"]?.stringValue == "completed", "\(String(describing: end.last?.data))")
        #expect(end.last?.data["run"]?.stringValue == shortRun)
        let models = try await server.json("GET", "/api/models").value["models"]?.arrayValue ?? []
        #expect(models.map { $0["name"]?.stringValue } == [shortRun])
        #expect(models.first?["testAccuracy"]?.doubleValue != nil)
        // A late subscriber gets the status, then the run's history.
        let (late, _, _) = try await SocketClient.subscribe(port: server.port)
        defer { late.close() }
        let history = try await late.events { name, _ in name == "epochEnd" }
        #expect(history.first?.name == "status" && history.contains { $0.name == "batch" })
    }

    @Test func predictionsStayCorrectWhileARunTrains() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let image = GreyImage(batch: server.dataset.trainImages, index: 5)
        let body = JSONValue.object(["pixels": .ints(image.pixels.map(Int.init))])
        let before = try await server.json("POST", "/api/predict", body).value
        #expect(try await server.json("POST", "/api/train", Self.settings(epochs: 1000)).status == 202)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    for _ in 0..<5 {
                        let reply = try await server.json("POST", "/api/predict", body)
                        #expect(reply.status == 200)
                        #expect(reply.value == before)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await server.json("POST", "/api/train/stop").status == 200)
        // Wait for the run to end before the folders go.
        while await server.playground.training.isTraining { try await Task.sleep(nanoseconds: 20_000_000) }
    }
}
