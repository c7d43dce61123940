// The playground's API on a loopback port: models, samples, digitize, transform and predict
// against the library computing the same thing directly, and the OpenAPI document.

import Foundation
import Testing
@testable import PerceptronServe
import PerceptronData
import PerceptronIO
import PerceptronNN
import PerceptronReport
import PerceptronTensor
import PerceptronVision

@Suite(.serialized) struct APITests {
    @Test func modelsAreListedWithTheirKindAndLayers() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let (status, value) = try await server.json("GET", "/api/models")
        #expect(status == 200)
        let models = value["models"]?.arrayValue ?? []
        #expect(models.map { $0["name"]?.stringValue } == ["small-mlp", "small-cnn"])
        #expect(models.map { $0["kind"]?.stringValue } == ["mlp", "cnn"])
        #expect(models[0]["inputShape"]?.shapeValue == [784])
        #expect(models[0]["layers"]?.arrayValue?.last?["outputShape"]?.shapeValue == [10])
        #expect(models[0]["testAccuracy"] == .null)
    }

    @Test func samplesAreTheDatasetImages() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let (status, value) = try await server.json("GET", "/api/samples/train/5")
        #expect(status == 200)
        #expect(value["pixels"]?.bytes == server.dataset.trainImages.rows(5..<6).bytes)
        #expect(value["label"]?.intValue == Int(server.dataset.trainLabels.bytes[5]))
        #expect(try await server.json("GET", "/api/samples/test/49").status == 200)
    }

    @Test func predictEqualsModelPredictBitForBit() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let image = GreyImage(batch: server.dataset.trainImages, index: 5)
        let (status, value) = try await server.json("POST", "/api/predict", .object([
            "pixels": .ints(image.pixels.map(Int.init)), "activations": .bool(true),
        ]))
        #expect(status == 200)
        let results = value["results"]?.arrayValue ?? []
        #expect(results.count == 2)
        for result in results {
            let name = result["model"]!.stringValue!
            let served = try await server.playground.registry.model(named: name)
            let model = try Model.load(from: served.file)
            let expected = try model.predict(image.tensor(scale: 1 / 255).reshaped([1] + model.inputShape)).scalars
            #expect(result["probabilities"]!.floats.map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(result["top"]?.intValue == expected.indices.max { expected[$0] < expected[$1] })
            let activations = result["activations"]?.arrayValue ?? []
            let wanted = model.layers.filter { $0.typeName == "Dense" || $0.typeName == "Conv2D" }
            #expect(activations.map { $0["layer"]?.stringValue } == wanted.map(\.name))
            let first = try model.activations(of: wanted[0].name, for: image.tensor(scale: 1 / 255).reshaped([1] + model.inputShape))
            #expect(activations[0]["values"]!.floats.map(\.bitPattern) == first.scalars.map(\.bitPattern))
            #expect(activations[0]["shape"]?.shapeValue == Array(first.shape.dropFirst()))
        }
        // One model by name.
        let one = try await server.json("POST", "/api/predict", .object(["pixels": .ints(image.pixels.map(Int.init)), "models": .array([.string("small-cnn")])]))
        #expect(one.value["results"]?.arrayValue?.map { $0["model"]?.stringValue } == ["small-cnn"])
        #expect(one.value["results"]?.arrayValue?.first?["activations"] == nil)
    }

    /// The compact encoding carries the same bits as the JSON numbers, for every layer.
    @Test func activationsInFloat32Base64EqualTheJSONNumbers() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let pixels = JSONValue.ints(GreyImage(batch: server.dataset.trainImages, index: 5).pixels.map(Int.init))
        let numbers = try await server.json("POST", "/api/predict", .object(["pixels": pixels, "activations": .bool(true)]))
        let compact = try await server.json("POST", "/api/predict", .object([
            "pixels": pixels, "activations": .bool(true), "activationEncoding": .string("float32-base64"),
        ]))
        #expect(compact.status == 200)
        let expected = numbers.value["results"]?.arrayValue ?? []
        let results = compact.value["results"]?.arrayValue ?? []
        #expect(results.count == 2 && results.count == expected.count)
        for (result, reference) in zip(results, expected) {
            #expect(result["probabilities"] == reference["probabilities"])
            let layers = result["activations"]?.arrayValue ?? []
            let referenceLayers = reference["activations"]?.arrayValue ?? []
            #expect(!layers.isEmpty && layers.count == referenceLayers.count)
            for (layer, referenceLayer) in zip(layers, referenceLayers) {
                #expect(layer["values"] == nil)
                #expect(layer["shape"] == referenceLayer["shape"])
                let data = try #require(layer["data"]?.stringValue.flatMap { Data(base64Encoded: $0) })
                let bits = stride(from: 0, to: data.count, by: 4).map { offset in
                    data[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                }
                #expect(bits == referenceLayer["values"]!.floats.map(\.bitPattern))
            }
        }
        let bad = try await server.json("POST", "/api/predict", .object(["pixels": pixels, "activationEncoding": .string("float16")]))
        #expect(bad.status == 400)
        #expect(bad.value["error"]?.stringValue?.contains("'activationEncoding'") == true)
    }

    @Test func transformEqualsTheLibraryPathOfPerceptronTransform() async throws {
        let server = try await TestServer.start(withModels: false)
        defer { Task { await server.stop() } }
        let image = GreyImage(batch: server.dataset.trainImages, index: 5)
        for (interpolation, border, mode) in [("linear", "constant", BorderMode.constant(0)), ("cubic", "reflect101", .reflect101),
                                              ("nearest", "wrap", .wrap)] {
            let (status, value) = try await server.json("POST", "/api/transform", .object([
                "pixels": .ints(image.pixels.map(Int.init)), "angle": .int(20), "center": .array([.int(20), .int(25)]),
                "shift": .array([.int(3), .int(3)]), "scale": .double(1.1), "interpolation": .string(interpolation),
                "border": .string(border),
            ]))
            #expect(status == 200)
            // perceptron transform --rotate 20 --center 20,25 --scale 1.1 --shift 3,3 computes:
            var matrix = rotationMatrix2D(center: (20, 25), angle: 20, scale: 1.1)
            matrix.m02 += 3
            matrix.m12 += 3
            let options: [String: Interpolation] = ["linear": .linear, "cubic": .cubic, "nearest": .nearest]
            let expected = warpAffine(image, matrix, size: (28, 28), interpolation: options[interpolation]!, border: mode, inverseMap: false)
            #expect(value["pixels"]?.bytes == expected.pixels)
            #expect(value["matrix"]?.arrayValue?.compactMap(\.doubleValue) == [matrix.m00, matrix.m01, matrix.m02, matrix.m10, matrix.m11, matrix.m12])
        }
        // Defaults: the identity about (13.5, 13.5) leaves the image as it is.
        let identity = try await server.json("POST", "/api/transform", .object(["pixels": .ints(image.pixels.map(Int.init))]))
        #expect(identity.value["pixels"]?.bytes == image.pixels)
    }

    @Test func digitizeIsMNISTStyleOrAPlainDownsample() async throws {
        let server = try await TestServer.start(withModels: false)
        defer { Task { await server.stop() } }
        var canvas = GreyImage<UInt8>(width: 100, height: 80)
        for y in 10..<70 { for x in 30..<45 { canvas.pixels[y * 100 + x] = 200 } }
        for center in [true, false] {
            let (status, value) = try await server.json("POST", "/api/digitize", .object([
                "width": .int(100), "height": .int(80), "pixels": .ints(canvas.pixels.map(Int.init)), "center": .bool(center),
            ]))
            #expect(status == 200)
            let expected = center ? MNISTStyle.digitize(canvas) : MNISTStyle.downsample(canvas)
            #expect(value["pixels"]?.bytes == expected.pixels)
        }
    }

    @Test func sweepFollowsOneClassAcrossAnglesAndShifts() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let image = GreyImage(batch: server.dataset.trainImages, index: 5)
        let angles = try await server.json("POST", "/api/sweep", .object(["pixels": .ints(image.pixels.map(Int.init)), "kind": .string("angle"),
                                                                   "models": .array([.string("small-mlp")])]))
        #expect(angles.status == 200)
        #expect(angles.value["values"]?.arrayValue?.count == 37)
        let curve = angles.value["curves"]!.arrayValue![0]
        // At 0 degrees the probability is the model's own on the image.
        let served = try await server.playground.registry.model(named: "small-mlp")
        let model = try Model.load(from: served.file)
        let plain = try model.predict(image.tensor(scale: 1 / 255).reshaped([1, 784])).scalars
        let top = curve["class"]!.intValue!
        #expect(top == plain.indices.max { plain[$0] < plain[$1] })
        #expect(curve["probabilities"]!.floats[18] == plain[top])
        let shifts = try await server.json("POST", "/api/sweep", .object(["pixels": .ints(image.pixels.map(Int.init)), "kind": .string("shift"), "label": .int(2)]))
        #expect(shifts.status == 200)
        #expect(shifts.value["values"]?.arrayValue?.count == 13)
        #expect(shifts.value["curves"]?.arrayValue?.count == 4)
        #expect(shifts.value["curves"]?.arrayValue?.allSatisfy { $0["class"]?.intValue == 2 } == true)
    }

    @Test func robustnessIsTheLibrarySweepAndIsCached() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let first = try await server.json("GET", "/api/robustness?model=small-mlp&limit=20")
        #expect(first.status == 200)
        let served = try await server.playground.registry.model(named: "small-mlp")
        let plan = SweepPlanFixture.plan
        let expected = try Robustness.sweep(try Model.load(from: served.file), name: "small-mlp",
                                            images: server.dataset.testImages.rows(0..<20), labels: server.dataset.testLabels.rows(0..<20),
                                            scale: 1 / 255, plan: plan)
        #expect(first.value["angles"]?["accuracy"]?.arrayValue?.compactMap(\.doubleValue) == expected.angleAccuracy)
        #expect(first.value["shifts"]?["horizontal"]?.arrayValue?.compactMap(\.doubleValue) == expected.horizontalAccuracy)
        let again = try await server.json("GET", "/api/robustness?model=small-mlp&limit=20")
        #expect(again.value == first.value)
    }

    @Test func thePageAndTheOpenAPIDocumentAreServed() async throws {
        let server = try await TestServer.start(withModels: false)
        defer { Task { await server.stop() } }
        let page = try await server.request("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("<html"))
        #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        let document = try await server.json("GET", "/api/openapi.json")
        #expect(document.status == 200)
        #expect(document.value["openapi"]?.stringValue?.hasPrefix("3.0") == true)
        // Every route the server has is in the document, with its method.
        let paths = document.value["paths"]?.objectValue ?? [:]
        for route in Route.api {
            #expect(paths[route.pattern]?[route.method.lowercased()] != nil, "\(route.method) \(route.pattern) is not documented")
        }
        #expect(paths.count == Set(Route.api.map(\.pattern)).count)
    }

    /// The schemas the page and the tests rely on, read through `$ref` as a client reads them.
    @Test func theOpenAPIDocumentPinsTheRequestAndAnswerShapes() throws {
        let document = OpenAPIDocument.value
        func resolved(_ value: JSONValue?) -> JSONValue? {
            guard let reference = value?["$ref"]?.stringValue else { return value }
            let path = reference.dropFirst(2).split(separator: "/").map(String.init)
            return resolved(path.reduce(Optional(document)) { $0?[$1] })
        }
        func requestSchema(_ path: String) -> JSONValue? {
            resolved(document["paths"]?[path]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"])
        }
        func keys(_ value: JSONValue?) -> Set<String> { Set(value?.objectValue.map { Array($0.keys) } ?? []) }
        let pixels = JSONValue.object([
            "type": .string("array"), "minItems": .int(784), "maxItems": .int(784),
            "items": .object(["type": .string("integer"), "minimum": .int(0), "maximum": .int(255)]),
        ])
        for path in ["/api/transform", "/api/predict", "/api/sweep"] {
            var schema = resolved(requestSchema(path)?["properties"]?["pixels"])?.objectValue
            schema?["description"] = nil
            #expect(schema.map(JSONValue.object) == pixels, "\(path)")
        }
        let predict = try #require(requestSchema("/api/predict"))
        #expect(keys(predict["properties"]) == ["pixels", "models", "activations", "activationEncoding"])
        #expect(predict["properties"]?["activationEncoding"]?["enum"] == .array([.string("json"), .string("float32-base64")]))
        #expect(resolved(predict["properties"]?["models"])?["items"]?["$ref"] == .string("#/components/schemas/ModelName"))
        let activation = try #require(resolved(document["components"]?["schemas"]?["Prediction"])?["properties"]?["activations"]?["items"])
        #expect(activation["required"] == .array(["layer", "type", "shape"].map(JSONValue.string)))
        #expect(keys(activation["properties"]) == ["layer", "type", "shape", "values", "data"])
        let train = try #require(requestSchema("/api/train"))
        #expect(keys(train["properties"]) == Set(Playground.trainFields))
        let operations = (document["paths"]?.objectValue ?? [:]).values.flatMap { ($0.objectValue ?? [:]).values.compactMap { $0["operationId"]?.stringValue } }
        #expect(Set(operations) == ["openapi", "models", "sample", "digitize", "transform", "predict", "sweep", "robustness",
                                    "train", "trainStop", "trainResume", "trainEvents"])
    }
}

enum SweepPlanFixture {
    static let plan = SweepPlan(angles: Playground.sweepAngles, shifts: Playground.sweepShifts, gridAngles: [], gridShifts: [])
}
