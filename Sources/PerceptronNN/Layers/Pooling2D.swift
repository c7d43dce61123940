// Max and average pooling over channels-last windows, forward and backward side by side.
// Legend: N batch, H/W input size, OH/OW output size, C channels.

import CPerceptronCPU
import PerceptronIO
import PerceptronTensor

/// Keras's `MaxPooling2D` and `AveragePooling2D` on `[N, H, W, C]`.
///
/// Strides default to the pool size and padding to `.valid`, as in Keras. Max pooling sends
/// each output's gradient to the first maximal input of its window (the one forward chose;
/// a NaN in the window's first cell is kept, so NaN propagates);
/// average pooling with `.same` padding divides by the number of real (unpadded) cells, as
/// Keras does.
public final class Pooling2D: Layer {
    public enum Kind: String, Sendable { case max, average }

    public let name: String
    public let kind: Kind
    public var typeName: String { kind == .max ? "MaxPooling2D" : "AveragePooling2D" }
    public let poolSize: (height: Int, width: Int)
    public let strides: (height: Int, width: Int)
    public let padding: Padding
    public private(set) var inputShape: [Int]?
    var geometry: WindowGeometry!
    var output = Tensor.empty
    private var inferenceOutput = Tensor.empty
    private var inputGradient = Tensor.empty
    /// For max pooling: the flat input offset (within its image) chosen by each output.
    var chosen: [Int32] = []
    var cachedCount = 0

    init(kind: Kind, poolSize: (Int, Int), strides: (Int, Int)?, padding: Padding, name: String?) {
        let strides = strides ?? poolSize
        precondition(poolSize.0 > 0 && poolSize.1 > 0 && strides.0 > 0 && strides.1 > 0,
                     "pooling needs positive pool size and strides, got \(poolSize), \(strides)")
        self.kind = kind
        self.poolSize = poolSize
        self.strides = strides
        self.padding = padding
        let base = kind == .max ? "max_pooling2d" : "average_pooling2d"
        if let name { LayerNames.reserve(name) }
        self.name = name ?? LayerNames.next(base)
    }

    func makeGeometry(_ inputShape: [Int]) -> WindowGeometry {
        precondition(inputShape.count == 3, "\(typeName) '\(name)' expects samples [H, W, C], got \(inputShape)")
        return WindowGeometry(inputHeight: inputShape[0], inputWidth: inputShape[1], channels: inputShape[2],
                              windowHeight: poolSize.height, windowWidth: poolSize.width,
                              strideHeight: strides.height, strideWidth: strides.width, padding: padding)
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        geometry = makeGeometry(inputShape)
        self.inputShape = inputShape
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = makeGeometry(inputShape)
        return [g.outputHeight, g.outputWidth, g.channels]
    }

    public var parameters: [Parameter] { [] }

    public var config: [String: JSONValue] {
        ["pool_size": .ints([poolSize.height, poolSize.width]), "strides": .ints([strides.height, strides.width]),
         "padding": .string(padding.rawValue)]
    }

    static let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// The input rows and columns a window covers, clipped to the image.
    @inline(__always)
    private func window(_ oy: Int, _ ox: Int, _ g: WindowGeometry) -> (Range<Int>, Range<Int>) {
        let y0 = oy * g.strideHeight - g.padTop, x0 = ox * g.strideWidth - g.padLeft
        return (max(y0, 0)..<min(y0 + g.windowHeight, g.inputHeight), max(x0, 0)..<min(x0 + g.windowWidth, g.inputWidth))
    }

    // x: [N, H, W, C] -> y: [N, OH, OW, C]
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry!
        let n = x.shape[0]
        precondition(Array(x.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
                     "\(typeName) '\(name)' expects [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], got \(x.shape)")
        var y = Tensor.empty
        // Training keeps the output for backward; inference reuses its own buffer (fresh
        // pages would cost a page fault each).
        if training { swap(&y, &output) } else { swap(&y, &inferenceOutput) }
        Tensor.reuse(&y, shape: [n, g.outputHeight, g.outputWidth, g.channels])
        let outputCount = n * g.outputPositions * g.channels
        if training && kind == .max && chosen.count != outputCount { chosen = [Int32](repeating: 0, count: outputCount) }
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let outputSize = g.outputPositions * g.channels
        let recordChoice = training && kind == .max
        if isPairwiseMax {
            y.withUnsafeMutableBufferPointer { out in
                x.withUnsafeBufferPointer { input in
                    chosen.withUnsafeMutableBufferPointer { choice in
                        let shared = UncheckedSendable((out.baseAddress!, input.baseAddress!, recordChoice ? choice.baseAddress : nil))
                        Parallel.forEachChunk(n, costPerItem: outputSize * 4) { range in
                            let (out, input, choice) = shared.value
                            for image in range {
                                Self.pairwiseMaxForward(input + image * imageSize, geometry: g,
                                                        into: out + image * outputSize, choice: choice.map { $0 + image * outputSize })
                            }
                        }
                    }
                }
            }
            keep(y, training: training, count: n)
            return y
        }
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                chosen.withUnsafeMutableBufferPointer { choice in
                    let shared = UncheckedSendable((out.baseAddress!, input.baseAddress!, choice.baseAddress))
                    Parallel.forEachChunk(n, costPerItem: outputSize * g.windowHeight * g.windowWidth) { range in
                        let (out, input, choice) = shared.value
                        for image in range {
                            let source = input + image * imageSize
                            for oy in 0..<g.outputHeight {
                                for ox in 0..<g.outputWidth {
                                    let (rows, cols) = window(oy, ox, g)
                                    let base = image * outputSize + (oy * g.outputWidth + ox) * g.channels
                                    var c = 0
                                    // Eight channels at a time: the window's cells are contiguous
                                    // channel vectors in the channels-last layout.
                                    while c + 8 <= g.channels {
                                        let first = (rows.lowerBound * g.inputWidth + cols.lowerBound) * g.channels + c
                                        var best = Self.load(source + first)
                                        if kind == .max {
                                            var offsets = SIMD8<Int32>(repeating: Int32(first)) &+ Self.lanes
                                            for iy in rows {
                                                for ix in cols {
                                                    let offset = (iy * g.inputWidth + ix) * g.channels + c
                                                    let value = Self.load(source + offset)
                                                    let better = value .> best
                                                    best.replace(with: value, where: better)
                                                    offsets.replace(with: SIMD8<Int32>(repeating: Int32(offset)) &+ Self.lanes, where: better)
                                                }
                                            }
                                            if recordChoice {
                                                UnsafeMutableRawPointer(choice! + base + c).storeBytes(of: offsets, as: SIMD8<Int32>.self)
                                            }
                                        } else {
                                            best = SIMD8<Float>()
                                            for iy in rows {
                                                for ix in cols { best += Self.load(source + (iy * g.inputWidth + ix) * g.channels + c) }
                                            }
                                            best /= Float(rows.count * cols.count)
                                        }
                                        UnsafeMutableRawPointer(out + base + c).storeBytes(of: best, as: SIMD8<Float>.self)
                                        c += 8
                                    }
                                    while c < g.channels {
                                        let first = (rows.lowerBound * g.inputWidth + cols.lowerBound) * g.channels + c
                                        if kind == .max {
                                            var best = source[first]
                                            var bestOffset = first
                                            for iy in rows {
                                                for ix in cols {
                                                    let offset = (iy * g.inputWidth + ix) * g.channels + c
                                                    if source[offset] > best { best = source[offset]; bestOffset = offset }
                                                }
                                            }
                                            out[base + c] = best
                                            if recordChoice { choice![base + c] = Int32(bestOffset) }
                                        } else {
                                            var sum: Float = 0
                                            for iy in rows { for ix in cols { sum += source[(iy * g.inputWidth + ix) * g.channels + c] } }
                                            out[base + c] = sum / Float(rows.count * cols.count)
                                        }
                                        c += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        keep(y, training: training, count: n)
        return y
    }

    /// Keeps `y`: as training's output, for backward, or as inference's buffer, to reuse.
    private func keep(_ y: Tensor, training: Bool, count n: Int) {
        if training {
            output = y
            cachedCount = n
        } else {
            inferenceOutput = y
        }
    }

    // dy: [N, OH, OW, C] -> dx: [N, H, W, C]
    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor.empty }
        let g = geometry!
        let n = cachedCount
        precondition(dy.shape == [n, g.outputHeight, g.outputWidth, g.channels],
                     "\(typeName) '\(name)' backward expects \([n, g.outputHeight, g.outputWidth, g.channels]), got \(dy.shape)")
        Tensor.reuse(&inputGradient, shape: [n, g.inputHeight, g.inputWidth, g.channels])
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let outputSize = g.outputPositions * g.channels
        if isPairwiseMax {
            inputGradient.withUnsafeMutableBufferPointer { dx in
                dy.withUnsafeBufferPointer { grad in
                    chosen.withUnsafeBufferPointer { choice in
                        let shared = UncheckedSendable((dx.baseAddress!, grad.baseAddress!, choice.baseAddress!))
                        Parallel.forEachChunk(n, costPerItem: imageSize) { range in
                            let (dx, grad, choice) = shared.value
                            for image in range {
                                Self.pairwiseMaxBackward(grad + image * outputSize, choice: choice + image * outputSize,
                                                         geometry: g, into: dx + image * imageSize)
                            }
                        }
                    }
                }
            }
            return inputGradient
        }
        inputGradient.withUnsafeMutableBufferPointer { dx in
            dx.update(repeating: 0)
            dy.withUnsafeBufferPointer { grad in
                chosen.withUnsafeBufferPointer { choice in
                    let shared = UncheckedSendable((dx.baseAddress!, grad.baseAddress!, choice.baseAddress))
                    Parallel.forEachChunk(n, costPerItem: outputSize * 4) { range in
                        let (dx, grad, choice) = shared.value
                        for image in range {
                            let target = dx + image * imageSize
                            for oy in 0..<g.outputHeight {
                                for ox in 0..<g.outputWidth {
                                    let base = image * outputSize + (oy * g.outputWidth + ox) * g.channels
                                    if kind == .max {
                                        for c in 0..<g.channels { target[Int(choice![base + c])] += grad[base + c] }
                                    } else {
                                        let (rows, cols) = window(oy, ox, g)
                                        let share = 1 / Float(rows.count * cols.count)
                                        for c in 0..<g.channels {
                                            let value = grad[base + c] * share
                                            for iy in rows { for ix in cols { target[(iy * g.inputWidth + ix) * g.channels + c] += value } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    // MARK: 2x2 max pooling with stride 2 (the convnet's), eight channels at a time

    /// Max pooling over non-overlapping 2x2 windows that lie inside the image, with channels
    /// a multiple of 8: the common case, with constant window arithmetic and, in backward, every
    /// input cell written once instead of cleared and then accumulated.
    var isPairwiseMax: Bool {
        let g = geometry!
        return kind == .max && g.windowHeight == 2 && g.windowWidth == 2 && g.strideHeight == 2 && g.strideWidth == 2
            && g.padTop == 0 && g.padLeft == 0 && g.channels % 8 == 0
            && 2 * g.outputHeight <= g.inputHeight && 2 * g.outputWidth <= g.inputWidth
    }

    // x: [H, W, C] -> y: [OH, OW, C]; choice: the flat input offset of each output's first maximum
    // (the cells visited in the general path's order, so ties and NaN resolve the same way).
    static func pairwiseMaxForward(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, into y: UnsafeMutablePointer<Float>,
                                   choice: UnsafeMutablePointer<Int32>?, vectorUnit: VectorUnit = .widest) {
        let c = g.channels, rowSize = g.inputWidth * c
        if vectorUnit != .baseline {
            // The same selects on AVX2, which has a blend instruction (SSE2 has none): bit for bit.
            perceptron_pairwise_max_avx2(x, g.outputHeight, g.outputWidth, c, rowSize, y, choice)
            return
        }
        let right = SIMD8<Int32>(repeating: Int32(c)), below = SIMD8<Int32>(repeating: Int32(rowSize))
        var o = 0
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let first = 2 * oy * rowSize + 2 * ox * c
                for channel in stride(from: 0, to: c, by: 8) {
                    let p = x + first + channel
                    let topRight = load(p + c), bottomLeft = load(p + rowSize), bottomRight = load(p + rowSize + c)
                    var best = load(p)
                    var offsets = SIMD8<Int32>(repeating: Int32(first + channel)) &+ lanes
                    let start = offsets
                    var better = topRight .> best
                    best.replace(with: topRight, where: better)
                    offsets.replace(with: start &+ right, where: better)
                    better = bottomLeft .> best
                    best.replace(with: bottomLeft, where: better)
                    offsets.replace(with: start &+ below, where: better)
                    better = bottomRight .> best
                    best.replace(with: bottomRight, where: better)
                    offsets.replace(with: start &+ below &+ right, where: better)
                    UnsafeMutableRawPointer(y + o).storeBytes(of: best, as: SIMD8<Float>.self)
                    if let choice { UnsafeMutableRawPointer(choice + o).storeBytes(of: offsets, as: SIMD8<Int32>.self) }
                    o += 8
                }
            }
        }
    }

    // dy: [OH, OW, C] -> dx: [H, W, C], each cell the gradient of the output that chose it or 0
    // (0 + dy, as the general path's accumulation into zeros gives); a last odd row or column,
    // which no window covers, is cleared.
    static func pairwiseMaxBackward(_ dy: UnsafePointer<Float>, choice: UnsafePointer<Int32>, geometry g: WindowGeometry,
                                    into dx: UnsafeMutablePointer<Float>) {
        let c = g.channels, rowSize = g.inputWidth * c
        if 2 * g.outputHeight != g.inputHeight || 2 * g.outputWidth != g.inputWidth {
            dx.update(repeating: 0, count: g.inputHeight * rowSize)
        }
        let right = SIMD8<Int32>(repeating: Int32(c)), below = SIMD8<Int32>(repeating: Int32(rowSize))
        let zero = SIMD8<Float>()
        var o = 0
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let first = 2 * oy * rowSize + 2 * ox * c
                for channel in stride(from: 0, to: c, by: 8) {
                    let gradient = zero + load(dy + o)
                    let chosen = UnsafeRawPointer(choice + o).loadUnaligned(as: SIMD8<Int32>.self)
                    let start = SIMD8<Int32>(repeating: Int32(first + channel)) &+ lanes
                    let p = UnsafeMutableRawPointer(dx + first + channel)
                    p.storeBytes(of: zero.replacing(with: gradient, where: chosen .== start), as: SIMD8<Float>.self)
                    (p + 4 * c).storeBytes(of: zero.replacing(with: gradient, where: chosen .== start &+ right),
                                           as: SIMD8<Float>.self)
                    (p + 4 * rowSize).storeBytes(of: zero.replacing(with: gradient, where: chosen .== start &+ below),
                                                 as: SIMD8<Float>.self)
                    (p + 4 * (rowSize + c)).storeBytes(of: zero.replacing(with: gradient, where: chosen .== start &+ below &+ right),
                                                       as: SIMD8<Float>.self)
                    o += 8
                }
            }
        }
    }
}

/// Keras's `layers.MaxPooling2D`: the maximum of each window; strides default to the pool size.
public func MaxPooling2D(_ poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
                         name: String? = nil) -> Pooling2D {
    Pooling2D(kind: .max, poolSize: poolSize, strides: strides, padding: padding, name: name)
}

/// A square `MaxPooling2D`: `MaxPooling2D(2)`.
public func MaxPooling2D(_ poolSize: Int, strides: Int? = nil, padding: Padding = .valid, name: String? = nil) -> Pooling2D {
    MaxPooling2D((poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding, name: name)
}

/// Keras's `layers.AveragePooling2D`: the mean of each window's real cells.
public func AveragePooling2D(_ poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
                             name: String? = nil) -> Pooling2D {
    Pooling2D(kind: .average, poolSize: poolSize, strides: strides, padding: padding, name: name)
}

/// A square `AveragePooling2D`: `AveragePooling2D(2)`.
public func AveragePooling2D(_ poolSize: Int, strides: Int? = nil, padding: Padding = .valid, name: String? = nil) -> Pooling2D {
    AveragePooling2D((poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding, name: name)
}
