// The playground's API, one method per route: models, samples, digitize, transform, predict
// and sweep. Training lives in TrainingCoordinator, the test-set curves in RobustnessCache.

import Foundation
import PerceptronData
import PerceptronIO
import PerceptronNN
import PerceptronReport
import PerceptronTensor
import PerceptronVision

/// Everything the server answers with, independent of HTTP: each handler takes the request's
/// parts and returns the response's JSON, or throws `APIError` for bad input.
public final class Playground: Sendable {
    public let registry: ModelRegistry
    /// The dataset images are picked from, robustness is measured on and runs train on.
    public let dataset: MNIST
    /// The folder new runs are made in.
    public let runs: URL
    public let training: TrainingCoordinator
    let robustness = RobustnessCache()

    /// A playground serving `models`, with `dataset` from `dataFolder` (nil: the bundled
    /// MNIST), training into `runs`.
    public init(models: [ServedModel], dataset: MNIST, dataFolder: URL?, runs: URL) {
        let registry = ModelRegistry(models)
        self.registry = registry
        self.dataset = dataset
        self.runs = runs.standardizedFileURL
        training = TrainingCoordinator(runs: self.runs, dataFolder: dataFolder, trainingImages: dataset.trainImages.shape[0],
                                       registry: registry)
    }

    /// The image side the API takes: 28 (a dataset of other sizes uses its own).
    var imageWidth: Int { dataset.trainImages.shape.count == 3 ? dataset.trainImages.shape[2] : 28 }
    var imageHeight: Int { dataset.trainImages.shape.count == 3 ? dataset.trainImages.shape[1] : 28 }
    var pixelCount: Int { imageWidth * imageHeight }

    // MARK: GET /api/models

    public func models() async -> JSONValue {
        let models = await registry.all
        return .object(["models": .array(models.map { model in
            .object([
                "name": .string(model.name), "kind": .string(model.kind.rawValue), "inputShape": .ints(model.inputShape),
                "pixelScale": .double(Double(model.pixelScale)),
                "layers": .array(model.layers.map {
                    .object(["name": .string($0.name), "type": .string($0.type), "outputShape": .ints($0.outputShape)])
                }),
                "testAccuracy": model.testAccuracy.map { .double($0) } ?? .null,
            ])
        })])
    }

    // MARK: GET /api/samples/{split}/{index}

    public func sample(split: String, index text: String) throws -> JSONValue {
        guard split == "train" || split == "test" else {
            throw APIError.notFound("no split '\(split)'; the splits are train and test")
        }
        let images = split == "train" ? dataset.trainImages : dataset.testImages
        let labels = split == "train" ? dataset.trainLabels : dataset.testLabels
        let count = images.shape[0]
        guard let index = Int(text), index >= 0, index < count else {
            throw APIError.notFound("image index '\(text)' is out of range: the \(split) split has images 0...\(count - 1)")
        }
        let image = GreyImage(batch: images, index: index)
        return .object(["split": .string(split), "index": .int(index), "label": .int(Int(labels.bytes[index])),
                        "width": .int(image.width), "height": .int(image.height), "pixels": .ints(image.pixels.map(Int.init))])
    }

    // MARK: POST /api/digitize

    public func digitize(_ body: [UInt8]) throws -> JSONValue {
        let input = try JSONInput(body: body, allowed: ["width", "height", "pixels", "center"])
        guard let width = try input.int("width", in: 1...1024), let height = try input.int("height", in: 1...1024) else {
            throw APIError.badRequest("'width' and 'height' are required: whole numbers from 1 to 1024")
        }
        let pixels = try input.pixels(count: width * height)
        let image = GreyImage(width: width, height: height, pixels: pixels)
        let digit = try input.bool("center", default: true) ? MNISTStyle.digitize(image) : MNISTStyle.downsample(image)
        return .object(["pixels": .ints(digit.pixels.map(Int.init))])
    }

    // MARK: POST /api/transform

    /// The options of `perceptron transform` as one value.
    struct TransformRequest {
        var pixels: [UInt8]
        var angle: Double
        var scale: Double
        var center: (Double, Double)
        var shift: (Double, Double)
        var interpolation: Interpolation
        var border: BorderMode
    }

    static let interpolations: [String: Interpolation] = ["nearest": .nearest, "linear": .linear, "cubic": .cubic]
    static let borders: [String: BorderMode] = [
        "constant": .constant(0), "replicate": .replicate, "reflect": .reflect, "reflect101": .reflect101, "wrap": .wrap,
    ]

    func transformRequest(_ body: [UInt8]) throws -> TransformRequest {
        let input = try JSONInput(body: body, allowed: ["pixels", "angle", "scale", "center", "shift", "interpolation", "border"])
        let pixels = try input.pixels(count: pixelCount)
        let middle = (Double(imageWidth - 1) / 2, Double(imageHeight - 1) / 2)
        return TransformRequest(
            pixels: pixels,
            angle: try input.double("angle", in: -180...180, default: 0)!,
            scale: try input.double("scale", in: 0.1...10, default: 1)!,
            center: try input.pair("center", in: -1000...1000, default: middle),
            shift: try input.pair("shift", in: -1000...1000, default: (0, 0)),
            interpolation: Self.interpolations[try input.choice("interpolation", ["nearest", "linear", "cubic"], default: "linear")!]!,
            border: Self.borders[try input.choice("border", ["constant", "replicate", "reflect", "reflect101", "wrap"], default: "constant")!]!)
    }

    /// `perceptron transform --rotate A --center X,Y --scale S --shift DX,DY`'s matrix and image.
    static func transformed(_ request: TransformRequest, width: Int, height: Int) -> (AffineMatrix, GreyImage<UInt8>) {
        var matrix = rotationMatrix2D(center: request.center, angle: request.angle, scale: request.scale)
        matrix.m02 += request.shift.0
        matrix.m12 += request.shift.1
        let source = GreyImage(width: width, height: height, pixels: request.pixels)
        let image = warpAffine(source, matrix, size: (width, height), interpolation: request.interpolation,
                               border: request.border, inverseMap: false)
        return (matrix, image)
    }

    public func transform(_ body: [UInt8]) throws -> JSONValue {
        let (matrix, image) = Self.transformed(try transformRequest(body), width: imageWidth, height: imageHeight)
        return .object(["pixels": .ints(image.pixels.map(Int.init)),
                        "matrix": doubles([matrix.m00, matrix.m01, matrix.m02, matrix.m10, matrix.m11, matrix.m12])])
    }

    // MARK: POST /api/predict

    public func predict(_ body: [UInt8]) async throws -> JSONValue {
        let input = try JSONInput(body: body, allowed: ["pixels", "models", "activations", "activationEncoding"])
        let image = GreyImage(width: imageWidth, height: imageHeight, pixels: try input.pixels(count: pixelCount))
        let withActivations = try input.bool("activations", default: false)
        let encoding = LayerActivation.Encoding(rawValue: try input.choice("activationEncoding", LayerActivation.Encoding.allCases.map(\.rawValue),
                                                                           default: "json")!)!
        let models = try await registry.models(named: try input.names())
        for model in models { try Inference.checkInput(model, pixelCount: image.pixels.count) }
        let results = try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
            for (position, model) in models.enumerated() {
                group.addTask {
                    try await Compute.run {
                        // With activations, one forward pass gives both.
                        let (probabilities, activations) = withActivations
                            ? try Inference.probabilitiesAndActivations(model, image: image)
                            : (try Inference.probabilities(model, image: image), [])
                        var result: [String: JSONValue] = [
                            "model": .string(model.name), "probabilities": floats(probabilities),
                            "top": .int(Inference.top(probabilities)),
                        ]
                        if withActivations { result["activations"] = .array(activations.map { $0.json(encoding) }) }
                        return (position, .object(result))
                    }
                }
            }
            var results = [JSONValue](repeating: .null, count: models.count)
            for try await (position, result) in group { results[position] = result }
            return results
        }
        return .object(["results": .array(results)])
    }

    // MARK: POST /api/sweep

    /// The sweep's angles, -90...90 by 5 degrees, and shifts, -6...6 pixels.
    static let sweepAngles = stride(from: -90.0, through: 90, by: 5).map { $0 }
    static let sweepShifts = Array(-6...6)

    public func sweep(_ body: [UInt8]) async throws -> JSONValue {
        let input = try JSONInput(body: body, allowed: ["pixels", "models", "kind", "label"])
        let image = GreyImage(width: imageWidth, height: imageHeight, pixels: try input.pixels(count: pixelCount))
        let kind = try input.choice("kind", ["angle", "shift"], default: "angle")!
        let label = try input.int("label", in: 0...255)
        let models = try await registry.models(named: try input.names())
        for model in models {
            try Inference.checkInput(model, pixelCount: image.pixels.count)
            if let label, label >= model.outputShape.reduce(1, *) {
                throw APIError.badRequest("'label' is \(label); model '\(model.name)' has classes 0...\(model.outputShape.reduce(1, *) - 1)")
            }
        }
        let (width, height) = (imageWidth, imageHeight)
        // Each curve: a direction (nil for angles) and its images.
        let series: [(String?, [GreyImage<UInt8>])]
        let values: [Double]
        func warped(_ matrix: AffineMatrix) -> GreyImage<UInt8> { warpAffine(image, matrix, size: (width, height)) }
        if kind == "angle" {
            values = Self.sweepAngles
            series = [(nil, values.map { warped(Robustness.rotation($0, width: width, height: height)) })]
        } else {
            values = Self.sweepShifts.map(Double.init)
            series = [("horizontal", values.map { warped(.translation(x: $0, y: 0)) }),
                      ("vertical", values.map { warped(.translation(x: 0, y: $0)) })]
        }
        var curves: [JSONValue] = []
        for model in models {
            let rows = try await Compute.run { () -> ([Float], [[[Float]]]) in
                (try Inference.probabilities(model, image: image), try series.map { try Inference.probabilities(model, images: $0.1) })
            }
            let target = label ?? Inference.top(rows.0)
            for ((direction, _), probabilities) in zip(series, rows.1) {
                var curve: [String: JSONValue] = ["model": .string(model.name), "class": .int(target),
                                                  "probabilities": floats(probabilities.map { $0[target] })]
                if let direction { curve["direction"] = .string(direction) }
                curves.append(.object(curve))
            }
        }
        return .object(["kind": .string(kind), "values": doubles(values), "curves": .array(curves)])
    }

    // MARK: GET /api/robustness

    public func robustness(query: [String: String]) async throws -> JSONValue {
        for key in query.keys.sorted() where key != "model" && key != "limit" {
            throw APIError.badRequest("unknown query parameter '\(key)'; the parameters are model and limit")
        }
        guard let name = query["model"] else { throw APIError.badRequest("the query parameter 'model' is required") }
        let model = try await registry.model(named: try JSONInput.safeName(name, field: "model"))
        try Inference.checkInput(model, pixelCount: pixelCount)
        let available = dataset.testImages.shape[0]
        var limit = available
        if let text = query["limit"] {
            guard let value = Int(text), value >= 1 else {
                throw APIError.badRequest("'limit' is '\(text)'; it must be a whole number of test images, at least 1")
            }
            limit = min(value, available)
        }
        return try await robustness.result(for: model, limit: limit, dataset: dataset,
                                           angles: Self.sweepAngles, shifts: Self.sweepShifts)
    }
}
