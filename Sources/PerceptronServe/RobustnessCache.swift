// Test-set accuracy against angle and shift, per model, computed once by the library's
// `Robustness.sweep` (as `perceptron robustness` does) and kept for the server's life.

import PerceptronData
import PerceptronIO
import PerceptronReport
import PerceptronTensor

/// The robustness curves of each model, computed on first request. Concurrent requests for
/// the same model wait for the one computation.
actor RobustnessCache {
    private struct Key: Hashable {
        let model: String
        let limit: Int
    }

    private var entries: [Key: Task<JSONValue, any Error>] = [:]

    /// The curves of `model` on the first `limit` test images.
    func result(for model: ServedModel, limit: Int, dataset: MNIST, angles: [Double], shifts: [Int]) async throws -> JSONValue {
        let key = Key(model: model.name, limit: limit)
        if let task = entries[key] { return try await task.value }
        let images = dataset.testImages.rows(0..<limit)
        let labels = dataset.testLabels.rows(0..<limit)
        let task = Task {
            try await Compute.run {
                let plan = SweepPlan(angles: angles, shifts: shifts, gridAngles: [], gridShifts: [])
                let result = try model.withInstance { instance in
                    try Robustness.sweep(instance, name: model.name, images: images, labels: labels,
                                         scale: model.pixelScale, plan: plan)
                }
                return Self.json(result, images: limit)
            }
        }
        entries[key] = task
        do { return try await task.value } catch {
            entries[key] = nil
            throw error
        }
    }

    /// `{"model", "images", "clean", "angles": {values, accuracy}, "shifts": {values, accuracy,
    /// horizontal, vertical}}`; a shift's accuracy is the mean of its horizontal and vertical ones.
    static func json(_ result: RobustnessResult, images: Int) -> JSONValue {
        let mean = zip(result.horizontalAccuracy, result.verticalAccuracy).map { ($0 + $1) / 2 }
        return .object([
            "model": .string(result.model), "images": .int(images), "clean": .double(result.clean),
            "angles": .object(["values": doubles(result.angles), "accuracy": doubles(result.angleAccuracy)]),
            "shifts": .object(["values": .ints(result.shifts), "accuracy": doubles(mean),
                               "horizontal": doubles(result.horizontalAccuracy), "vertical": doubles(result.verticalAccuracy)]),
        ])
    }
}
