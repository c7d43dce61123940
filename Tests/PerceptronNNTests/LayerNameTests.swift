// Keras's automatic layer names: snake-case class names, per-name counters shared by all
// models of the process, explicit names reserved. The counters are process-wide, so every
// test that creates automatic or Keras-style names lives in the serialized suite below
// (SummaryTests and the Sequential file round trip are nested in it from their own files).

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

@Suite struct SnakeCaseTests {
    @Test("LayerNames.snakeCase matches Keras's to_snake_case", arguments: [
        ("MaxPooling2D", "max_pooling2d"), ("BatchNormalization", "batch_normalization"), ("Conv2D", "conv2d"),
        ("InputLayer", "input_layer"), ("Dense", "dense"), ("AveragePooling2D", "average_pooling2d"),
        ("Conv2DTranspose", "conv2d_transpose"), ("ReLU", "re_lu"), ("HTTPServer", "http_server"),
        ("Layer2Norm", "layer2_norm"), ("Functional", "functional"), ("GlobalAveragePooling1D", "global_average_pooling1d"),
    ])
    func snakeCase(_ name: String, _ expected: String) {
        // Keras 3 keras/src/utils/naming.py: re.sub("(.)([A-Z][a-z]+)", r"\1_\2"), then
        // re.sub("([a-z])([A-Z])", r"\1_\2"), lowercased.
        #expect(LayerNames.snakeCase(name) == expected)
    }

    @Test("Each layer type's automatic base name is its snake-cased Keras class name")
    func typeNamesAndBases() {
        // Explicit names keep these layers out of the global counters.
        let layers: [any Layer] = [Dense(1, name: "x1"), Activation(.relu, name: "x2"), Flatten(name: "x3"),
                                   Reshape([1], name: "x4"), InputLayer(shape: [1], name: "x5")]
        #expect(layers.map(\.typeName) == ["Dense", "Activation", "Flatten", "Reshape", "InputLayer"])
        #expect(layers.map { LayerNames.snakeCase($0.typeName) } == ["dense", "activation", "flatten", "reshape", "input_layer"])
    }

    @Test("A numbered explicit name at Int.max does not overflow the counter")
    func hugeNumberedName() {
        let layer = Dense(2, name: "huge_9223372036854775807")
        #expect(layer.name == "huge_9223372036854775807")
        #expect(LayerNames.next("huge_9223372036854775807") == "huge_9223372036854775807_1")
    }
}

@Suite(.serialized) struct NameCounterTests {
    /// Input(4) -> Dense(3) -> Dense(3) -> Dense(2) with automatic names, built with a local
    /// generator (the names, not the weights, matter here).
    private func lessonShapedModel() -> Model {
        let input = Input(shape: [4])
        var generator = SeededGenerator(seed: 1)
        var node = input
        for units in [3, 3, 2] {
            let dense = Dense(units)
            dense.build(inputShape: node.shape, generator: &generator)
            node = dense(node)
        }
        return Model(inputs: input, outputs: node)
    }

    private func names(_ model: Model) -> [String] { [model.inputLayer.name] + model.layers.map(\.name) }

    @Test("The naming transcript of model_summary.py naming")
    func kerasTranscript() {
        LayerNames.reset()
        // model_summary.py naming (Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1):
        // model 1: functional ['input_layer', 'dense', 'dense_1', 'dense_2']
        let first = lessonShapedModel()
        #expect(first.name == "functional")
        #expect(names(first) == ["input_layer", "dense", "dense_1", "dense_2"])
        // model 2: functional_1 ['input_layer_1', 'dense_3', 'dense_4', 'dense_5']
        let second = lessonShapedModel()
        #expect(second.name == "functional_1")
        #expect(names(second) == ["input_layer_1", "dense_3", "dense_4", "dense_5"])
        // sequential: sequential ['dense_6', 'dense_7', 'dense_8']
        let stack = Sequential(inputShape: [4], layers: [
            built(Dense(3), on: [4]), built(Dense(3), on: [3]), built(Dense(2), on: [3]),
        ])
        #expect(stack.name == "sequential")
        #expect(stack.layers.map(\.name) == ["dense_6", "dense_7", "dense_8"])
        // after clear_session: functional ['input_layer', 'dense', 'dense_1', 'dense_2']
        LayerNames.reset()
        let third = lessonShapedModel()
        #expect(third.name == "functional")
        #expect(names(third) == ["input_layer", "dense", "dense_1", "dense_2"])
        // explicit name: my_dense
        #expect(Dense(1, name: "my_dense").name == "my_dense")
    }

    @Test("Every layer kind counts on its own base")
    func bases() {
        LayerNames.reset()
        #expect([Flatten().name, Flatten().name, Activation(.tanh).name, Reshape([1]).name, Flatten().name]
                == ["flatten", "flatten_1", "activation", "reshape", "flatten_2"])
        #expect(Sequential(inputShape: [2]).inputLayer.name == "input_layer")
        #expect(Sequential(inputShape: [2]).name == "sequential_1")
        #expect(LayerNames.next("widget") == "widget" && LayerNames.next("widget") == "widget_1")
    }

    @Test("Explicit names are reserved: automatic names never collide with them")
    func explicitNamesReserved() {
        LayerNames.reset()
        #expect(Dense(1).name == "dense")
        // A numbered explicit name moves the counter past it (Keras would hand out dense_1..7
        // again and fail later on a duplicate; Perceptron avoids the collision).
        #expect(Dense(1, name: "dense_7").name == "dense_7")
        #expect(Dense(1).name == "dense_8")
        // An unnumbered explicit name reserves that exact name.
        _ = Flatten(name: "flatten")
        #expect(Flatten().name == "flatten_1")
        // A lower number does not move the counter back.
        _ = Dense(1, name: "dense_2")
        #expect(Dense(1).name == "dense_9")
        // Names of other shapes do not touch the base's counter.
        _ = Dense(1, name: "my_dense")
        _ = Dense(1, name: "dense_x")
        #expect(Dense(1).name == "dense_10")
    }

    @Test("reset() starts every count over, like keras.backend.clear_session()")
    func resetStartsOver() {
        #expect(LayerNames.next("gizmo").hasPrefix("gizmo"))
        _ = LayerNames.next("gizmo")
        LayerNames.reset()
        #expect(LayerNames.next("gizmo") == "gizmo")
        #expect(Dense(1).name == "dense")
    }
}
