// predict refuses non-finite inputs with the index of the first bad sample.

import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct PredictInputTests {
    @Test func nonFiniteInputsAreRefusedWithTheirIndex() throws {
        let model = functionalModel([3], [Dense(2, activation: .softmax, name: "predict_nan_out")], name: "predict_nan")
        var x = Tensor.zeros([4, 3])
        #expect(try model.predict(x).shape == [4, 2])
        x[2, 1] = .nan
        #expect(throws: TrainingError("predict input sample 2 contains NaN or infinity")) { try model.predict(x) }
        x[2, 1] = 0
        x[3, 0] = .infinity
        #expect(throws: TrainingError("predict input sample 3 contains NaN or infinity")) { try model.predict(x) }
    }
}
