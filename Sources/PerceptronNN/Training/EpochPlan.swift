// How fit walks its data: Keras's validation split (the last fraction of the samples, taken
// before any shuffle), each epoch's order and batches, and the checks on the data.

import PerceptronTensor

/// Which samples train and which validate, and how an epoch cuts the training samples into
/// batches, as Keras's `fit` does.
struct EpochPlan {
    /// Validation samples: a source, its targets and the positions to use.
    struct Validation {
        let source: any SampleSource
        let targets: Tensor
        let indices: [Int]
    }

    /// The training samples and their targets.
    let source: any SampleSource
    let targets: Tensor
    /// The training samples' positions, in their original order.
    let trainIndices: [Int]
    /// nil when fit validates on nothing.
    let validation: Validation?
    let batchSize: Int
    let shuffle: Bool

    /// Steps per epoch; the last batch may be partial (Keras keeps it).
    var steps: Int { (trainIndices.count + batchSize - 1) / batchSize }

    /// - `validationData` wins over `validationSplit`; a split takes the LAST
    ///   `floor(n * split)` samples, as Keras does (`split_at = floor(n * (1 - split))`).
    /// - Throws: `TrainingError` when the data does not fit the model or the split leaves
    ///   one side empty.
    init(model: Model, loss: Loss, x: some SampleSource, y: Tensor, batchSize: Int, validationSplit: Double,
         validationData: (x: any SampleSource, y: Tensor)?, shuffle: Bool) throws {
        try model.checkData(x, y, loss: loss, role: "training")
        source = x
        targets = y
        self.batchSize = batchSize
        self.shuffle = shuffle
        if let validationData {
            try model.checkData(validationData.x, validationData.y, loss: loss, role: "validation")
            trainIndices = Array(0..<x.sampleCount)
            validation = Validation(source: validationData.x, targets: validationData.y,
                                    indices: Array(0..<validationData.x.sampleCount))
        } else if validationSplit > 0 {
            let n = x.sampleCount
            let splitAt = Int((Double(n) * (1 - validationSplit)).rounded(.down))
            guard splitAt > 0 && splitAt < n else {
                throw TrainingError("validation split \(validationSplit) of \(n) samples leaves \(splitAt) for training and \(n - splitAt) for validation; both must be non-empty")
            }
            trainIndices = Array(0..<splitAt)
            validation = Validation(source: x, targets: y, indices: Array(splitAt..<n))
        } else {
            trainIndices = Array(0..<x.sampleCount)
            validation = nil
        }
    }

    /// One epoch's order: the original order, shuffled afresh when `shuffle` is on, so an
    /// epoch's order depends only on the generator's state at its start (which checkpoints keep).
    func order(drawingFrom generator: inout SeededGenerator) -> [Int] {
        guard shuffle else { return trainIndices }
        var order = trainIndices
        generator.shuffle(&order)
        return order
    }

    /// The positions of batch `step` of an epoch in `order`.
    func batch(_ step: Int, in order: [Int]) -> ArraySlice<Int> {
        order[(step * batchSize)..<min((step + 1) * batchSize, order.count)]
    }
}

extension Model {
    /// Checks counts, shapes and finiteness of user data before any work.
    func checkData(_ x: some SampleSource, _ y: Tensor, loss: Loss?, role: String) throws {
        guard x.sampleCount > 0 else { throw TrainingError("the \(role) data is empty") }
        guard x.sampleShape == inputShape else {
            throw TrainingError("the \(role) samples have shape \(x.sampleShape), the model's input '\(inputLayer.name)' expects \(inputShape)")
        }
        guard y.sampleCount == x.sampleCount else {
            throw TrainingError("the \(role) data has \(x.sampleCount) samples but \(y.sampleCount) targets")
        }
        let outputWidth = outputShape.reduce(1, *)
        if let loss, loss.takesClassIndices {
            guard y.rowWidth == 1 else {
                throw TrainingError("\(loss.rawValue) takes class indices [N], got targets of shape \(y.shape); use categorical_crossentropy for one-hot targets")
            }
            let bad = y.scalars.firstIndex { !($0 >= 0 && $0 < Float(outputWidth) && $0 == $0.rounded()) }
            if let bad { throw TrainingError("\(role) target \(bad) is \(y.scalars[bad]), not a class index in 0..<\(outputWidth)") }
        } else if y.rowWidth != outputWidth {
            throw TrainingError("the \(role) targets have \(y.rowWidth) values per sample, the model outputs \(outputWidth)")
        }
        if let bad = x.firstNonFiniteSample() {
            throw TrainingError("\(role) sample \(bad) contains NaN or infinity")
        }
        if let bad = y.firstNonFiniteSample() {
            throw TrainingError("\(role) target \(bad) contains NaN or infinity")
        }
    }
}
