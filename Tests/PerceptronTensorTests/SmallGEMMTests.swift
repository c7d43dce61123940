// The short-inner-dimension kernels against the plain reference GEMM and plain loops.

import Testing
@testable import PerceptronTensor

@Suite struct SmallGEMMTests {
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextFloat(in: -1..<1) }
    }

    /// `body` with `a` as packed rows of `k` values.
    static func packed<R>(_ a: [Float], k: Int, _ body: (PatchRows) -> R) -> R {
        a.withUnsafeBufferPointer { body(PatchRows(packed: $0.baseAddress!, k: k)) }
    }

    @Test(arguments: [(1, 8, 1), (37, 32, 9), (300, 16, 25), (5, 64, 3), (9, 40, 32), (70_000, 32, 9)])
    func multiplyMatchesReference(m: Int, n: Int, k: Int) {
        let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2), bias = Self.values(n, seed: 3)
        for relu in [false, true] {
            var fast = [Float](repeating: .nan, count: m * n)
            var slow = [Float](repeating: 0, count: m * n)
            fast.withUnsafeMutableBufferPointer { c in
                Self.packed(a, k: k) { a in
                    SmallGEMM.multiply(m: m, n: n, k: k, a: a, b: b, bias: bias, relu: relu, c: c.baseAddress!)
                }
            }
            slow.withUnsafeMutableBufferPointer { c in
                GEMM.reference(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                               beta: 0, c: c.baseAddress!, ldc: n)
            }
            for i in 0..<(m * n) {
                var expected = slow[i] + bias[i % n]
                if relu && expected < 0 { expected = 0 }
                guard abs(fast[i] - expected) <= 1e-5 * Float(k) else {
                    Issue.record("c[\(i)] = \(fast[i]), expected \(expected) (m \(m), n \(n), k \(k), relu \(relu))")
                    return
                }
            }
        }
    }

    @Test(arguments: [(1, 8, 1), (37, 32, 9), (300, 16, 25), (9000, 32, 9)])
    func weightGradientsMatchLoops(m: Int, n: Int, k: Int) {
        let a = Self.values(m * k, seed: 4), dy = Self.values(m * n, seed: 5), y = Self.values(m * n, seed: 6)
        for masked in [false, true] {
            var dw = Self.values(k * n, seed: 7), db = Self.values(n, seed: 8)
            var expectedW = dw.map(Double.init), expectedB = db.map(Double.init)
            for p in 0..<m {
                for j in 0..<n {
                    let g = masked && y[p * n + j] <= 0 ? 0 : Double(dy[p * n + j])
                    expectedB[j] += g
                    for q in 0..<k { expectedW[q * n + j] += Double(a[p * k + q]) * g }
                }
            }
            dw.withUnsafeMutableBufferPointer { w in
                db.withUnsafeMutableBufferPointer { b in
                    Self.packed(a, k: k) { a in
                        SmallGEMM.weightGradients(m: m, n: n, k: k, a: a, dy: dy, y: masked ? y : nil,
                                                  dw: w.baseAddress!, db: b.baseAddress!)
                    }
                }
            }
            let tolerance = 1e-4 * Double(m).squareRoot()
            #expect(zip(dw, expectedW).allSatisfy { abs(Double($0) - $1) <= tolerance })
            #expect(zip(db, expectedB).allSatisfy { abs(Double($0) - $1) <= tolerance })
        }
    }

    @Test(arguments: VectorUnit.available, [(1, 8, 1), (37, 32, 9), (300, 16, 25), (9, 40, 32), (50, 128, 9)])
    func multiplyGivesTheSameBitsOnEveryVectorUnit(unit: VectorUnit, shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        // Some exact zeros, negative zeros and a NaN in the inputs, so ReLU's edge cases occur.
        var a = Self.values(m * k, seed: 21)
        for i in stride(from: 0, to: a.count, by: 7) { a[i] = 0 }
        var bias: [Float] = Self.values(n, seed: 23)
        bias[0] = -0.0
        let b = Self.values(k * n, seed: 22).enumerated().map { $0.offset == 3 ? Float.nan : $0.element }
        for (relu, withBias) in [(false, false), (false, true), (true, false), (true, true)] {
            func run(_ unit: VectorUnit) -> [Float] {
                var c = [Float](repeating: 7, count: m * n)
                c.withUnsafeMutableBufferPointer { c in
                    bias.withUnsafeBufferPointer { bias in
                        Self.packed(a, k: k) { a in
                            SmallGEMM.multiply(m: m, n: n, k: k, a: a, b: b, bias: withBias ? bias.baseAddress : nil, relu: relu,
                                               c: c.baseAddress!, vectorUnit: unit)
                        }
                    }
                }
                return c
            }
            let expected = run(.baseline), actual = run(unit)
            let differing = zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(unit), m \(m) n \(n) k \(k), relu \(relu), bias \(withBias): \(differing) outputs differ")
        }
    }

    @Test(arguments: VectorUnit.available, [(1, 8, 1), (300, 16, 25), (9000, 32, 9), (700, 24, 17)])
    func weightGradientsGiveTheSameBitsOnEveryVectorUnit(unit: VectorUnit, shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = Self.values(m * k, seed: 14), dy = Self.values(m * n, seed: 15), y = Self.values(m * n, seed: 16)
        func run(_ unit: VectorUnit) -> [Float] {
            var dw = Self.values(k * n, seed: 17), db = Self.values(n, seed: 18)
            dw.withUnsafeMutableBufferPointer { w in
                db.withUnsafeMutableBufferPointer { b in
                    Self.packed(a, k: k) { a in
                        SmallGEMM.weightGradients(m: m, n: n, k: k, a: a, dy: dy, y: y, dw: w.baseAddress!, db: b.baseAddress!,
                                                  vectorUnit: unit)
                    }
                }
            }
            return dw + db
        }
        let expected = run(.baseline), actual = run(unit)
        let differing = zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(unit), m \(m) n \(n) k \(k): \(differing) gradients differ from the Swift sums")
    }

    /// Geometries whose windows all lie inside the image: the lesson's first convolution (a
    /// 28x28 digit, 3x3), strides of 2 and (2, 1), several channels, and a 'same' padding that
    /// pads nothing on the top and left.
    static let inPlaceGeometries = [
        WindowGeometry(inputHeight: 28, inputWidth: 28, channels: 1, windowHeight: 3, windowWidth: 3,
                       strideHeight: 1, strideWidth: 1, padding: .valid),
        WindowGeometry(inputHeight: 9, inputWidth: 11, channels: 1, windowHeight: 3, windowWidth: 3,
                       strideHeight: 2, strideWidth: 2, padding: .valid),
        WindowGeometry(inputHeight: 5, inputWidth: 7, channels: 3, windowHeight: 2, windowWidth: 3,
                       strideHeight: 2, strideWidth: 1, padding: .valid),
        WindowGeometry(inputHeight: 8, inputWidth: 8, channels: 2, windowHeight: 2, windowWidth: 2,
                       strideHeight: 2, strideWidth: 2, padding: .same),
    ]

    /// Windows read in place are the unfolded windows, value for value: the products and the
    /// weight gradients give the same bits from either, on every vector unit, with tiles of
    /// rows that cross images.
    @Test(arguments: VectorUnit.available, inPlaceGeometries)
    func windowsReadInPlaceGiveTheUnfoldedBits(unit: VectorUnit, geometry g: WindowGeometry) throws {
        try #require(g.windowsInsideImage)
        let images = 3, n = 16, k = g.patchSize, m = images * g.outputPositions
        let x = Self.values(images * g.inputHeight * g.inputWidth * g.channels, seed: 31)
        let b = Self.values(k * n, seed: 32), bias = Self.values(n, seed: 33)
        let dy = Self.values(m * n, seed: 34), y = Self.values(m * n, seed: 35)
        var columns = [Float](repeating: .nan, count: m * k)
        x.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { Im2Col.unfold(x.baseAddress!, count: images, geometry: g, into: $0.baseAddress!) }
        }
        func run(_ rows: PatchRows) -> [Float] {
            var c = [Float](repeating: 7, count: m * n), dw = Self.values(k * n, seed: 36), db = Self.values(n, seed: 37)
            c.withUnsafeMutableBufferPointer { c in
                SmallGEMM.multiply(m: m, n: n, k: k, a: rows, b: b, bias: bias, relu: true, c: c.baseAddress!, vectorUnit: unit)
            }
            dw.withUnsafeMutableBufferPointer { w in
                db.withUnsafeMutableBufferPointer { d in
                    SmallGEMM.weightGradients(m: m, n: n, k: k, a: rows, dy: dy, y: y, dw: w.baseAddress!, db: d.baseAddress!,
                                              vectorUnit: unit)
                }
            }
            return c + dw + db
        }
        let unfolded = Self.packed(columns, k: k, run)
        let inPlace = x.withUnsafeBufferPointer { run(PatchRows(windowsOf: $0.baseAddress!, geometry: g)) }
        let differing = zip(inPlace, unfolded).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(unit), \(g): \(differing) values differ")
    }

    @Test func windowsInsideTheImageOnlyWithoutPadding() {
        func inside(_ h: Int, _ window: Int, stride: Int = 1, padding: Padding = .valid) -> Bool {
            WindowGeometry(inputHeight: h, inputWidth: h, channels: 1, windowHeight: window, windowWidth: window,
                           strideHeight: stride, strideWidth: stride, padding: padding).windowsInsideImage
        }
        #expect(inside(28, 3))
        #expect(inside(28, 3, stride: 2))
        #expect(inside(8, 2, stride: 2, padding: .same))  // no padding needed
        #expect(!inside(28, 3, padding: .same))           // one zero row and column all round
        #expect(!inside(9, 2, stride: 2, padding: .same)) // a zero row and column at the bottom and right
    }

    @Test func appliesOnlyToShortWindows() {
        #expect(SmallGEMM.applies(k: 9, n: 32))
        #expect(!SmallGEMM.applies(k: 33, n: 32))
        #expect(!SmallGEMM.applies(k: 9, n: 30))
        #expect(!SmallGEMM.applies(k: 9, n: 136))
    }
}
