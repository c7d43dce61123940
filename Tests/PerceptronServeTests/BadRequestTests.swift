// Every kind of bad request gets its 4xx and a JSON error naming what was wrong; the server
// keeps answering afterwards.

import Foundation
import Testing
@testable import PerceptronServe
import PerceptronIO

@Suite(.serialized) struct BadRequestTests {
    static let image = "[" + Array(repeating: "0", count: 784).joined(separator: ",") + "]"

    /// (method, path, body, status, words the error must contain)
    static let cases: [(String, String, String?, Int, String)] = [
        ("POST", "/api/predict", "{\"pixels\": [1, 2", 400, "not valid JSON"),
        ("POST", "/api/predict", "[1, 2, 3]", 400, "must be a JSON object"),
        ("POST", "/api/predict", "{\"pixels\": [1, 2, 3]}", 400, "'pixels' has 3 values; it must have 784"),
        ("POST", "/api/predict", "{\"pixels\": NaN}", 400, "not valid JSON"),
        ("POST", "/api/predict", "{\"pixels\": [" + Array(repeating: "0", count: 783).joined(separator: ",") + ", 256]}", 400, "'pixels[783]' is 256"),
        ("POST", "/api/predict", "{\"pixels\": [" + Array(repeating: "0", count: 783).joined(separator: ",") + ", 1.5]}", 400, "'pixels[783]' is 1.5"),
        ("POST", "/api/predict", "{\"pixels\": \(image), \"models\": [\"nope\"]}", 404, "no model named 'nope'"),
        ("POST", "/api/predict", "{\"pixels\": \(image), \"models\": [\"../etc\"]}", 400, "is not a name"),
        ("POST", "/api/predict", "{\"pixels\": \(image), \"models\": [\"a/b\"]}", 400, "is not a name"),
        ("POST", "/api/predict", "{\"pixels\": \(image), \"colour\": 1}", 400, "unknown field 'colour'"),
        ("POST", "/api/predict", "{}", 400, "'pixels' is required"),
        ("POST", "/api/transform", "{\"pixels\": \(image), \"angle\": 181}", 400, "'angle' is 181"),
        ("POST", "/api/transform", "{\"pixels\": \(image), \"angle\": 1e400}", 400, "not valid JSON"),
        ("POST", "/api/transform", "{\"pixels\": \(image), \"scale\": 0}", 400, "'scale' is 0"),
        ("POST", "/api/transform", "{\"pixels\": \(image), \"center\": [1]}", 400, "'center'"),
        ("POST", "/api/transform", "{\"pixels\": \(image), \"border\": \"mirror\"}", 400, "'border' is \"mirror\""),
        ("POST", "/api/digitize", "{\"width\": 2000, \"height\": 1, \"pixels\": []}", 400, "'width' is 2000"),
        ("POST", "/api/digitize", "{\"width\": 2, \"height\": 2, \"pixels\": [1, 2, 3]}", 400, "it must have 4"),
        ("POST", "/api/sweep", "{\"pixels\": \(image), \"kind\": \"zoom\"}", 400, "'kind' is \"zoom\""),
        ("POST", "/api/sweep", "{\"pixels\": \(image), \"label\": 10}", 400, "'label' is 10"),
        ("GET", "/api/samples/train/200", nil, 404, "out of range"),
        ("GET", "/api/samples/train/-1", nil, 404, "out of range"),
        ("GET", "/api/samples/valid/0", nil, 404, "no split 'valid'"),
        ("GET", "/api/robustness", nil, 400, "'model' is required"),
        ("GET", "/api/robustness?model=..", nil, 400, "is not a name"),
        ("GET", "/api/robustness?model=nope", nil, 404, "no model named 'nope'"),
        ("GET", "/api/robustness?model=small-mlp&limit=0", nil, 400, "'limit'"),
        ("GET", "/api/models?x=1", nil, 400, "unknown query parameter 'x'"),
        ("POST", "/api/train", "{\"epochs\": 0}", 400, "'epochs' is 0"),
        ("POST", "/api/train", "{\"arch\": \"rnn\"}", 400, "'arch' is \"rnn\""),
        ("POST", "/api/train", "{\"hidden\": [0]}", 400, "'hidden'"),
        ("POST", "/api/train", "{\"trainLimit\": 100000}", 400, "'trainLimit' is 100000"),
        ("POST", "/api/train", "{\"augmentation\": {\"rotation\": -1}}", 400, "'rotation' is -1"),
        ("POST", "/api/train", "{\"learningRate\": -1}", 400, "'learningRate' is -1"),
        ("POST", "/api/train/stop", nil, 409, "no run is training"),
        ("POST", "/api/train/resume", "{\"run\": \"../x\"}", 400, "is not a name"),
        ("POST", "/api/train/resume", "{\"run\": \"missing\"}", 404, "no run named 'missing'"),
        ("POST", "/api/train/resume", "{}", 400, "'run' is required"),
        ("GET", "/api/predict", nil, 405, "GET is not allowed"),
        ("DELETE", "/api/models", nil, 405, "use GET"),
        ("GET", "/api/nothing", nil, 404, "no such path"),
        ("GET", "/assets/../Package.swift", nil, 404, "no such"),
        ("GET", "/assets/x.exe", nil, 404, "no such file"),
    ]

    @Test func eachBadRequestGetsItsStatusAndSaysWhatWasWrong() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        for (method, path, body, status, words) in Self.cases {
            let reply = try await server.request(method, path, body: body)
            #expect(reply.status == status, "\(method) \(path) \(body?.prefix(60) ?? ""): \(reply.status) \(reply.text)")
            let message = (try? JSONValue.parse(reply.body))?["error"]?.stringValue ?? ""
            #expect(message.contains(words), "\(method) \(path): '\(message)' does not say '\(words)'")
            #expect(reply.headers["content-type"] == "application/json; charset=utf-8")
        }
        // Still answering.
        #expect(try await server.json("GET", "/api/models").status == 200)
    }

    @Test func bodiesOverTheCapAreRefused() async throws {
        let server = try await TestServer.start(withModels: false)
        defer { Task { await server.stop() } }
        let big = "{\"pixels\": [" + Array(repeating: "0", count: 600_000).joined(separator: ",") + "]}"
        let reply = try await server.request("POST", "/api/predict", body: big)
        #expect(reply.status == 413)
        #expect(reply.text.contains("larger than 1048576 bytes"))
    }
}
