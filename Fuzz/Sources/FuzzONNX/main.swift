// Fuzzes ONNX import: protobuf decoding, the graph checks (names, cycles, external data,
// tensor sizes), the translation of each op into layers (`ONNXImport.model(from:)`), then a
// summary, a model file and a prediction on one zero sample of whatever imports.

import Foundation
import FuzzSupport
import PerceptronNN
import PerceptronONNX
import PerceptronTensor

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let model = try? ONNXImport.model(from: Data(fuzzBytes(data, size))) else { return 0 }
    _ = model.summaryText()
    _ = model.fileBytes()
    // A forward pass checks that the layers were built consistently; small samples only, so
    // that a valid but wide model does not turn into a slow input.
    if model.inputShape.reduce(1, *) <= 4096, model.parameters.reduce(0, { $0 + $1.value.count }) <= 1 << 20 {
        _ = model.forward(Tensor.zeros([1] + model.inputShape), training: false)
    }
    return 0
}

runLibFuzzer(fuzzONNX)
