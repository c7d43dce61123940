// Conv2D and the pooling layers: forward against direct Double loops written from Keras's
// definitions (channels-last, `same` padding with the extra cell at the bottom/right), and
// backward against central differences of those loops.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// Direct Double implementations of Keras's convolution and pooling.
enum WindowReference {
    /// Keras/TensorFlow `same` padding: output ceil(in / stride), total padding split with the
    /// extra cell at the end.
    static func geometry(_ size: Int, window: Int, stride: Int, same: Bool) -> (output: Int, padBefore: Int) {
        if !same { return ((size - window) / stride + 1, 0) }
        let output = (size + stride - 1) / stride
        return (output, max((output - 1) * stride + window - size, 0) / 2)
    }

    /// `y[n, oy, ox, f] = b[f] + Σ x[n, oy s + ky - pt, ox s + kx - pl, c] k[ky, kx, c, f]`.
    static func conv(_ x: [Double], n: Int, h: Int, w: Int, c: Int, _ k: [Double], kh: Int, kw: Int, f: Int,
                     _ b: [Double], stride: (Int, Int), same: Bool) -> (y: [Double], oh: Int, ow: Int) {
        let (oh, pt) = geometry(h, window: kh, stride: stride.0, same: same)
        let (ow, pl) = geometry(w, window: kw, stride: stride.1, same: same)
        var y = [Double](repeating: 0, count: n * oh * ow * f)
        for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<f {
            var sum = b[o]
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * stride.0 + ky - pt, ix = ox * stride.1 + kx - pl
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                for ch in 0..<c { sum += x[((i * h + iy) * w + ix) * c + ch] * k[((ky * kw + kx) * c + ch) * f + o] }
            } }
            y[((i * oh + oy) * ow + ox) * f + o] = sum
        } } } }
        return (y, oh, ow)
    }

    /// Max or average over each window's real cells.
    static func pool(_ x: [Double], n: Int, h: Int, w: Int, c: Int, window: (Int, Int), stride: (Int, Int),
                     same: Bool, max useMax: Bool) -> [Double] {
        let (oh, pt) = geometry(h, window: window.0, stride: stride.0, same: same)
        let (ow, pl) = geometry(w, window: window.1, stride: stride.1, same: same)
        var y = [Double](repeating: 0, count: n * oh * ow * c)
        for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<c {
            var values: [Double] = []
            for ky in 0..<window.0 { for kx in 0..<window.1 {
                let iy = oy * stride.0 + ky - pt, ix = ox * stride.1 + kx - pl
                if iy >= 0, iy < h, ix >= 0, ix < w { values.append(x[((i * h + iy) * w + ix) * c + ch]) }
            } }
            y[((i * oh + oy) * ow + ox) * c + ch] = useMax ? values.max()! : values.reduce(0, +) / Double(values.count)
        } } } }
        return y
    }
}

@Suite struct ConvolutionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let h, w, c, f, kh, kw: Int
        let stride: (Int, Int)
        let same: Bool
        var testDescription: String { "\(h)x\(w)x\(c) -> \(f), kernel \(kh)x\(kw), strides \(stride), \(same ? "same" : "valid")" }
    }

    static let cases = [
        Case(h: 5, w: 5, c: 1, f: 2, kh: 3, kw: 3, stride: (1, 1), same: false),
        Case(h: 6, w: 5, c: 3, f: 4, kh: 3, kw: 2, stride: (1, 1), same: true),
        Case(h: 7, w: 6, c: 2, f: 3, kh: 3, kw: 3, stride: (2, 2), same: true),
        Case(h: 6, w: 7, c: 2, f: 2, kh: 2, kw: 3, stride: (2, 1), same: false),
        Case(h: 4, w: 4, c: 9, f: 8, kh: 1, kw: 1, stride: (1, 1), same: false),
    ]

    @Test("Conv2D forward equals the direct convolution, and backward its central differences",
          arguments: cases, [false, true])
    func convolution(_ t: Case, chunked: Bool) throws {
        let n = 3
        let layer = built(Conv2D(t.f, kernelSize: (t.kh, t.kw), strides: t.stride, padding: t.same ? .same : .valid,
                                 name: "conv_check"), on: [t.h, t.w, t.c], seed: 3)
        // Chunked: one image per chunk, so forward and backward cross chunk boundaries.
        if chunked { layer.convolution.chunkBytes = 1 }
        #expect(chunked ? layer.convolution.chunkImages == 1 : layer.convolution.chunkImages >= n)
        let x = randomValues(n * t.h * t.w * t.c, seed: 4)
        let k = layer.kernel.value.doubles
        let b = randomValues(t.f, seed: 5, in: -0.5...0.5)
        layer.bias!.value = tensor(b, [t.f])
        let reference = WindowReference.conv(x, n: n, h: t.h, w: t.w, c: t.c, k, kh: t.kh, kw: t.kw, f: t.f, b,
                                             stride: t.stride, same: t.same)
        let y = layer.forward(tensor(x, [n, t.h, t.w, t.c]), training: true)
        #expect(y.shape == [n, reference.oh, reference.ow, t.f])
        #expect(layer.outputShape(for: [t.h, t.w, t.c]) == [reference.oh, reference.ow, t.f])
        expectClose(y.doubles, reference.y, relative: 1e-5, absolute: 1e-5, "y")

        // J = Σ g ⊙ y, so dJ/dy = g.
        let g = randomValues(reference.y.count, seed: 6)
        let dx = layer.backward(tensor(g, y.shape), needsInputGradient: true)
        func objective(_ x: [Double], _ k: [Double], _ b: [Double]) -> Double {
            zip(g, WindowReference.conv(x, n: n, h: t.h, w: t.w, c: t.c, k, kh: t.kh, kw: t.kw, f: t.f, b,
                                        stride: t.stride, same: t.same).y).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectClose(dx.doubles, centralDifferences(at: x) { objective($0, k, b) }, relative: 1e-4, absolute: 1e-5, "dJ/dx")
        expectClose(layer.kernel.gradient.doubles, centralDifferences(at: k) { objective(x, $0, b) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dkernel")
        expectClose(layer.bias!.gradient.doubles, centralDifferences(at: b) { objective(x, k, $0) },
                    relative: 1e-4, absolute: 1e-5, "dJ/dbias")
    }

    /// The direct forward's contract, bit for bit: each output one chain of fused multiply-adds
    /// from 0 over the window in (kh, kw, c) order, as a one-block GEMM of the unfolded windows
    /// forms it, then the bias (0 for ReLU without bias), then ReLU; for the lesson's second
    /// convolution and for shapes with short rows of positions and two panels of filters.
    static let directUnits = VectorUnit.available.filter { $0 != .baseline }

    @Test("The direct forward (AVX2, AVX-512) sums each output as one chain of fused multiply-adds, then adds the bias",
          .enabled(if: !directUnits.isEmpty, "the direct kernels need AVX2 or AVX-512"),
          arguments: [(13, 13, 32, 64, 3, 3), (6, 9, 6, 128, 2, 3), (3, 4, 40, 64, 3, 1), (5, 2, 17, 64, 1, 2), (4, 9, 33, 64, 1, 1)],
          directUnits)
    func directForwardIsOneChainPerOutput(shape: (Int, Int, Int, Int, Int, Int), unit: VectorUnit) throws {
        let (h, w, c, f, kh, kw) = shape
        let layer = built(Conv2D(f, kernelSize: (kh, kw), activation: .relu, name: "direct_conv"), on: [h, w, c], seed: 7)
        layer.convolution.directUnit = unit
        try #require(layer.convolution.usesDirectKernels && !layer.usesSmallKernel)
        let g = layer.geometry, n = 2
        let x = tensor(randomValues(n * h * w * c, seed: 8), [n, h, w, c])
        let bias = tensor(randomValues(f, seed: 9, in: -0.5...0.5), [f])
        let (xs, ws, bs) = (x.scalars, layer.kernel.value.scalars, bias.scalars)
        for (useBias, relu) in [(true, true), (true, false), (false, true), (false, false)] {
            var z = Tensor.empty
            layer.convolution.forward(x, kernel: layer.kernel.value, bias: useBias ? bias : Tensor.empty, relu: relu, small: false,
                                      into: &z)
            var expected = [Float](repeating: 0, count: n * g.outputPositions * f)
            for image in 0..<n { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for o in 0..<f {
                var sum: Float = 0
                for ky in 0..<kh { for kx in 0..<kw { for channel in 0..<c {
                    let input = xs[((image * h + oy + ky) * w + ox + kx) * c + channel]
                    sum = sum.addingProduct(input, ws[((ky * kw + kx) * c + channel) * f + o]) // one rounding
                } } }
                if useBias { sum += bs[o] } else if relu { sum += 0 }
                expected[((image * g.outputHeight + oy) * g.outputWidth + ox) * f + o] = relu && sum < 0 ? 0 : sum
            } } } }
            #expect(z.shape == [n, g.outputHeight, g.outputWidth, f])
            #expect(z.scalars.elementsEqual(expected) { $0.bitPattern == $1.bitPattern }, "bias \(useBias), relu \(relu), \(unit)")
        }
    }

    /// The direct kernel gradient's contract, bit for bit: image after image, each a chain of
    /// fused multiply-adds from 0 over the output positions in order, then added to dw; with a
    /// channel count that leaves short tiles (C not a multiple of 4) and two panels of filters.
    @Test("The direct kernel gradient (AVX2, AVX-512) adds each image's sum, formed as one chain of fused multiply-adds",
          .enabled(if: !directUnits.isEmpty, "the direct kernels need AVX2 or AVX-512"),
          arguments: [(13, 13, 32, 64, 3, 3), (6, 9, 6, 128, 2, 3), (3, 4, 41, 64, 3, 1)], directUnits)
    func directKernelGradientIsOneChainPerImage(shape: (Int, Int, Int, Int, Int, Int), unit: VectorUnit) throws {
        let (h, w, c, f, kh, kw) = shape
        let layer = built(Conv2D(f, kernelSize: (kh, kw), name: "direct_gradient"), on: [h, w, c], seed: 10)
        layer.convolution.directUnit = unit
        try #require(layer.convolution.usesDirectKernels)
        let g = layer.geometry, n = 3
        let x = tensor(randomValues(n * h * w * c, seed: 11), [n, h, w, c])
        let dz = tensor(randomValues(n * g.outputPositions * f, seed: 12), [n, g.outputHeight, g.outputWidth, f])
        let start = tensor(randomValues(kh * kw * c * f, seed: 13), [kh, kw, c, f])
        var dw = start, db = Tensor.empty, dx = Tensor.empty
        layer.convolution.backward(input: x, preactivationGradient: dz, kernel: layer.kernel.value, needsInputGradient: false,
                                   kernelGradient: &dw, biasGradient: &db, inputGradient: &dx)
        var expected = start.scalars
        let (xs, ds) = (x.scalars, dz.scalars)
        for image in 0..<n {
            for ky in 0..<kh { for kx in 0..<kw { for channel in 0..<c { for o in 0..<f {
                var sum: Float = 0
                for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
                    let input = xs[((image * h + oy + ky) * w + ox + kx) * c + channel]
                    sum = sum.addingProduct(input, ds[((image * g.outputHeight + oy) * g.outputWidth + ox) * f + o])
                } }
                expected[((ky * kw + kx) * c + channel) * f + o] += sum
            } } } }
        }
        #expect(dw.scalars.elementsEqual(expected) { $0.bitPattern == $1.bitPattern }, "\(unit)")
    }

    /// The direct input gradient's contract, bit for bit: each cell +0 plus the contributions
    /// of the output positions whose window covers it, in order of position, each a chain of
    /// fused multiply-adds from 0 over the filters: a one-block GEMM of dz by wᵀ folded back
    /// position after position (what OpenBLAS and the chunked way give). Shapes with one and
    /// several tiles per row, 16 and 48 channels (a 16-channel block after a 32 one) and two
    /// panels of filters.
    @Test("The direct input gradient (AVX2, AVX-512) adds each position's chain of fused multiply-adds in the fold's order",
          .enabled(if: !directUnits.isEmpty, "the direct kernels need AVX2 or AVX-512"),
          arguments: [(13, 13, 32, 64, 3, 3), (6, 9, 16, 128, 2, 3), (3, 4, 48, 64, 3, 1), (4, 20, 16, 64, 2, 2)], directUnits)
    func directInputGradientFoldsOneChainPerPosition(shape: (Int, Int, Int, Int, Int, Int), unit: VectorUnit) throws {
        let (h, w, c, f, kh, kw) = shape
        let layer = built(Conv2D(f, kernelSize: (kh, kw), name: "direct_input_gradient"), on: [h, w, c], seed: 14)
        layer.convolution.directUnit = unit
        try #require(layer.convolution.usesDirectInputGradient)
        let g = layer.geometry, n = 3
        let x = tensor(randomValues(n * h * w * c, seed: 15), [n, h, w, c])
        let dz = tensor(randomValues(n * g.outputPositions * f, seed: 16), [n, g.outputHeight, g.outputWidth, f])
        var dw = Tensor.zeros([kh, kw, c, f]), db = Tensor.empty, dx = Tensor.empty
        layer.convolution.backward(input: x, preactivationGradient: dz, kernel: layer.kernel.value, needsInputGradient: true,
                                   kernelGradient: &dw, biasGradient: &db, inputGradient: &dx)
        var expected = [Float](repeating: 0, count: n * h * w * c)
        let (ws, ds) = (layer.kernel.value.scalars, dz.scalars)
        for image in 0..<n { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
            for ky in 0..<kh { for kx in 0..<kw { for channel in 0..<c {
                var sum: Float = 0
                for o in 0..<f {
                    sum = sum.addingProduct(ds[((image * g.outputHeight + oy) * g.outputWidth + ox) * f + o],
                                            ws[((ky * kw + kx) * c + channel) * f + o]) // one rounding
                }
                expected[((image * h + oy + ky) * w + ox + kx) * c + channel] += sum
            } } }
        } } }
        #expect(dx.shape == [n, h, w, c])
        #expect(dx.scalars.elementsEqual(expected) { $0.bitPattern == $1.bitPattern }, "\(unit)")
    }

    /// The direct kernels take only what they compute: stride 1, no padding, filters in 64s, a
    /// window past the short-window kernels' 32 values, and a CPU with AVX2 or AVX-512.
    @Test("Only stride-1 'valid' convolutions with filters in 64s and long windows take the direct kernels, channels in 16s the direct input gradient")
    func directKernelsApplyOnlyWhereTheyCompute() {
        func direct(_ f: Int, window: Int, stride: Int = 1, padding: Padding = .valid, channels: Int = 32) -> Bool {
            built(Conv2D(f, kernelSize: window, strides: stride, padding: padding), on: [13, 13, channels]).convolution.usesDirectKernels
        }
        let available = VectorUnit.widest != .baseline
        #expect(direct(64, window: 3) == available)          // the lesson's second convolution
        #expect(direct(128, window: 2) == available)
        #expect(!direct(64, window: 3, padding: .same))
        #expect(!direct(64, window: 3, stride: 2))
        #expect(!direct(32, window: 3))
        #expect(!direct(96, window: 3))
        #expect(!direct(64, window: 3, channels: 1))         // 9 values: the short-window kernels
        // The input gradient runs direct for channels in 16s; otherwise by chunks.
        #expect(built(Conv2D(64, kernelSize: 3), on: [13, 13, 32]).convolution.usesDirectInputGradient == available)
        #expect(built(Conv2D(64, kernelSize: 3), on: [13, 13, 48]).convolution.usesDirectInputGradient == available)
        #expect(!built(Conv2D(64, kernelSize: 3), on: [13, 13, 40]).convolution.usesDirectInputGradient)
        let layer = built(Conv2D(64, kernelSize: 3), on: [13, 13, 32])
        layer.convolution.directUnit = nil
        #expect(!layer.convolution.usesDirectKernels && !layer.convolution.usesDirectInputGradient)
    }

    /// The first convolution's gradient read from its pooling's side: one AVX2 call per tile
    /// gives `load`'s values and sum bit for bit, with cells no window covers (odd maps), cells
    /// a window did not choose, negative zeros, NaN and non-positive pooled values.
    @Test("The pooled gradient's AVX2 tile equals the row-by-row reads bit for bit",
          .enabled(if: VectorUnit.available.contains(.avx2), "needs AVX2"), arguments: [false, true])
    func pooledGradientTile(relu: Bool) {
        let maps = WindowGeometry(inputHeight: 7, inputWidth: 7, channels: 1, windowHeight: 3, windowWidth: 3,
                                  strideHeight: 1, strideWidth: 1, padding: .valid)            // 5 x 5 maps
        let pooling = WindowGeometry(inputHeight: 5, inputWidth: 5, channels: 16, windowHeight: 2, windowWidth: 2,
                                     strideHeight: 2, strideWidth: 2, padding: .valid)         // 2 x 2, the last row and column left out
        let n = 2, pooledCount = n * pooling.outputPositions * 16
        var generator = SeededGenerator(seed: 21)
        let special: [Float] = [-0.0, .nan, 0, -1.5, 2.25]
        func value() -> Float { generator.nextDouble() < 0.2 ? special[Int(generator.next() % 5)] : generator.nextFloat() - 0.5 }
        let dy = (0..<pooledCount).map { _ in value() }, pooled = (0..<pooledCount).map { _ in value() }
        // Each pooled value's chosen cell: one of its window's four, as the pooling writes it.
        var choice = [Int32](repeating: 0, count: pooledCount)
        for image in 0..<n { for py in 0..<2 { for px in 0..<2 { for c in 0..<16 {
            let (dy2, dx2) = (Int(generator.next() % 2), Int(generator.next() % 2))
            choice[((image * 2 + py) * 2 + px) * 16 + c] = Int32(((2 * py + dy2) * 5 + 2 * px + dx2) * 16 + c)
        } } } }
        dy.withUnsafeBufferPointer { dy in pooled.withUnsafeBufferPointer { pooled in choice.withUnsafeBufferPointer { choice in
            func source(_ vectorised: Bool) -> PooledGradient {
                PooledGradient(dy: dy.baseAddress!, pooled: pooled.baseAddress!, choice: choice.baseAddress!, relu: relu,
                               maps: maps, pooling: pooling, vectorised: vectorised)
            }
            let rows = 0..<(n * maps.outputPositions)
            for column in [0, 8] {
                var results: [([SIMD8<Float>], SIMD8<Float>)] = []
                for vectorised in [false, true] {
                    let gradient = source(vectorised)
                    var state = gradient.makeTileState(capacity: rows.count)
                    defer { gradient.release(&state) }
                    gradient.prepare(rows: rows, into: &state)
                    var tile = [SIMD8<Float>](repeating: SIMD8(repeating: .nan), count: rows.count)
                    let sum = tile.withUnsafeMutableBufferPointer { gradient.loadTile(rows: rows, column: column, state: state, into: $0.baseAddress!) }
                    results.append((tile, sum))
                }
                let bits = { (v: SIMD8<Float>) in (0..<8).map { v[$0].bitPattern } }
                #expect(results[0].0.map(bits) == results[1].0.map(bits), "tile, column \(column)")
                #expect(bits(results[0].1) == bits(results[1].1), "sum, column \(column)")
                #expect(results[0].0.contains { v in (0..<8).contains { v[$0] != 0 } }, "some cells get a gradient")
            }
        } } }
    }

    /// The first convolution's weight and bias sums formed in one AVX-512 pass, reading the
    /// pooled gradient as it goes, equal the tile loop's bit for bit: odd maps (cells no window
    /// covers), 16, 32 and 48 channels (one pass of 16, one of 32, then both), ReLU or not,
    /// negative zeros and NaN, and enough rows for the threads to split them.
    @Test("The AVX-512 pooled weight sums equal the tile loop's bit for bit",
          .enabled(if: VectorUnit.available.contains(.avx512), "needs AVX-512"),
          arguments: [16, 32, 48], [false, true])
    func pooledWeightSums(channels: Int, relu: Bool) {
        let maps = WindowGeometry(inputHeight: 7, inputWidth: 7, channels: 1, windowHeight: 3, windowWidth: 3,
                                  strideHeight: 1, strideWidth: 1, padding: .valid)            // 5 x 5 maps
        let pooling = WindowGeometry(inputHeight: 5, inputWidth: 5, channels: channels, windowHeight: 2, windowWidth: 2,
                                     strideHeight: 2, strideWidth: 2, padding: .valid)         // 2 x 2, the last row and column left out
        let n = 400, pooledCount = n * pooling.outputPositions * channels
        var generator = SeededGenerator(seed: 22)
        let special: [Float] = [-0.0, 0, -1.5, 2.25]
        func value() -> Float { generator.nextDouble() < 0.05 ? special[Int(generator.next() % 4)] : generator.nextFloat() - 0.5 }
        var dy = (0..<pooledCount).map { _ in value() }, pooled = (0..<pooledCount).map { _ in value() }
        // A few NaN: in one channel's gradient, and pooled values (which pass the ReLU's mask).
        for i in stride(from: 7, to: pooledCount, by: 997) { pooled[i] = .nan }
        (dy[3 * channels + 5], pooled[3 * channels + 5]) = (.nan, 1)
        let x = (0..<(n * 49)).map { _ in generator.nextFloat() }
        var choice = [Int32](repeating: 0, count: pooledCount)
        for image in 0..<n { for py in 0..<2 { for px in 0..<2 { for c in 0..<channels {
            let (dy2, dx2) = (Int(generator.next() % 2), Int(generator.next() % 2))
            choice[((image * 2 + py) * 2 + px) * channels + c] = Int32(((2 * py + dy2) * 5 + 2 * px + dx2) * channels + c)
        } } } }
        let m = n * maps.outputPositions
        func sums(fused: Bool) -> [UInt32] {
            var dw = [Float](repeating: 0.25, count: 9 * channels), db = [Float](repeating: -0.5, count: channels)
            dy.withUnsafeBufferPointer { dy in pooled.withUnsafeBufferPointer { pooled in choice.withUnsafeBufferPointer { choice in
                x.withUnsafeBufferPointer { x in dw.withUnsafeMutableBufferPointer { dw in db.withUnsafeMutableBufferPointer { db in
                    let source = PooledGradient(dy: dy.baseAddress!, pooled: pooled.baseAddress!, choice: choice.baseAddress!,
                                                relu: relu, maps: maps, pooling: pooling, fusedSums: fused)
                    SmallGEMM.weightGradients(m: m, n: channels, k: 9, a: PatchRows(windowsOf: x.baseAddress!, geometry: maps),
                                              gradient: source, dw: dw.baseAddress!, db: db.baseAddress!)
                } } }
            } } }
            return (dw + db).map(\.bitPattern)
        }
        let (loop, fused) = (sums(fused: false), sums(fused: true))
        #expect(loop == fused)
        #expect(Set(loop).count > channels && loop.contains { Float(bitPattern: $0).isNaN }, "the sums differ, and NaN reached some")
    }

    /// The first convolution and its pooling in one AVX-512 kernel give the two steps' pooled
    /// values and choices bit for bit: even and odd maps, 16, 32 and 48 filters, ReLU or linear,
    /// with and without bias, inputs with zeros, negative zeros, ties and a NaN.
    @Test("The AVX-512 multiply-and-pool equals the short-window product then the pairwise pooling",
          .enabled(if: VectorUnit.available.contains(.avx512), "needs AVX-512"),
          arguments: [(8, 16), (9, 32), (7, 48)], [false, true])
    func multiplyAndPool(shape: (Int, Int), relu: Bool) {
        let (size, filters) = shape
        let g = WindowGeometry(inputHeight: size, inputWidth: size + 1, channels: 1, windowHeight: 3, windowWidth: 3,
                               strideHeight: 1, strideWidth: 1, padding: .valid)
        let pg = WindowGeometry(inputHeight: g.outputHeight, inputWidth: g.outputWidth, channels: filters, windowHeight: 2,
                                windowWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid)
        let n = 3
        var xs = randomValues(n * size * (size + 1), seed: 50, in: -1...1).map(Float.init)
        for i in stride(from: 0, to: xs.count, by: 5) { xs[i] = 0 }
        for i in stride(from: 2, to: xs.count, by: 13) { xs[i] = -0.0 }
        xs[(size + 1) + 2] = .nan  // row 1, column 2: inside every shape's pooled windows
        let x = Tensor(shape: [n, size, size + 1, 1], scalars: xs)
        let w = tensor(randomValues(9 * filters, seed: 51), [9, filters])
        for bias in [Tensor.empty, tensor(randomValues(filters, seed: 52, in: -0.3...0.3), [filters])] {
            var pooled = Tensor.empty, choices: [Int32] = []
            ConvolutionPoolingKernel.multiplyAndPool(x, kernel: w, bias: bias, relu: relu, maps: g, pooling: pg,
                                                     into: &pooled, choices: &choices)
            var maps = [Float](repeating: .nan, count: n * g.outputPositions * filters)
            var expected = Tensor.zeros(pooled.shape), expectedChoices = [Int32](repeating: -1, count: choices.count)
            xs.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                maps.withUnsafeMutableBufferPointer { maps in
                    SmallGEMM.multiply(m: n * g.outputPositions, n: filters, k: 9, a: PatchRows(windowsOf: x.baseAddress!, geometry: g),
                                       b: w.baseAddress!, bias: b.count == 0 ? nil : b.baseAddress, relu: relu, c: maps.baseAddress!)
                    expected.withUnsafeMutableBufferPointer { out in expectedChoices.withUnsafeMutableBufferPointer { choice in
                        for image in 0..<n {
                            PoolingKernels.pairwiseMaxForward(maps.baseAddress! + image * g.outputPositions * filters, geometry: pg,
                                                              into: out.baseAddress! + image * pg.outputPositions * filters,
                                                              choice: choice.baseAddress! + image * pg.outputPositions * filters)
                        }
                    } }
                }
            } } }
            #expect(pooled.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "bias \(bias.count > 0)")
            #expect(choices == expectedChoices, "bias \(bias.count > 0)")
            #expect(pooled.scalars.contains { $0.isNaN } && Set(choices.map { $0 % Int32(filters) }).count == filters)
        }
    }

    @Test("A first Conv2D layer (short window, 8 filters): the fused kernels give the same forward and gradients",
          arguments: [ActivationFunction.linear, .relu])
    func firstLayerKernels(activation: ActivationFunction) throws {
        let (n, h, w, f) = (3, 7, 6, 8)
        let layer = built(Conv2D(f, kernelSize: 3, activation: activation, name: "conv_first_check"), on: [h, w, 1], seed: 13)
        #expect(layer.usesSmallKernel)
        let x = randomValues(n * h * w, seed: 14)
        let k = layer.kernel.value.doubles
        let b = randomValues(f, seed: 15, in: -0.5...0.5)
        layer.bias!.value = tensor(b, [f])
        func forward(_ x: [Double], _ k: [Double], _ b: [Double]) -> [Double] {
            let z = WindowReference.conv(x, n: n, h: h, w: w, c: 1, k, kh: 3, kw: 3, f: f, b, stride: (1, 1), same: false).y
            return activation == .relu ? z.map { max(0, $0) } : z
        }
        let y = layer.forward(tensor(x, [n, h, w, 1]), training: true)
        expectClose(y.doubles, forward(x, k, b), relative: 1e-5, absolute: 1e-5, "y")
        let g = randomValues(y.count, seed: 16)
        #expect(layer.backward(tensor(g, y.shape), needsInputGradient: false).count == 0)
        func objective(_ k: [Double], _ b: [Double]) -> Double { zip(g, forward(x, k, b)).reduce(0) { $0 + $1.0 * $1.1 } }
        expectClose(layer.kernel.gradient.doubles, centralDifferences(at: k) { objective($0, b) }, relative: 1e-4, absolute: 1e-5, "dJ/dkernel")
        expectClose(layer.bias!.gradient.doubles, centralDifferences(at: b) { objective(k, $0) }, relative: 1e-4, absolute: 1e-5, "dJ/dbias")
    }

    @Test("Conv2D with ReLU: zero gradient where the output is zero")
    func convolutionReLU() {
        let layer = built(Conv2D(2, kernelSize: 3, activation: .relu, name: "conv_relu_check"), on: [5, 5, 1], seed: 7)
        let x = tensor(randomValues(2 * 25, seed: 8), [2, 5, 5, 1])
        let y = layer.forward(x, training: true)
        #expect(y.scalars.allSatisfy { $0 >= 0 })
        let linear = built(Conv2D(2, kernelSize: 3, name: "conv_linear_check"), on: [5, 5, 1], seed: 7)
        let z = linear.forward(x, training: true)
        #expect(zip(y.scalars, z.scalars).allSatisfy { $0 == max(0, $1) })
        let active = z.scalars.filter { $0 > 0 }.count
        #expect(active > 0 && active < y.count, "both signs are needed for the check to mean anything")
        // Through the ReLU, an upstream gradient of ones is the linear layer's with zeros
        // where the output is zero: the same input, kernel and bias gradients.
        let dx = layer.backward(Tensor(shape: y.shape, repeating: 1), needsInputGradient: true)
        let mask = Tensor(shape: z.shape, scalars: z.scalars.map { $0 > 0 ? 1 : 0 })
        let dxLinear = linear.backward(mask, needsInputGradient: true)
        #expect(dx.shape == x.shape)
        expectClose(dx.doubles, dxLinear.doubles, relative: 1e-6, absolute: 1e-7, "dJ/dx")
        expectClose(layer.kernel.gradient.doubles, linear.kernel.gradient.doubles, relative: 1e-6, absolute: 1e-7, "dJ/dkernel")
        expectClose(layer.bias!.gradient.doubles, linear.bias!.gradient.doubles, relative: 1e-6, absolute: 1e-7, "dJ/dbias")
        #expect(layer.bias!.gradient.doubles.allSatisfy { $0 < Double(y.count / 2) }, "some outputs pass no gradient")
    }

    @Test("Inference reuses a layer's output buffer only once the caller has let go of it")
    func inferenceOutputsAreNotOverwritten() {
        for (small, filters) in [(true, 8), (false, 3)] {
            let conv = built(Conv2D(filters, kernelSize: 3, activation: .relu, name: "conv_reuse_check_\(small)"), on: [6, 6, 1], seed: 3)
            let pool = built(MaxPooling2D(2, name: "pool_reuse_check_\(small)"), on: [4, 4, filters])
            let x1 = tensor(randomValues(2 * 36, seed: 4), [2, 6, 6, 1])
            let x2 = tensor(randomValues(2 * 36, seed: 5), [2, 6, 6, 1])
            let y1 = conv.forward(x1, training: false), p1 = pool.forward(y1, training: false)
            let (kept, pooled) = (y1.scalars, p1.scalars)
            let y2 = conv.forward(x2, training: false), p2 = pool.forward(y2, training: false)
            #expect(y1.scalars == kept && p1.scalars == pooled, "a later call overwrote an output still held")
            #expect(y2.scalars != kept && p2.scalars != pooled)
            // Once released, the next call writes into the same storage and gives the same values.
            let again = conv.forward(x1, training: false)
            #expect(again.scalars == kept)
        }
    }

    @Test("Training fuses a first convolution with its 2x2 max pooling and gets the unfused layers' weights bit for bit",
          arguments: [(10, ActivationFunction.relu), (11, .relu), (10, .linear)])
    func fusedConvolutionAndPooling(size: Int, activation: ActivationFunction) throws {
        func convnet(_ tag: String) -> Model {
            let model = functionalModel([size, size, 1], [
                Conv2D(8, kernelSize: 3, activation: activation, name: "fuse_conv_\(tag)"), MaxPooling2D(2, name: "fuse_pool_\(tag)"),
                Conv2D(4, kernelSize: 3, activation: .relu, name: "fuse_conv2_\(tag)"), Flatten(name: "fuse_flatten_\(tag)"),
                Dropout(0.25, name: "fuse_dropout_\(tag)"), Dense(3, activation: .softmax, name: "fuse_out_\(tag)"),
            ], seed: 5, name: "fuse_\(tag)")
            return Self.compiledForFusion(model)
        }
        let tag = "\(size)_\(activation.rawValue)"
        let fused = convnet("a_" + tag), plain = convnet("b_" + tag)
        plain.fusesLayers = false
        plain.setWeights(fused.weights())
        // The pair runs as one ConvolutionPooling2D; the model's layers stay as built.
        #expect(fused.executionLayers.first is ConvolutionPooling2D && fused.executionLayers.count == fused.layers.count - 1)
        #expect(!plain.executionLayers.contains { $0 is ConvolutionPooling2D })
        #expect(fused.layers.count == 6 && fused.layers[0] is Conv2D && fused.layers[1] is Pooling2D)
        let x = tensor(randomValues(24 * size * size, seed: 6, in: 0...1), [24, size, size, 1])
        let y = Tensor(rows: (0..<24).map { i in (0..<3).map { $0 == i % 3 ? 1 : 0 } })
        try Self.expectTheSameTraining(fused, plain, x, y, seed: 7)
        #expect(fused.weights()[0] != convnet("c_" + tag).weights()[0], "training moved the first kernel")
    }

    /// A direct convolution (64 filters on 16 channels) fuses with its pooling too, input
    /// gradient included: the maps never stored, the pooling's backward and the ReLU's in one
    /// pass. Even and odd maps (a last row and column no window covers), ReLU and linear.
    @Test("Training fuses a direct convolution with its 2x2 max pooling and gets the unfused layers' weights bit for bit",
          arguments: [(14, ActivationFunction.relu), (16, .relu), (14, .linear)])
    func fusedDirectConvolutionAndPooling(size: Int, activation: ActivationFunction) throws {
        func convnet(_ tag: String) -> Model {
            let model = functionalModel([size, size, 1], [
                Conv2D(16, kernelSize: 3, activation: .relu, name: "dfuse_conv_\(tag)"), MaxPooling2D(2, name: "dfuse_pool_\(tag)"),
                Conv2D(64, kernelSize: 3, activation: activation, name: "dfuse_conv2_\(tag)"), MaxPooling2D(2, name: "dfuse_pool2_\(tag)"),
                Flatten(name: "dfuse_flatten_\(tag)"), Dropout(0.5, name: "dfuse_dropout_\(tag)"),
                Dense(3, activation: .softmax, name: "dfuse_out_\(tag)"),
            ], seed: 8, name: "dfuse_\(tag)")
            return Self.compiledForFusion(model)
        }
        let tag = "\(size)_\(activation.rawValue)"
        let fused = convnet("a_" + tag), plain = convnet("b_" + tag)
        plain.fusesLayers = false
        plain.setWeights(fused.weights())
        let direct = (fused.layers[2] as! Conv2D).convolution.usesDirectKernels
        let pairs = fused.executionLayers.filter { $0 is ConvolutionPooling2D }.count
        #expect(pairs == (direct ? 2 : 1), "the first convolution fuses, and the second where it runs direct")
        let x = tensor(randomValues(16 * size * size, seed: 9, in: 0...1), [16, size, size, 1])
        let y = Tensor(rows: (0..<16).map { i in (0..<3).map { $0 == i % 3 ? 1 : 0 } })
        try Self.expectTheSameTraining(fused, plain, x, y, seed: 10)
        #expect(fused.weights()[2] != convnet("c_" + tag).weights()[2], "training moved the second kernel")
    }

    /// The fusion tests' compile: categorical cross-entropy, Adam 0.01, accuracy.
    static func compiledForFusion(_ model: Model) -> Model {
        model.compile(loss: .categoricalCrossentropy, optimizer: Adam(learningRate: 0.01), metrics: [.accuracy])
        return model
    }

    /// Trains `fused` and `plain` (the same weights) alike for 3 epochs and expects the same
    /// weights bit for bit and the same loss histories.
    static func expectTheSameTraining(_ fused: Model, _ plain: Model, _ x: Tensor, _ y: Tensor, seed: UInt64) throws {
        let a = try fused.fit(x, y, batchSize: 8, epochs: 3, verbose: 0, validationSplit: 0.25, seed: seed)
        let b = try plain.fit(x, y, batchSize: 8, epochs: 3, verbose: 0, validationSplit: 0.25, seed: seed)
        #expect(fused.weights().map { $0.scalars.map(\.bitPattern) } == plain.weights().map { $0.scalars.map(\.bitPattern) })
        #expect(a.history["loss"] == b.history["loss"] && a.history["val_loss"] == b.history["val_loss"])
    }

    @Test("Keras's parameter counts and output shapes for the MNIST convnet")
    func convnetShapes() {
        let conv1 = built(Conv2D(32, kernelSize: 3, name: "shape_conv1"), on: [28, 28, 1])
        let conv2 = built(Conv2D(64, kernelSize: 3, name: "shape_conv2"), on: [13, 13, 32])
        #expect(conv1.outputShape(for: [28, 28, 1]) == [26, 26, 32])
        #expect(conv1.parameterCount == 320)
        #expect(conv2.parameterCount == 18_496)
        #expect(MaxPooling2D(2, name: "shape_pool").outputShape(for: [11, 11, 64]) == [5, 5, 64])
        #expect(MaxPooling2D(2, padding: .same, name: "shape_pool_same").outputShape(for: [11, 11, 64]) == [6, 6, 64])
    }
}

@Suite struct PoolingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let max: Bool
        let h, w, c: Int
        let window, stride: (Int, Int)
        let same: Bool
        var testDescription: String {
            "\(max ? "max" : "average") \(h)x\(w)x\(c), window \(window), strides \(stride), \(same ? "same" : "valid")"
        }
    }

    static let cases: [Case] = [true, false].flatMap { isMax in [
        Case(max: isMax, h: 6, w: 6, c: 3, window: (2, 2), stride: (2, 2), same: false),
        Case(max: isMax, h: 5, w: 7, c: 2, window: (2, 2), stride: (2, 2), same: true),
        Case(max: isMax, h: 7, w: 7, c: 16, window: (3, 3), stride: (2, 2), same: true),
        Case(max: isMax, h: 6, w: 5, c: 9, window: (3, 2), stride: (1, 2), same: false),
        // 2x2, stride 2, channels a multiple of 8: max pooling's vectorised path, with even and odd sizes.
        Case(max: isMax, h: 6, w: 4, c: 16, window: (2, 2), stride: (2, 2), same: false),
        Case(max: isMax, h: 5, w: 7, c: 8, window: (2, 2), stride: (2, 2), same: false),
        Case(max: isMax, h: 4, w: 6, c: 8, window: (2, 2), stride: (2, 2), same: true),
    ] }

    @Test("Pooling forward equals the direct loops, backward their central differences", arguments: cases)
    func pooling(_ t: Case) {
        let n = 2
        let padding: Padding = t.same ? .same : .valid
        let pool = t.max ? MaxPooling2D(t.window, strides: t.stride, padding: padding, name: "pool_check")
            : AveragePooling2D(t.window, strides: t.stride, padding: padding, name: "pool_check")
        let layer = built(pool, on: [t.h, t.w, t.c])
        // Distinct values so no window has a tie within the finite-difference step.
        var values = (0..<(n * t.h * t.w * t.c)).map { Double($0) * 0.01 }
        var generator = SeededGenerator(seed: 9)
        generator.shuffle(&values)
        let reference = WindowReference.pool(values, n: n, h: t.h, w: t.w, c: t.c, window: t.window, stride: t.stride,
                                             same: t.same, max: t.max)
        let y = layer.forward(tensor(values, [n, t.h, t.w, t.c]), training: true)
        expectClose(y.doubles, reference, relative: 1e-6, absolute: 1e-6, "y")
        let g = randomValues(reference.count, seed: 10)
        let dx = layer.backward(tensor(g, y.shape), needsInputGradient: true)
        let numeric = centralDifferences(at: values, step: 1e-4) { x in
            zip(g, WindowReference.pool(x, n: n, h: t.h, w: t.w, c: t.c, window: t.window, stride: t.stride,
                                        same: t.same, max: t.max)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        expectClose(dx.doubles, numeric, relative: 1e-4, absolute: 1e-5, "dJ/dx")
    }

    @Test("Max pooling sends a tied window's gradient to its first maximum only")
    func maxPoolingTies() {
        let layer = built(MaxPooling2D(2, name: "pool_tie_check"), on: [2, 2, 1])
        _ = layer.forward(Tensor(shape: [1, 2, 2, 1], repeating: 1), training: true)
        let dx = layer.backward(Tensor(shape: [1, 1, 1, 1], repeating: 5), needsInputGradient: true)
        #expect(dx.scalars == [5, 0, 0, 0])
    }

    @Test("Max pooling's vectorised path gives the same values and choices on every vector unit",
          arguments: VectorUnit.available)
    func pairwiseMaxPoolingOnEveryVectorUnit(unit: VectorUnit) {
        // A 7x6x16 image (odd height: the last row is left out), with ties, NaN and zeros.
        let g = WindowGeometry(inputHeight: 7, inputWidth: 6, channels: 16, windowHeight: 2, windowWidth: 2,
                               strideHeight: 2, strideWidth: 2, padding: .valid)
        var generator = SeededGenerator(seed: 9)
        var x = (0..<(7 * 6 * 16)).map { _ in Float(Int(generator.nextFloat() * 5) - 2) }
        for i in stride(from: 0, to: x.count, by: 13) { x[i] = .nan }
        for i in stride(from: 5, to: x.count, by: 17) { x[i] = -0.0 }
        func run(_ unit: VectorUnit) -> ([UInt32], [Int32]) {
            var y = [Float](repeating: 9, count: g.outputPositions * 16)
            var choice = [Int32](repeating: -1, count: y.count)
            y.withUnsafeMutableBufferPointer { y in
                choice.withUnsafeMutableBufferPointer { c in
                    PoolingKernels.pairwiseMaxForward(x, geometry: g, into: y.baseAddress!, choice: c.baseAddress!, vectorUnit: unit)
                }
            }
            return (y.map(\.bitPattern), choice)
        }
        let expected = run(.baseline), actual = run(unit)
        #expect(actual.0 == expected.0, "\(unit): pooled values")
        #expect(actual.1 == expected.1, "\(unit): choices")
    }

    @Test("Max pooling's vectorised path resolves ties, NaN and negative zeros as the general path")
    func pairwiseMaxPoolingMatchesTheGeneralPath() {
        // Eight channels take the 2x2 stride-2 path; the same windows as 3x3 views of a
        // [2, 2] pool with explicit strides (2, 2) but channel count 9 take the general one.
        let windows: [[Float]] = [[1, 1, 1, 1], [0, 2, 2, 1], [.nan, 3, 4, 1], [1, .nan, 0, 2],
                                  [-0.0, 0, -0.0, 0], [-1, -2, -1, -3], [0, 0, 0, 7], [5, 4, 3, 2]]
        // x[0, y, x, c] = windows[c][2y + x]
        let cells: [Float] = (0..<4).flatMap { cell in windows.map { $0[cell] } }
        let fast = built(MaxPooling2D(2, name: "pool_fast_check"), on: [2, 2, 8])
        let general = built(MaxPooling2D(2, name: "pool_general_check"), on: [2, 2, 9])
        let padded: [Float] = (0..<4).flatMap { cell -> [Float] in windows.map { $0[cell] } + [0] }
        let yFast = fast.forward(Tensor(shape: [1, 2, 2, 8], scalars: cells), training: true)
        let yGeneral = general.forward(Tensor(shape: [1, 2, 2, 9], scalars: padded), training: true)
        #expect(yFast.scalars.map(\.bitPattern) == Array(yGeneral.scalars.prefix(8)).map(\.bitPattern))
        let g: [Float] = [1, 2, 3, -4, -0.0, 5, 6, 7]
        let dxFast = fast.backward(Tensor(shape: [1, 1, 1, 8], scalars: g), needsInputGradient: true)
        let dxGeneral = general.backward(Tensor(shape: [1, 1, 1, 9], scalars: g + [0]), needsInputGradient: true)
        let generalScalars = dxGeneral.scalars
        let generalCells: [Float] = (0..<4).flatMap { cell in Array(generalScalars[(cell * 9)..<(cell * 9 + 8)]) }
        #expect(dxFast.scalars.map(\.bitPattern) == generalCells.map(\.bitPattern))
        #expect(dxFast.scalars[8 * 1 + 1] == 2)  // channel 1: the first of the tied 2s (top right)
    }

    /// The pooling's backward with the ReLU's folded in equals the pooling's backward then
    /// `Kernels.reluGradient` on the maps, bit for bit: maps with a last row and column no
    /// window covers, non-positive, negative-zero and NaN values, ties.
    @Test("2x2 max pooling's backward with the ReLU's mask equals the two backwards one after the other",
          arguments: [6, 7])
    func poolingBackwardWithReLU(size: Int) {
        let (n, c) = (2, 16)
        let g = WindowGeometry(inputHeight: size, inputWidth: size, channels: c, windowHeight: 2, windowWidth: 2,
                               strideHeight: 2, strideWidth: 2, padding: .valid)
        var values = randomValues(n * size * size * c, seed: 40, in: -1...1).map(Float.init)
        for i in stride(from: 0, to: values.count, by: 11) { values[i] = 0 }
        for i in stride(from: 3, to: values.count, by: 17) { values[i] = -0.0 }
        for i in stride(from: 5, to: values.count, by: 97) { values[i] = .nan }
        let maps = Tensor(shape: [n, size, size, c], scalars: values)
        var pooled = Tensor.empty, choices: [Int32] = []
        PoolingKernels.forward(maps, kind: .max, geometry: g, recordChoices: true, into: &pooled, choices: &choices)
        let dy = tensor(randomValues(pooled.count, seed: 41), pooled.shape)
        var folded = Tensor.empty, unfolded = Tensor.empty
        PoolingKernels.backward(dy, kind: .max, geometry: g, choices: choices, reluOf: pooled, into: &folded)
        PoolingKernels.backward(dy, kind: .max, geometry: g, choices: choices, into: &unfolded)
        var expected = Tensor.empty
        Tensor.reuse(&expected, shape: unfolded.shape)
        expected.withUnsafeMutableBufferPointer { dz in
            unfolded.withUnsafeBufferPointer { d in
                maps.withUnsafeBufferPointer { y in
                    Kernels.reluGradient(d.baseAddress!, output: y.baseAddress!, count: d.count, into: dz.baseAddress!)
                }
            }
        }
        #expect(folded.scalars.elementsEqual(expected.scalars) { $0.bitPattern == $1.bitPattern })
        #expect(folded.scalars.contains { $0 != 0 } && expected.scalars.contains(0))
    }
}
