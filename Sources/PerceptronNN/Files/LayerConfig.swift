// Rebuilding layers and optimizers from the JSON configs saved in model files, with every
// value checked so a corrupt or hostile file gives an error, never a crash.

import Foundation
import PerceptronIO
import PerceptronTensor

/// Typed, checked access to one layer's saved config.
public struct ConfigReader {
    let config: [String: JSONValue]
    let context: String
    let path: String
    /// When loading a file: how many scalars its tensors hold for this layer (`name/...`), the
    /// most the layer may allocate; nil when not known.
    var availableWeights: Int?

    /// A reader of `config`; errors name the file `path` and the layer or optimizer `context`
    /// (`"layer 2 'dense_1' (Dense)"`, `"optimizer"`).
    public init(_ config: [String: JSONValue], context: String, path: String) {
        self.config = config
        self.context = context
        self.path = path
    }

    /// The error to throw for a bad config: `path: context: detail`.
    public func fail(_ detail: String) -> ModelFileError { ModelFileError(path: path, "\(context): \(detail)") }

    /// An integer in `range`; `defaultValue` when absent (if given).
    /// - Throws: `ModelFileError` when absent without a default, not an integer, or out of range.
    public func int(_ key: String, in range: ClosedRange<Int>, default defaultValue: Int? = nil) throws -> Int {
        guard let raw = config[key] else {
            if let defaultValue { return defaultValue }
            throw fail("missing '\(key)'")
        }
        guard let value = raw.intValue, range.contains(value) else {
            throw fail("'\(key)' must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A finite number in `range`; `defaultValue` when absent (if given).
    /// - Throws: `ModelFileError` when absent without a default, not a finite number, or out of range.
    public func double(_ key: String, in range: ClosedRange<Double>, default defaultValue: Double? = nil) throws -> Double {
        guard let raw = config[key] else {
            if let defaultValue { return defaultValue }
            throw fail("missing '\(key)'")
        }
        guard let value = raw.doubleValue, value.isFinite, range.contains(value) else {
            throw fail("'\(key)' must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A boolean; `defaultValue` when absent.
    /// - Throws: `ModelFileError` when present but not `true` or `false`.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let raw = config[key] else { return defaultValue }
        guard let value = raw.boolValue else { throw fail("'\(key)' must be true or false") }
        return value
    }

    /// A string-backed enum value; `defaultValue` when absent (if given).
    /// - Throws: `ModelFileError` when absent without a default, or not one of the enum's raw values.
    public func value<E: RawRepresentable>(_ key: String, as type: E.Type, default defaultValue: E? = nil) throws -> E where E.RawValue == String {
        guard let raw = config[key] else {
            if let defaultValue { return defaultValue }
            throw fail("missing '\(key)'")
        }
        guard let text = raw.stringValue, let value = E(rawValue: text) else {
            throw fail("'\(key)' has an unknown value")
        }
        return value
    }

    /// A list of 1 to 8 positive integers (a shape), each at most `limit`, -1 allowed when
    /// `allowInferred`.
    /// - Throws: `ModelFileError` when absent, malformed, out of range, or holding more than
    ///   `2^26` values in all.
    public func shape(_ key: String, limit: Int = 1 << 24, allowInferred: Bool = false) throws -> [Int] {
        guard let items = config[key]?.arrayValue, !items.isEmpty, items.count <= 8 else {
            throw fail("'\(key)' must be a list of 1 to 8 dimensions")
        }
        let values = items.compactMap(\.intValue)
        guard values.count == items.count,
              values.allSatisfy({ (1...limit).contains($0) || (allowInferred && $0 == -1) }) else {
            throw fail("'\(key)' must hold positive integers up to \(limit)")
        }
        // Eight dimensions of up to 2^24 overflow Int when multiplied: bound the product here,
        // so callers can multiply the dimensions without trapping on a hostile file.
        var product = 1
        for value in values where value > 0 {
            let (next, overflow) = product.multipliedReportingOverflow(by: value)
            guard !overflow, next <= LayerRegistry.maximumSampleSize else {
                throw fail("'\(key)' \(values) holds more than \(LayerRegistry.maximumSampleSize) values")
            }
            product = next
        }
        return values
    }
}

/// Builds a layer from its saved type name, name and config, checking the config against
/// the input shape it will receive.
public typealias LayerFactory = @Sendable (_ name: String, _ config: ConfigReader, _ inputShape: [Int]) throws -> any Layer

/// The layer types a model file may contain. Unknown types are rejected.
public enum LayerRegistry {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var factories: [String: LayerFactory] = builtIn

    /// Registers a layer type for loading (built-in types are present from the start).
    public static func register(_ typeName: String, _ factory: @escaping LayerFactory) {
        lock.withLock { factories[typeName] = factory }
    }

    /// The factory for `typeName`, if known.
    public static func factory(for typeName: String) -> LayerFactory? { lock.withLock { factories[typeName] } }

    /// Largest per-sample size accepted for any layer's output in a loaded model.
    static let maximumSampleSize = 1 << 26

    static let builtIn: [String: LayerFactory] = [
        "Dense": { name, config, inputShape in
            let units = try config.int("units", in: 1...(1 << 20))
            guard let width = inputShape.last, width > 0 else {
                throw config.fail("a Dense needs a non-empty input, got \(inputShape)")
            }
            try config.requireWeights([width, units], for: "its kernel")
            return Dense(units, activation: try config.value("activation", as: ActivationFunction.self, default: .linear),
                         useBias: try config.bool("use_bias", default: true),
                         kernelInitializer: try config.value("kernel_initializer", as: Initializer.self, default: .glorotUniform),
                         biasInitializer: try config.value("bias_initializer", as: Initializer.self, default: .zeros),
                         name: name)
        },
        "Activation": { name, config, _ in
            Activation(try config.value("activation", as: ActivationFunction.self), name: name)
        },
        "Flatten": { name, _, _ in Flatten(name: name) },
        "Conv2D": { name, config, inputShape in
            let filters = try config.int("filters", in: 1...(1 << 16))
            let kernel = try config.pair("kernel_size")
            let strides = try config.pair("strides", default: (1, 1))
            let padding = try config.value("padding", as: Padding.self, default: .valid)
            try config.checkWindow(inputShape, window: kernel, padding: padding)
            // Multiplied with overflow checks: a 'same' window of 4096 x 4096 over 2^24 channels
            // with 2^16 filters is 2^64 weights.
            try config.requireWeights([kernel.0, kernel.1, inputShape[2], filters], for: "its kernel")
            return Conv2D(filters, kernelSize: kernel, strides: strides, padding: padding,
                          activation: try config.value("activation", as: ActivationFunction.self, default: .linear),
                          useBias: try config.bool("use_bias", default: true), name: name)
        },
        "MaxPooling2D": { name, config, inputShape in try pooling(.max, name, config, inputShape) },
        "AveragePooling2D": { name, config, inputShape in try pooling(.average, name, config, inputShape) },
        "Dropout": { name, config, _ in
            Dropout(Float(try config.double("rate", in: 0...0.999999)), name: name)
        },
        "BatchNormalization": { name, config, inputShape in
            try config.requireWeights([4, inputShape.last ?? 1], for: "its gamma, beta, moving mean and moving variance")
            return BatchNormalization(momentum: Float(try config.double("momentum", in: 0...1, default: 0.99)),
                                      epsilon: Float(try config.double("epsilon", in: 1e-12...1, default: 1e-3)), name: name)
        },
        "RandomRotation": { name, config, inputShape in
            guard inputShape.count == 3 else { throw config.fail("expects images [H, W, C], got \(inputShape)") }
            return RandomRotation(try config.double("factor", in: 0...1),
                                  fillMode: try config.value("fill_mode", as: FillMode.self, default: .reflect),
                                  fillValue: Float(try config.double("fill_value", in: -1e6...1e6, default: 0)),
                                  seed: try config.seed(), name: name)
        },
        "RandomTranslation": { name, config, inputShape in
            guard inputShape.count == 3 else { throw config.fail("expects images [H, W, C], got \(inputShape)") }
            return RandomTranslation(heightFactor: try config.double("height_factor", in: 0...1),
                                     widthFactor: try config.double("width_factor", in: 0...1),
                                     fillMode: try config.value("fill_mode", as: FillMode.self, default: .reflect),
                                     fillValue: Float(try config.double("fill_value", in: -1e6...1e6, default: 0)),
                                     seed: try config.seed(), name: name)
        },
        "Reshape": { name, config, inputShape in
            let target = try config.shape("target_shape", allowInferred: true)
            let count = inputShape.reduce(1, *)
            let known = target.filter { $0 != -1 }.reduce(1, *)
            let inferred = target.filter { $0 == -1 }.count
            guard inferred <= 1, known > 0, inferred == 1 ? count % known == 0 : known == count else {
                throw config.fail("cannot reshape \(inputShape) to \(target)")
            }
            return Reshape(target, name: name)
        },
    ]
}

/// A pooling layer from its saved config.
private func pooling(_ kind: Pooling2D.Kind, _ name: String, _ config: ConfigReader, _ inputShape: [Int]) throws -> any Layer {
    let size = try config.pair("pool_size", default: (2, 2))
    let strides = try config.pair("strides", default: size)
    let padding = try config.value("padding", as: Padding.self, default: .valid)
    try config.checkWindow(inputShape, window: size, padding: padding)
    return Pooling2D(kind: kind, poolSize: size, strides: strides, padding: padding, name: name)
}

extension ConfigReader {
    /// Checks the number of weights a layer will allocate, the product of `factors`, before it
    /// is built: the product must not overflow or exceed `LayerRegistry.maximumSampleSize`,
    /// and, when loading a file, must not exceed `availableWeights`. Building allocates and
    /// randomly initialises the weights, so without this a few bytes of JSON naming a large
    /// layer would cost hundreds of megabytes and seconds before "missing weight" is found.
    ///
    /// - Parameters:
    ///   - factors: the dimensions whose product is the number of weights.
    ///   - part: what the weights are, for the message ("its kernel").
    /// - Throws: `ModelFileError` naming the layer, the weights needed and the limit or the
    ///   weights present.
    public func requireWeights(_ factors: [Int], for part: String) throws {
        var count = 1
        for factor in factors {
            let (product, overflow) = count.multipliedReportingOverflow(by: factor)
            guard !overflow, product <= LayerRegistry.maximumSampleSize else {
                throw fail("\(part): \(factors.map(String.init).joined(separator: " x ")) weights, more than the \(LayerRegistry.maximumSampleSize) allowed")
            }
            count = product
        }
        if let availableWeights, count > availableWeights {
            throw fail("\(part): \(count) weights needed, but the file holds \(availableWeights) for this layer")
        }
    }

    /// Two positive integers `[a, b]` (kernel sizes, strides), each at most 4096;
    /// `defaultValue` when absent (if given).
    /// - Throws: `ModelFileError` when absent without a default, or not two such integers.
    public func pair(_ key: String, default defaultValue: (Int, Int)? = nil) throws -> (Int, Int) {
        guard config[key] != nil || defaultValue == nil else { return defaultValue! }
        let values = try shape(key, limit: 4096)
        guard values.count == 2 else { throw fail("'\(key)' must hold two integers") }
        return (values[0], values[1])
    }

    /// An optional seed saved as a decimal string (JSON numbers cannot hold every UInt64).
    func seed() throws -> UInt64? {
        guard let raw = config["seed"] else { return nil }
        guard let text = raw.stringValue, let value = UInt64(text) else { throw fail("'seed' must be a decimal string") }
        return value
    }

    /// Checks that a window applies to `inputShape` `[H, W, C]`.
    func checkWindow(_ inputShape: [Int], window: (Int, Int), padding: Padding) throws {
        guard inputShape.count == 3 else { throw fail("expects samples [H, W, C], the previous layer gives \(inputShape)") }
        guard WindowGeometry.fits(inputHeight: inputShape[0], inputWidth: inputShape[1], windowHeight: window.0,
                                  windowWidth: window.1, padding: padding) else {
            throw fail("a \(window.0)x\(window.1) window does not fit the \(inputShape[0])x\(inputShape[1]) input")
        }
    }
}

extension Loss {
    /// The loss saved under `name`.
    static func named(_ name: String) -> Loss? {
        Loss(rawValue: name) ?? Loss.allCases.first { $0.rawValue.replacingOccurrences(of: "_", with: "") == name.lowercased() }
    }
}

/// Rebuilds an optimizer from its saved class name and config.
func makeOptimizer(_ className: String, _ config: ConfigReader) throws -> any Optimizer {
    switch className {
    case "adam":
        return Adam(learningRate: Float(try config.double("learning_rate", in: learningRateRange)),
                    beta1: Float(try config.double("beta_1", in: 0...0.999999, default: 0.9)),
                    beta2: Float(try config.double("beta_2", in: 0...0.999999, default: 0.999)),
                    epsilon: Float(try config.double("epsilon", in: 0...1, default: 1e-7)))
    case "sgd":
        return SGD(learningRate: Float(try config.double("learning_rate", in: learningRateRange)),
                   momentum: Float(try config.double("momentum", in: 0...0.999999, default: 0)),
                   nesterov: try config.bool("nesterov", default: false))
    case "rmsprop":
        return RMSprop(learningRate: Float(try config.double("learning_rate", in: learningRateRange)),
                       rho: Float(try config.double("rho", in: 0...0.999999, default: 0.9)),
                       momentum: Float(try config.double("momentum", in: 0...0.999999, default: 0)),
                       epsilon: Float(try config.double("epsilon", in: 0...1, default: 1e-7)),
                       centered: try config.bool("centered", default: false))
    default:
        throw config.fail("unknown optimizer '\(className.prefix(32))' (expected adam, sgd or rmsprop)")
    }
}
