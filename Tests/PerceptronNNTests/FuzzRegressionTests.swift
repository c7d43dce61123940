// Inputs the model-file fuzzer (Fuzz/, Scripts/fuzz.sh FuzzModelFile) and its review turned up,
// read from Fuzz/Regressions/FuzzModelFile: each must give a ModelFileError, never a trap, and
// be refused before the layer's weights are allocated.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronIO

/// The committed inputs of one fuzz target.
private func regression(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Regressions/FuzzModelFile").appendingPathComponent(name)
}

@Suite struct FuzzRegressionTests {
    @Test("Crafted model files are refused with the layer and the weights it needs", arguments: [
        // Conv2D 'same' 4096x4096 kernel over 2^24 channels with 2^16 filters: the weight count
        // overflowed Int and trapped.
        ("conv2d_kernel_overflow.safetensors",
         "layer 1 'c' (Conv2D): its kernel: 4096 x 4096 x 16777216 x 65536 weights, more than the 67108864 allowed"),
        // A 300-byte file naming a Dense of 8192x8192 with no weights allocated and randomly
        // initialised 256 MB (about 20 s under AddressSanitizer) before "missing weight".
        ("dense_without_weights.safetensors",
         "layer 1 'd' (Dense): its kernel: 67108864 weights needed, but the file holds 0 for this layer"),
        // The same for a 2048x2048 Conv2D kernel over 16 channels, and BatchNormalization over
        // 2^24 features (four 64 MB vectors).
        ("conv2d_without_weights.safetensors",
         "layer 1 'c' (Conv2D): its kernel: 67108864 weights needed, but the file holds 0 for this layer"),
        ("batchnorm_without_weights.safetensors",
         "layer 1 'b' (BatchNormalization): its gamma, beta, moving mean and moving variance: 67108864 weights needed"),
    ])
    func refused(_ file: String, _ fragment: String) throws {
        let url = regression(file)
        do {
            _ = try Model.load(from: url)
            Issue.record("\(file) loaded")
        } catch let error as ModelFileError {
            #expect(error.path == url.path)
            #expect(error.detail.contains(fragment), "\(error.detail)")
        }
    }

    @Test("A layer is checked against the weights its file holds, not just the size limit")
    func weightsPresent() throws {
        let model = functionalModel([3], [Dense(2, name: "fuzz_dense"), BatchNormalization(name: "fuzz_norm")],
                                    name: "fuzz_model")
        // The complete file loads; without the kernel, the Dense is refused before it is built.
        _ = try Model.load(bytes: model.fileBytes(), path: "complete.safetensors")
        let decoded = try Safetensors.decode(model.fileBytes(), path: "m")
        let partial = Safetensors.encode(tensors: decoded.tensors.filter { $0.name != "fuzz_dense/kernel" },
                                         metadata: decoded.metadata)
        #expect(throws: ModelFileError(path: "partial.safetensors",
                                       "layer 1 'fuzz_dense' (Dense): its kernel: 6 weights needed, but the file holds 2 for this layer")) {
            try Model.load(bytes: partial, path: "partial.safetensors")
        }
    }
}
