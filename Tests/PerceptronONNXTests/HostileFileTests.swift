// Hostile and damaged ONNX files: each gets a clear error naming what is wrong, never a
// crash and never an allocation the file's own bytes do not justify.

import Foundation
import PerceptronNN
@testable import PerceptronONNX
import PerceptronTensor
import Testing

@Suite struct HostileFileTests {
    /// input [N, 4] -> Gemm(w [4, 3], b [3]) -> Relu -> output.
    private func small() -> TestGraph {
        var g = TestGraph(input: [nil, 4])
        g.weight("w", [4, 3], testValues(12, seed: 1))
        g.weight("b", [3], testValues(3, seed: 2))
        g.node("Gemm", ["input", "w", "b"], "h")
        g.node("Relu", ["h"], "output")
        return g
    }

    @Test("The small graph itself imports (so each test below fails for its own flaw)")
    func valid() throws {
        let model = try ONNXImport.model(from: small().data)
        #expect(model.layers.count == 1 && model.outputShape == [3])
    }

    @Test("A truncated file is refused at every cut as truncated or malformed")
    func truncated() throws {
        let data = small().data
        for cut in stride(from: 1, to: data.count - 1, by: 7) {
            let message = try #require(importError(data.prefix(cut)), "cut at \(cut) of \(data.count)")
            #expect(message.hasPrefix("test.onnx: "))
            #expect(message.contains("truncated") || message.contains("malformed") || message.contains("no graph")
                    || message.contains("opset") || message.contains("input") || message.contains("output")
                    || message.contains("produce"), "\(message)")
        }
        let fixtureBytes = try fixture("torch_convnet.onnx")
        let message = try #require(importError(fixtureBytes.prefix(fixtureBytes.count / 2)))
        #expect(message.contains("truncated"), "\(message)")
    }

    @Test("A field of the wrong wire type is refused as malformed")
    func wrongWireType() throws {
        // ModelProto field 7 (graph, a message) written as a varint: tag (7 << 3) | 0.
        let message = try #require(importError(Data([0x38, 0x01])))
        #expect(message.contains("malformed protobuf"), "\(message)")
        // ir_version (field 1, a varint) written as a length-delimited field.
        let second = try #require(importError(Data([0x0A, 0x02, 0x01, 0x02]) + small().data))
        #expect(second.contains("malformed protobuf"), "\(second)")
    }

    @Test("A tensor whose shape multiplies past 2^40 is refused before anything is allocated")
    func hugeShape() throws {
        var g = small()
        var tensor = Onnx_TensorProto()
        tensor.name = "w"
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.dims = [1 << 21, 1 << 20]
        g.initializers[0] = tensor
        let message = try #require(importError(g.data))
        #expect(message.contains("'w'") && message.contains("passes 2^40"), "\(message)")
        tensor.dims = [Int64.max, Int64.max, 2]
        g.initializers[0] = tensor
        #expect(try #require(importError(g.data)).contains("passes 2^40"))
    }

    @Test("Tensors with external data are refused, naming the file they point to")
    func externalData() throws {
        var g = small()
        g.initializers[0].dataLocation = .external
        var location = Onnx_StringStringEntryProto()
        location.key = "location"; location.value = "../../etc/weights.bin"
        g.initializers[0].externalData = [location]
        g.initializers[0].clearRawData()
        let message = try #require(importError(g.data))
        #expect(message.contains("external data") && message.contains("weights.bin") && message.contains("refused"), "\(message)")
    }

    @Test("A cycle in the graph is refused, naming a node on it")
    func cycle() throws {
        var g = TestGraph(input: [nil, 4])
        g.node("Relu", ["input"], "a")
        g.node("Add", ["a", "d"], "b")
        g.node("Relu", ["b"], "c")
        g.node("Relu", ["c"], "d")
        g.node("Identity", ["d"], "output")
        let message = try #require(importError(g.data))
        #expect(message.contains("cycle") && message.contains("node 1"), "\(message)")
    }

    @Test("A node that uses a name nothing produces is refused, naming the node and the name")
    func missingName() throws {
        var g = small()
        g.nodes[1].input = ["nowhere"]
        let message = try #require(importError(g.data))
        #expect(message.contains("node 1 'relu_1' (Relu) uses 'nowhere', which no node"), "\(message)")
    }

    @Test("raw_data of another length than the shape needs is refused")
    func rawDataLength() throws {
        var g = small()
        g.initializers[0].rawData = Data(count: 47)
        let message = try #require(importError(g.data))
        #expect(message.contains("initializer 'w'") && message.contains("48 bytes") && message.contains("47 bytes of raw_data"), "\(message)")
        g.initializers[0].clearRawData()
        g.initializers[0].floatData = [1, 2, 3]
        #expect(try #require(importError(g.data)).contains("3 values in float_data"))
    }

    @Test("A tensor of another type where float32 is needed is refused, naming the type")
    func nonFloat() throws {
        var g = small()
        g.initializers[0].dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        g.initializers[0].rawData = Data(count: 96)
        let message = try #require(importError(g.data))
        #expect(message.contains("'w'") && message.contains("DOUBLE") && message.contains("float32 is needed"), "\(message)")
        var input = small()
        var info = valueInfo("input", [nil, 4])
        info.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.uint8.rawValue)
        var model = input.model
        model.graph.input = [info]
        input.nodes = []
        #expect(try #require(importError(model.serializedBytes())).contains("UINT8"))
    }

    @Test("Names produced twice, several inputs, or no graph are refused")
    func structure() throws {
        var g = small()
        g.nodes[1].output = ["h"]
        #expect(try #require(importError(g.data)).contains("already produced"))
        #expect(try #require(importError(Data())).contains("no graph"))
        var model = small().model
        model.graph.input.append(valueInfo("second", [nil, 2]))
        #expect(try #require(importError(model.serializedBytes())).contains("2 inputs"))
    }

    @Test("An input whose sizes multiply past any integer is refused, not overflowed")
    func hugeInput() throws {
        var g = TestGraph(input: [nil, 1 << 24, 1 << 24, 1 << 24])
        g.node("Relu", ["input"], "output")
        let message = try #require(importError(g.data))
        #expect(message.contains("over 16777216 scalars per sample"), "\(message)")
    }

    @Test("Thousands of metadata entries: the model still saves and loads")
    func manyMetadataEntries() throws {
        var model = small().model
        model.metadataProps = (0..<1500).map { index in
            var entry = Onnx_StringStringEntryProto()
            entry.key = "key_\(index)"; entry.value = "\"value\"\n\(index)"
            return entry
        }
        let imported = try ONNXImport.model(from: model.serializedBytes())
        #expect(imported.metadata.count == 1000)
        let reloaded = try Model.load(bytes: imported.fileBytes())
        #expect(reloaded.metadata == imported.metadata)
    }

    @Test("Thousands of mutated files never crash the importer", .timeLimit(.minutes(2)))
    func mutations() throws {
        let seeds = [small().data, try fixture("torch_convnet.onnx").prefix(4096) + Data()]
        var state: UInt64 = 12345
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var imported = 0
        for round in 0..<3000 {
            var bytes = [UInt8](seeds[round % seeds.count])
            for _ in 0...(next() % 4) {
                let position = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
                }
            }
            if (try? ONNXImport.model(from: Data(bytes))) != nil { imported += 1 }
        }
        // Most mutations break the file; a few (a changed weight) still import.
        #expect(imported < 3000)
    }
}
