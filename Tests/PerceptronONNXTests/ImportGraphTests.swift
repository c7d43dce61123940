// Graphs built in Swift for what the fixtures do not show: MatMul with Add, Keras's
// channels-last graphs with Transposes around Conv, BatchNormalization and 'same' padding,
// the shape computations exporters write for a Reshape, and the errors for what is unsupported.
// Expected outputs come from plain loops in the tests, never from the importer's own code.

import Foundation
import PerceptronNN
@testable import PerceptronONNX
import PerceptronTensor
import Testing

@Suite struct ImportGraphTests {
    /// x [N, 5] -> MatMul [5, 3] -> Add [3] -> Relu -> MatMul [3, 2] -> Add -> Softmax.
    @Test("MatMul followed by Add becomes a Dense with its bias and activation")
    func matMulAdd() throws {
        let (w1, b1, w2, b2) = (testValues(15, seed: 1), testValues(3, seed: 2), testValues(6, seed: 3), testValues(2, seed: 4))
        var g = TestGraph(input: [nil, 5])
        g.weight("w1", [5, 3], w1); g.weight("b1", [3], b1); g.weight("w2", [3, 2], w2); g.weight("b2", [1, 2], b2)
        g.node("MatMul", ["input", "w1"], "m1"); g.node("Add", ["m1", "b1"], "a1"); g.node("Relu", ["a1"], "r1")
        g.node("MatMul", ["r1", "w2"], "m2"); g.node("Add", ["b2", "m2"], "a2"); g.node("Softmax", ["a2"], "output")
        let model = try ONNXImport.model(from: g.data)
        #expect(model.layers.map(\.typeName) == ["Dense", "Dense"])
        #expect((model.layers[0] as? Dense)?.activation == .relu)
        let x = testValues(10, seed: 5, scale: 1)
        let y = try model.predict(Tensor(shape: [2, 5], scalars: x))
        for n in 0..<2 {
            var hidden = [Float](repeating: 0, count: 3)
            for u in 0..<3 {
                var sum = b1[u]
                for d in 0..<5 { sum += x[n * 5 + d] * w1[d * 3 + u] }
                hidden[u] = max(0, sum)
            }
            var logits = [Float](repeating: 0, count: 2)
            for u in 0..<2 {
                var sum = b2[u]
                for d in 0..<3 { sum += hidden[d] * w2[d * 2 + u] }
                logits[u] = sum
            }
            let largest = logits.max()!
            let e: [Float] = logits.map { exp($0 - largest) }
            for u in 0..<2 { #expect(abs(y[n, u] - e[u] / e.reduce(0, +)) < 1e-6) }
        }
    }

    /// Keras's convnet as tf2onnx writes it: NHWC input, Transpose to NCHW, Conv with 'same'
    /// pads, BatchNormalization, Relu, Transpose back, Reshape to [-1, D] through a shape
    /// computation, MatMul, Add.
    @Test("Keras's channels-last graph with Transposes, 'same' padding, BatchNormalization and a computed Reshape")
    func kerasChannelsLast() throws {
        let (h, w, c, f, k) = (5, 4, 2, 3, 3)
        let weight = testValues(f * c * k * k, seed: 11), bias = testValues(f, seed: 12)
        let (gamma, beta) = (testValues(f, seed: 13).map { $0 + 1 }, testValues(f, seed: 14))
        let (mean, variance) = (testValues(f, seed: 15), testValues(f, seed: 16).map { $0 + 1 })
        let dense = testValues(h * w * f * 2, seed: 17), denseBias = testValues(2, seed: 18)
        var g = TestGraph(input: [nil, h, w, c])
        g.weight("k", [f, c, k, k], weight); g.weight("b", [f], bias)
        g.weight("gamma", [f], gamma); g.weight("beta", [f], beta); g.weight("mean", [f], mean); g.weight("var", [f], variance)
        g.weight("dense", [h * w * f, 2], dense); g.weight("dense_bias", [2], denseBias)
        g.integers("zero", [0]); g.integers("minus_one", [-1])
        g.node("Transpose", ["input"], "nchw", [attribute("perm", ints: [0, 3, 1, 2])])
        g.node("Conv", ["nchw", "k", "b"], "conv", [attribute("pads", ints: [1, 1, 1, 1]), attribute("kernel_shape", ints: [3, 3])])
        g.node("BatchNormalization", ["conv", "gamma", "beta", "mean", "var"], "bn", [attribute("epsilon", float: 0.001)])
        g.node("Relu", ["bn"], "relu")
        g.node("Transpose", ["relu"], "nhwc", [attribute("perm", ints: [0, 2, 3, 1])])
        g.node("Shape", ["nhwc"], "shape")
        g.node("Gather", ["shape", "zero"], "batch", [attribute("axis", int: 0)])
        g.node("Concat", ["batch", "minus_one"], "target", [attribute("axis", int: 0)])
        g.node("Reshape", ["nhwc", "target"], "flat")
        g.node("MatMul", ["flat", "dense"], "mm")
        g.node("Add", ["mm", "dense_bias"], "output")
        let model = try ONNXImport.model(from: g.data)
        #expect(model.inputShape == [h, w, c])
        #expect(model.layers.map(\.typeName) == ["Conv2D", "BatchNormalization", "Activation", "Flatten", "Dense"])
        #expect((model.layers[0] as? Conv2D)?.padding == .same)

        let x = testValues(h * w * c, seed: 19, scale: 1)
        let y = try model.predict(Tensor(shape: [1, h, w, c], scalars: x))
        var (features, _, _) = referenceConvolution(x, height: h, width: w, channels: c, weight: weight, bias: bias,
                                                    filters: f, window: k, pad: 1)
        for index in features.indices {
            let channel = index % f
            features[index] = max(0, gamma[channel] * (features[index] - mean[channel]) / (variance[channel] + 0.001).squareRoot() + beta[channel])
        }
        for u in 0..<2 {
            var expected = denseBias[u]
            for index in features.indices { expected += features[index] * dense[index * 2 + u] }
            #expect(abs(y[0, u] - expected) < 1e-5, "output \(u): \(y[0, u]) against \(expected)")
        }
    }

    /// NCHW input with 3 channels: the Flatten's (C, H, W) order must become Perceptron's (H, W, C).
    @Test("A channels-first image with several channels: the Dense after Flatten reads features in Perceptron's order")
    func channelsFirstFlatten() throws {
        let (c, h, w) = (3, 2, 2)
        let dense = testValues(c * h * w * 2, seed: 21)
        var g = TestGraph(input: [nil, c, h, w])
        g.weight("dense", [2, c * h * w], dense)
        g.node("MaxPool", ["input"], "pooled", [attribute("kernel_shape", ints: [1, 1])])
        g.node("Flatten", ["pooled"], "flat")
        g.node("Gemm", ["flat", "dense"], "output", [attribute("transB", int: 1)])
        let model = try ONNXImport.model(from: g.data)
        #expect(model.inputShape == [h, w, c])
        let nchw = testValues(c * h * w, seed: 22, scale: 1)
        var nhwc = [Float](repeating: 0, count: nchw.count)
        for ci in 0..<c { for y in 0..<h { for x in 0..<w { nhwc[(y * w + x) * c + ci] = nchw[(ci * h + y) * w + x] } } }
        let output = try model.predict(Tensor(shape: [1, h, w, c], scalars: nhwc))
        for u in 0..<2 {
            var expected: Float = 0
            for index in nchw.indices { expected += nchw[index] * dense[u * nchw.count + index] }
            #expect(abs(output[0, u] - expected) < 1e-5)
        }
    }

    @Test("An unsupported op is named with its node's index, name and op, and what is supported")
    func unsupportedOp() throws {
        var g = TestGraph(input: [nil, 4])
        g.node("Relu", ["input"], "r")
        g.node("LeakyRelu", ["r"], "output", name: "act/leaky")
        let message = try #require(importError(g.data))
        #expect(message.contains("node 1 'act/leaky' (LeakyRelu)"))
        #expect(message.contains("not supported") && message.contains("Gemm, MatMul"))
    }

    @Test("Unsupported attributes and values are named with the node", arguments: [
        ("Conv", attribute("group", int: 2), "group=2 is not supported"),
        ("Conv", attribute("dilations", ints: [2, 2]), "dilations [2, 2] are not supported"),
        ("Conv", attribute("pads", ints: [0, 0, 2, 2]), "neither 'valid'"),
        ("Conv", attribute("frobnicate", int: 1), "attribute 'frobnicate' is not supported"),
    ])
    func unsupportedAttribute(op: String, extra: Onnx_AttributeProto, expected: String) throws {
        var g = TestGraph(input: [nil, 1, 6, 6])
        g.weight("k", [2, 1, 3, 3], testValues(18, seed: 1))
        g.node(op, ["input", "k"], "conv", [extra], name: "the_conv")
        g.node("Flatten", ["conv"], "output")
        let message = try #require(importError(g.data))
        #expect(message.contains("node 0 'the_conv' (Conv)"), "\(message)")
        #expect(message.contains(expected), "\(message)")
    }

    @Test("Gemm with transA is refused with the reason")
    func gemmTransA() throws {
        var g = TestGraph(input: [nil, 4])
        g.weight("w", [4, 2], testValues(8, seed: 1))
        g.node("Gemm", ["input", "w"], "output", [attribute("transA", int: 1)])
        let message = try #require(importError(g.data))
        #expect(message.contains("transA=1 is not supported"))
    }

    @Test("A branching graph is refused: Perceptron models are chains")
    func branching() throws {
        var g = TestGraph(input: [nil, 4])
        g.node("Relu", ["input"], "a")
        g.node("Sigmoid", ["a"], "b")
        g.node("Tanh", ["a"], "output")
        let message = try #require(importError(g.data))
        #expect(message.contains("branching graphs are not supported"))
    }

    @Test("Metadata and the producer travel into the model's metadata")
    func metadata() throws {
        var g = TestGraph(input: [nil, 4])
        g.node("Relu", ["input"], "output")
        var model = g.model
        var entry = Onnx_StringStringEntryProto()
        entry.key = "pixel_scale"; entry.value = "0.00392156862745098"
        model.metadataProps = [entry]
        let imported = try ONNXImport.model(from: model.serializedBytes())
        #expect(imported.metadata["pixel_scale"] == "0.00392156862745098")
        #expect(imported.metadata["onnx_producer"] == "tests")
        #expect(imported.name == "test_graph")
    }

    /// The fuzzer's seeds (Fuzz/make_seeds.py encodes them by hand): the valid ones import, the
    /// others fail for the flaw they were made with, so the seeds start the fuzzer where meant.
    @Test("The FuzzONNX seeds import, or fail for their own flaw", arguments: [
        ("gemm_mlp.onnx", nil), ("matmul_add.onnx", nil), ("torch_convnet.onnx", nil), ("keras_convnet.onnx", nil),
        ("external_data.onnx", "external data"), ("cycle.onnx", "cycle"), ("unsupported_op.onnx", "(Erf): the op is not supported"),
    ] as [(String, String?)])
    func fuzzSeeds(name: String, flaw: String?) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus/FuzzONNX/\(name)")
        let data = try Data(contentsOf: url)
        if let flaw {
            let message = try #require(importError(data))
            #expect(message.contains(flaw), "\(message)")
        } else {
            let model = try ONNXImport.model(from: data)
            #expect(model.metadata["pixel_scale"] == "0.00392156862745098")
            _ = try model.predict(Tensor.zeros([1] + model.inputShape))
        }
    }
}
