// Tests of every GEMM backend against the plain reference loop on odd shapes, all transpose
// combinations, padded leading dimensions, alpha and beta; of Tensor.matmul; of the portable
// kernel's packing; and of backend selection.

import Foundation
import Testing
@testable import PerceptronTensor

@Suite struct GEMMTests {
    static let transposes = [(false, false), (false, true), (true, false), (true, true)]

    /// Every combination of 1, 7 and 33, plus shapes that cross the portable kernel's blocks:
    /// 6-row tiles, 8-, 16- and 32-column strips (one per micro-kernel), row blocks split over
    /// two threads, 256-deep k blocks, and the lesson's 784-wide input.
    static let shapes: [(Int, Int, Int)] = {
        let small = [1, 7, 33]
        var shapes = small.flatMap { m in small.flatMap { n in small.map { k in (m, n, k) } } }
        shapes += [(6, 8, 1), (13, 9, 17), (97, 9, 257), (193, 17, 5), (5, 3, 513), (12, 40, 784), (200, 70, 300)]
        // Large enough to be split over the cores (BLASBackend), by rows and by columns, each
        // with a partial 16-wide slice at the end.
        shapes += [(201, 75, 150), (70, 203, 150)]
        // One row (predicting one sample): the portable kernel's unpacked path, with a partial
        // 32-column group and three k blocks.
        shapes += [(1, 531, 300), (1, 40, 513)]
        return shapes
    }()

    @Test(arguments: transposes, shapes)
    func backendsMatchTheReference(transposes: (Bool, Bool), shape: (Int, Int, Int)) {
        let spec = GEMMCase(m: shape.0, n: shape.1, k: shape.2, transposeA: transposes.0, transposeB: transposes.1)
        let problem = GEMMProblem(spec)
        let expected = problem.reference()
        #expect(expected.allSatisfy { !$0.isNaN }, "the reference read C although beta is 0")
        for backend in availableBackends {
            let problems = problem.mismatches(problem.run(backend), expected: expected)
            #expect(problems.isEmpty, "\(label(backend)) \(spec.testDescription): \(problems.count) wrong, first \(problems.prefix(3))")
        }
    }

    @Test(arguments: [0, 1, 0.5] as [Float], [1, -0.75] as [Float])
    func alphaScalesAndBetaAccumulates(beta: Float, alpha: Float) {
        // 513 deep: three k blocks, so the portable kernel's second and third blocks add to C.
        for (transposeA, transposeB) in Self.transposes {
            for (m, n, k) in [(13, 17, 513), (7, 9, 3), (100, 1, 40), (150, 170, 60)] {
                let spec = GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                    alpha: alpha, beta: beta, padding: 5)
                let problem = GEMMProblem(spec, seed: 7)
                let expected = problem.reference()
                for backend in availableBackends {
                    let problems = problem.mismatches(problem.run(backend), expected: expected)
                    #expect(problems.isEmpty, "\(label(backend)) \(spec.testDescription): \(problems.prefix(3))")
                }
            }
        }
    }

    @Test func tightLeadingDimensionsWork() {
        for (transposeA, transposeB) in Self.transposes {
            let spec = GEMMCase(m: 19, n: 23, k: 29, transposeA: transposeA, transposeB: transposeB, padding: 0)
            let problem = GEMMProblem(spec, seed: 3)
            let expected = problem.reference()
            for backend in availableBackends {
                #expect(problem.mismatches(problem.run(backend), expected: expected).isEmpty, "\(label(backend)) \(spec.testDescription)")
            }
        }
    }

    @Test(arguments: [0, 1, 0.5] as [Float])
    func zeroDepthScalesCByBeta(beta: Float) {
        let spec = GEMMCase(m: 4, n: 5, k: 0, alpha: 3, beta: beta)
        let problem = GEMMProblem(spec)
        for backend in availableBackends + [GEMMReferenceBackend()] {
            let result = problem.run(backend)
            for i in 0..<4 {
                for j in 0..<problem.ldc {
                    let index = i * problem.ldc + j
                    let expected = j >= 5 ? paddingSentinel : beta == 0 ? 0 : beta * problem.c[index]
                    #expect(result[index] == expected, "\(label(backend)) C[\(i), \(j)]")
                }
            }
        }
    }

    @Test func emptyOutputsTouchNothing() {
        for backend in availableBackends {
            for (m, n) in [(0, 5), (5, 0)] {
                let problem = GEMMProblem(GEMMCase(m: m, n: n, k: 3, beta: 1))
                #expect(problem.run(backend) == problem.c, "\(label(backend)) \(m)x\(n)")
            }
        }
    }

    /// Empty products and K = 0 are settled by `sgemm` before any backend runs; the backend's
    /// `multiply` sees only M, N and K of at least 1.
    @Test func degenerateProductsNeverReachTheBackend() {
        let backend = GEMMRecordingBackend()
        for (m, n, k) in [(0, 5, 3), (5, 0, 3), (0, 0, 0), (4, 5, 0), (2, 3, 4)] {
            _ = GEMMProblem(GEMMCase(m: m, n: n, k: k, beta: 0.5)).run(backend)
        }
        #expect(backend.calls == [[2, 3, 4]])
    }

    /// Half of the lesson's first layer (100 of 1000 rows) through the portable kernel: every
    /// entry against the reference.
    /// The portable kernel's one-row path sums as row 0 of its packed path: the same bits as
    /// the first row of a two-row product, with each micro-kernel, alpha and beta.
    @Test(arguments: [(1, 1), (7, 7), (33, 257), (531, 300), (512, 513)])
    func portableOneRowMatchesThePackedPathBitForBit(n: Int, k: Int) {
        for kernel in PortableGEMM.MicroKernel.available {
            let backend = PortableGEMM(kernel: kernel)
            for (alpha, beta) in [(1, 0), (0.5, 1), (-0.75, 0.5)] as [(Float, Float)] {
                let two = GEMMProblem(GEMMCase(m: 2, n: n, k: k, alpha: alpha, beta: beta), seed: 9)
                let packed = two.run(backend), direct = two.run(backend, rows: 1)
                #expect(Array(direct[0..<n]) == Array(packed[0..<n]), "\(kernel) n \(n) k \(k) alpha \(alpha) beta \(beta)")
            }
        }
    }

    /// A few rows (a small batch) split B's column strips over the threads instead of A's
    /// rows: the same tiles on the same packed values, so the same bits as the row split,
    /// with every transpose, alpha and beta and each micro-kernel; and right against the
    /// reference. Depths that leave a short last block (784, 513) check that a thread a block
    /// ahead never packs over strips another is still reading.
    @Test(arguments: [
        GEMMCase(m: 32, n: 512, k: 784), GEMMCase(m: 32, n: 784, k: 512, transposeB: true),
        GEMMCase(m: 2, n: 512, k: 513, alpha: 0.5, beta: 1),
        GEMMCase(m: 7, n: 100, k: 520, transposeA: true, alpha: 0.5, beta: 1),
        GEMMCase(m: 96, n: 70, k: 300, transposeA: true, transposeB: true, alpha: -0.75, beta: 0.5),
    ])
    func portableColumnSplitMatchesTheRowSplitBitForBit(_ spec: GEMMCase) {
        let problem = GEMMProblem(spec, seed: 21)
        for kernel in PortableGEMM.MicroKernel.available {
            let backend = PortableGEMM(kernel: kernel)
            let strips = (spec.n + kernel.nr - 1) / kernel.nr
            let split = { (byColumns: Bool) -> [Float] in
                var result = problem.c
                let packedB = UnsafeMutablePointer<Float>.allocate(capacity: PortableGEMM.kc * strips * kernel.nr)
                defer { packedB.deallocate() }
                problem.a.withUnsafeBufferPointer { a in
                    problem.b.withUnsafeBufferPointer { b in
                        result.withUnsafeMutableBufferPointer { c in
                            let operands = PortableGEMM.Operands(
                                transposeA: spec.transposeA, transposeB: spec.transposeB, m: spec.m, n: spec.n, k: spec.k,
                                alpha: spec.alpha, a: a.baseAddress!, lda: problem.lda, b: b.baseAddress!, ldb: problem.ldb,
                                beta: spec.beta, c: c.baseAddress!, ldc: problem.ldc)
                            if byColumns {
                                backend.multiplyByColumns(operands, packedB: packedB)
                            } else {
                                backend.multiplyByRows(operands, packedB: packedB)
                            }
                        }
                    }
                }
                return result
            }
            let columns = split(true)
            #expect(columns.elementsEqual(split(false)) { $0.bitPattern == $1.bitPattern }, "\(kernel) \(spec)")
            let problems = problem.mismatches(columns, expected: problem.reference())
            #expect(problems.isEmpty, "\(kernel) \(spec): \(problems.count) wrong, first \(problems.prefix(3))")
        }
    }

    /// The C kernels' blocks, A packed or read in place (stored as it is or transposed), B
    /// packed or read in place, against
    /// the same sums written out: each entry a chain of fused multiply-adds from 0 over the
    /// block's depth, then `alpha * t` (beta 0, C's NaN never read), `C + alpha * t` (beta 1)
    /// or `alpha * t + beta * C`, each operation rounded on its own, as the Swift tile's path
    /// writes it. Rows and columns cut by the block's edges included; C's padding untouched.
    @Test(arguments: [(13, 45, 37), (6, 32, 256), (1, 70, 5), (20, 16, 1)] as [(Int, Int, Int)])
    func portableBlocksAddTheirSumsToCBitForBit(shape: (mc: Int, n: Int, kc: Int)) {
        let (mc, n, kc) = shape
        for kernel in PortableGEMM.MicroKernel.available where kernel != .swift {
            // Scales that round, so a fused or reordered update would show.
            for (alpha, beta) in [(1, 0), (-0.7, 0), (0.3, 1), (-0.7, 0.3)] as [(Float, Float)] {
                let problem = GEMMProblem(GEMMCase(m: mc, n: n, k: kc, alpha: alpha, beta: beta), seed: 5)
                var expected = problem.c
                for i in 0..<mc {
                    for j in 0..<n {
                        var t: Float = 0
                        for p in 0..<kc { t = t.addingProduct(problem.a[i * problem.lda + p], problem.b[p * problem.ldb + j]) }
                        let old = problem.c[i * problem.ldc + j]
                        expected[i * problem.ldc + j] = beta == 0 ? alpha * t : beta == 1 ? old + alpha * t : alpha * t + beta * old
                    }
                }
                let strips = (n + kernel.nr - 1) / kernel.nr
                let packedB = UnsafeMutablePointer<Float>.allocate(capacity: kc * strips * kernel.nr)
                let packedA = UnsafeMutablePointer<Float>.allocate(capacity: (mc + 5) / 6 * 6 * kc)
                defer { packedB.deallocate(); packedA.deallocate() }
                // A stored transposed, [kc, mc] with two columns of padding, for the third way.
                let ldaT = mc + 2
                var aT = [Float](repeating: .nan, count: kc * ldaT)
                for i in 0..<mc { for p in 0..<kc { aT[p * ldaT + i] = problem.a[i * problem.lda + p] } }
                let ways = ["packed", "rows in place", "transposed in place"].flatMap { [($0, false), ($0, true)] }
                for (way, bInPlace) in ways {
                    var c = problem.c
                    if beta == 0 { for i in 0..<mc { for j in 0..<n { c[i * problem.ldc + j] = .nan } } }
                    problem.a.withUnsafeBufferPointer { a in
                        problem.b.withUnsafeBufferPointer { b in
                            c.withUnsafeMutableBufferPointer { c in
                                PortableGEMM.packB(transposed: false, b: b.baseAddress!, ldb: problem.ldb, rowStart: 0, kc: kc,
                                                   n: n, nr: kernel.nr, into: packedB)
                                PortableGEMM.packA(transposed: false, a: a.baseAddress!, lda: problem.lda, rowStart: 0, mc: mc,
                                                   columnStart: 0, kc: kc, into: packedA)
                                aT.withUnsafeBufferPointer { aT in
                                    let block = switch way {
                                    case "packed": PortableGEMM.BlockOfA(base: UnsafePointer(packedA), lda: 0)
                                    case "rows in place": PortableGEMM.BlockOfA(base: a.baseAddress!, lda: problem.lda)
                                    default: PortableGEMM.BlockOfA(base: aT.baseAddress!, lda: ldaT, transposed: true)
                                    }
                                    // B in place: its whole strips read from b, a last cut one from the packed copy.
                                    let blockB = PortableGEMM.BlockOfB(base: b.baseAddress!, ldb: bInPlace ? problem.ldb : 0,
                                                                       packed: UnsafePointer(packedB), stripStride: kc * kernel.nr)
                                    PortableGEMM.blockKernel(kernel, mc: mc, n: n, strips: 0..<strips, kc: kc, a: block,
                                                             b: blockB, alpha: alpha, beta: beta, c: c.baseAddress!,
                                                             ldc: problem.ldc)
                                }
                            }
                        }
                    }
                    #expect(c.elementsEqual(expected) { $0.bitPattern == $1.bitPattern },
                            "\(kernel) \(mc)x\(n)x\(kc) alpha \(alpha) beta \(beta) A \(way), B in place \(bInPlace)")
                }
            }
        }
    }

    /// B is read in place by the AVX-512 kernel only where it is stored as it is and its rows
    /// are not a multiple of 4 KB apart (there packing is faster); the others always pack.
    @Test func bIsReadInPlaceOnlyWhereItsRowsSpreadOverTheCaches() {
        let b = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { b.deallocate() }
        func operands(ldb: Int, transposeB: Bool = false) -> PortableGEMM.Operands {
            PortableGEMM.Operands(transposeA: false, transposeB: transposeB, m: 128, n: 512, k: 512, alpha: 1, a: b, lda: 512,
                                  b: b, ldb: ldb, beta: 0, c: b, ldc: 512)
        }
        for kernel in PortableGEMM.MicroKernel.allCases {
            let c = kernel == .avx512
            #expect(PortableGEMM.readsBInPlace(operands(ldb: 512), kernel: kernel) == c, "\(kernel)")
            #expect(PortableGEMM.readsBInPlace(operands(ldb: 784), kernel: kernel) == c, "\(kernel)")
            #expect(PortableGEMM.readsBInPlace(operands(ldb: 515), kernel: kernel) == c, "\(kernel)")
            #expect(!PortableGEMM.readsBInPlace(operands(ldb: 1024), kernel: kernel), "\(kernel)")
            #expect(!PortableGEMM.readsBInPlace(operands(ldb: 4096), kernel: kernel), "\(kernel)")
            #expect(!PortableGEMM.readsBInPlace(operands(ldb: 512, transposeB: true), kernel: kernel), "\(kernel)")
            // Packed, every strip; in place, only the one cut by the last column.
            let strips = 0..<((512 + 10 + kernel.nr - 1) / kernel.nr)
            let cut = PortableGEMM.Operands(transposeA: false, transposeB: false, m: 128, n: 522, k: 512, alpha: 1, a: b,
                                            lda: 512, b: b, ldb: 522, beta: 0, c: b, ldc: 522)
            #expect(PortableGEMM.stripsToPack(cut, kernel: kernel, strips: strips)
                    == (c ? (strips.upperBound - 1)..<strips.upperBound : strips), "\(kernel)")
        }
    }

    @Test func portableKernelOnTheLessonShape() {
        let problem = GEMMProblem(GEMMCase(m: 100, n: 512, k: 784, padding: 0), seed: 11)
        let problems = problem.mismatches(problem.run(GEMM.portable), expected: problem.reference())
        #expect(problems.isEmpty, "\(problems.count) wrong, first \(problems.prefix(3))")
    }

    /// The lesson's full first layer, [1000, 784] x [784, 512], through the system BLAS. The
    /// reference loop would take minutes in a debug build, so sampled entries are checked
    /// exactly and every entry is covered by Freivalds' check: C x == A (B x) for random x.
    @Test(.enabled(if: GEMM.blas != nil, "no system BLAS"))
    func blasOnTheFullLessonShape() throws {
        let blas = try #require(GEMM.blas)
        let problem = GEMMProblem(GEMMCase(m: 1000, n: 512, k: 784, padding: 0), seed: 12)
        let result = problem.run(blas)
        let (m, n, k) = (1000, 512, 784)
        var generator = SeededGenerator(seed: 13)
        for _ in 0..<400 {
            let i = generator.next(below: m), j = generator.next(below: n)
            var sum = 0.0, magnitude = 0.0
            for p in 0..<k {
                sum += Double(problem.a[i * k + p]) * Double(problem.b[p * n + j])
                magnitude += abs(Double(problem.a[i * k + p]) * Double(problem.b[p * n + j]))
            }
            #expect(abs(Double(result[i * n + j]) - sum) <= 1e-6 * Double(k).squareRoot() * magnitude,
                    "C[\(i), \(j)] = \(result[i * n + j]), expected \(sum)")
        }
        for _ in 0..<2 {
            let x = (0..<n).map { _ in generator.next(below: 2) == 0 ? -1.0 : 1.0 }
            var bx = [Double](repeating: 0, count: k)
            for p in 0..<k { for j in 0..<n { bx[p] += Double(problem.b[p * n + j]) * x[j] } }
            var worst = 0.0
            for i in 0..<m {
                var cx = 0.0, abx = 0.0, magnitude = 0.0
                for j in 0..<n { cx += Double(result[i * n + j]) * x[j] }
                for p in 0..<k {
                    abx += Double(problem.a[i * k + p]) * bx[p]
                    magnitude += abs(Double(problem.a[i * k + p]))
                }
                // Rounding moves C x by about 1e-5 against a scale (sum |a|) of about 400; one
                // wrong entry, typically about 8 in size, moves it by some 2 % of the scale.
                worst = max(worst, abs(cx - abx) / max(magnitude, 1))
            }
            #expect(worst < 1e-4, "Freivalds' check failed: relative gap \(worst)")
        }
    }

    @Test func staticSGEMMUsesTheCurrentBackend() {
        let spec = GEMMCase(m: 9, n: 11, k: 13, transposeB: true, alpha: 0.5, beta: 0.25)
        let problem = GEMMProblem(spec, seed: 5)
        var result = problem.c
        problem.a.withUnsafeBufferPointer { a in
            problem.b.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    GEMM.sgemm(transposeA: false, transposeB: true, m: 9, n: 11, k: 13, alpha: 0.5,
                               a: a.baseAddress!, lda: problem.lda, b: b.baseAddress!, ldb: problem.ldb,
                               beta: 0.25, c: c.baseAddress!, ldc: problem.ldc)
                }
            }
        }
        #expect(problem.mismatches(result, expected: problem.reference()).isEmpty)
        #expect(result == problem.run(GEMM.current))
    }
}

/// `GEMM.reference` as a backend, so the k == 0 rule can be checked on it too.
struct GEMMReferenceBackend: GEMMBackend {
    let name = "reference"
    let threadCount = 1
    func multiply(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        GEMM.reference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

@Suite struct MatMulTests {
    /// A `[rows, columns]` tensor of values in [-1, 1).
    static func random(_ rows: Int, _ columns: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: [rows, columns], scalars: (0..<rows * columns).map { _ in generator.nextFloat(in: -1..<1) })
    }

    /// `a * b` by the plain loop, on materialised operands.
    static func referenceProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var out = Tensor(shape: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i, p]) * Double(b[p, j]) }
                out[i, j] = Float(sum)
            }
        }
        return out
    }

    @Test(arguments: GEMMTests.transposes)
    func matmulHonoursTransposeFlags(transposes: (Bool, Bool)) {
        let (m, k, n) = (7, 33, 5)
        let a = transposes.0 ? Self.random(k, m, seed: 1) : Self.random(m, k, seed: 1)
        let b = transposes.1 ? Self.random(n, k, seed: 2) : Self.random(k, n, seed: 2)
        let expected = Self.referenceProduct(transposes.0 ? a.transposed() : a, transposes.1 ? b.transposed() : b)
        for backend in availableBackends {
            let product = a.matmul(b, transposeSelf: transposes.0, transposeOther: transposes.1, backend: backend)
            #expect(product.shape == [m, n])
            for (x, y) in zip(product.scalars, expected.scalars) {
                #expect(abs(x - y) <= 1e-5 * Float(k).squareRoot() * 3, "\(label(backend)): \(x) vs \(y)")
            }
        }
        let withDefault = a.matmul(b, transposeSelf: transposes.0, transposeOther: transposes.1)
        #expect(withDefault == a.matmul(b, transposeSelf: transposes.0, transposeOther: transposes.1, backend: GEMM.current))
    }

    @Test func matmulOfSmallIntegersIsExact() {
        let a = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        let b = Tensor(rows: [[7, 8], [9, 10], [11, 12]])
        for backend in availableBackends {
            #expect(a.matmul(b, backend: backend) == Tensor(rows: [[58, 64], [139, 154]]))
            #expect(b.matmul(a, transposeSelf: true, transposeOther: true, backend: backend)
                    == Tensor(rows: [[58, 139], [64, 154]]))
        }
    }

    @Test func matmulWithEmptyDimensions() {
        for backend in availableBackends {
            #expect(Tensor(shape: [0, 3]).matmul(Tensor(shape: [3, 4], repeating: 1), backend: backend).shape == [0, 4])
            let zeroDepth = Tensor(shape: [2, 0]).matmul(Tensor(shape: [0, 3]), backend: backend)
            #expect(zeroDepth == Tensor(shape: [2, 3], repeating: 0))
        }
    }
}

@Suite struct PortableGEMMPackingTests {
    /// A `[rows, columns]` buffer holding `100 * row + column`, so each value names its place.
    static func labelled(_ rows: Int, _ columns: Int) -> [Float] {
        (0..<rows * columns).map { Float(100 * ($0 / columns) + $0 % columns) }
    }

    @Test(arguments: [false, true], PortableGEMM.MicroKernel.allCases.map(\.nr))
    func packBWritesZeroPaddedStripsOfTheTileWidth(transposed: Bool, nr: Int) {
        // op(B) is [k, n] = [3, nr + 2], stored [3, n] or [n, 3]: one full strip and two columns.
        let (k, n) = (3, nr + 2)
        let stored = transposed ? Self.labelled(n, k) : Self.labelled(k, n)
        let ldb = transposed ? k : n
        var packed = [Float](repeating: -1, count: 2 * 2 * nr)
        stored.withUnsafeBufferPointer { b in
            packed.withUnsafeMutableBufferPointer { out in
                PortableGEMM.packB(transposed: transposed, b: b.baseAddress!, ldb: ldb, rowStart: 1, kc: 2, n: n, nr: nr,
                                   into: out.baseAddress!)
            }
        }
        // Rows 1 and 2 of op(B); strip s holds columns nr*s..<nr*(s+1), k-major.
        for strip in 0..<2 {
            for p in 0..<2 {
                for jj in 0..<nr {
                    let j = strip * nr + jj
                    let value = packed[strip * 2 * nr + p * nr + jj]
                    let expected: Float = j < n ? (transposed ? stored[j * ldb + 1 + p] : stored[(1 + p) * ldb + j]) : 0
                    #expect(value == expected, "strip \(strip) p \(p) column \(jj)")
                }
            }
        }
    }

    /// The AVX2 packing of a transposed B (8 x 8 blocks transposed in registers) writes what
    /// the plain loop writes, strips cut by B's last column and depths past the blocks of 8
    /// included, at any strip stride.
    @Test(.enabled(if: VectorUnit.available.contains(.avx2), "no AVX2"),
          arguments: PortableGEMM.MicroKernel.allCases.map(\.nr))
    func transposedPackingByBlocksMatchesThePlainLoop(nr: Int) {
        for (n, kc) in [(2 * nr + 5, 17), (8, 256), (3, 9), (nr, 8)] {
            let (rowStart, ldb) = (3, 17 + 256)
            let stored = (0..<n * ldb).map { Float($0 % 9973) * 0.5 - 7 }
            let strips = (n + nr - 1) / nr
            let stride = kc * nr + 5
            var plain = [Float](repeating: -1, count: strips * stride), blocks = plain
            stored.withUnsafeBufferPointer { b in
                plain.withUnsafeMutableBufferPointer { out in
                    PortableGEMM.packB(transposed: true, b: b.baseAddress!, ldb: ldb, rowStart: rowStart, kc: kc, n: n, nr: nr,
                                       strips: 0..<strips, stripStride: stride, into: out.baseAddress!, vectorUnit: .baseline)
                }
                blocks.withUnsafeMutableBufferPointer { out in
                    PortableGEMM.packB(transposed: true, b: b.baseAddress!, ldb: ldb, rowStart: rowStart, kc: kc, n: n, nr: nr,
                                       strips: 0..<strips, stripStride: stride, into: out.baseAddress!, vectorUnit: .avx2)
                }
            }
            #expect(plain == blocks, "nr \(nr) n \(n) kc \(kc)")
            // The plain loop itself: a spot check against B.
            #expect(plain[1 * nr + 0] == stored[0 * ldb + rowStart + 1])
        }
    }

    @Test(arguments: [false, true])
    func packAWritesZeroPaddedSixRowStrips(transposed: Bool) {
        // op(A) is [m, k] = [8, 5], stored [8, 5] or [5, 8]; pack rows 1..<8 and columns 2..<5.
        let (m, k) = (8, 5)
        let stored = transposed ? Self.labelled(k, m) : Self.labelled(m, k)
        let lda = transposed ? m : k
        let (mc, kc) = (7, 3)
        var packed = [Float](repeating: -1, count: 2 * kc * 6)
        stored.withUnsafeBufferPointer { a in
            packed.withUnsafeMutableBufferPointer { out in
                PortableGEMM.packA(transposed: transposed, a: a.baseAddress!, lda: lda, rowStart: 1, mc: mc,
                                   columnStart: 2, kc: kc, into: out.baseAddress!)
            }
        }
        for strip in 0..<2 {
            for p in 0..<kc {
                for ii in 0..<6 {
                    let i = strip * 6 + ii
                    let value = packed[strip * kc * 6 + p * 6 + ii]
                    let (row, column) = (1 + i, 2 + p)
                    let expected: Float = i < mc ? (transposed ? stored[column * lda + row] : stored[row * lda + column]) : 0
                    #expect(value == expected, "strip \(strip) p \(p) row \(ii)")
                }
            }
        }
    }
}

@Suite struct BackendSelectionTests {
    @Test(arguments: [
        (["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma"], "SkylakeX"),
        (["avx512f", "avx512bw", "avx512dq", "avx512vl"], "SkylakeX"),
        (["avx512f", "avx512bw", "avx512dq", "avx2", "fma"], "Haswell"),
        (["avx2", "fma", "sse4_2"], "Haswell"),
        (["avx2"], nil),
        (["fma", "avx"], nil),
        (["sse2", "sse3"], nil),
        ([], nil),
    ] as [([String], String?)])
    func openBLASCoreTypeFollowsTheCPUFlags(flags: [String], expected: String?) {
        #expect(BLASBackend.openBLASCoreType(cpuFlags: Set(flags.map { Substring($0) })) == expected)
    }

    @Test func aCoreTypeOlderThanTheCPUGetsANote() {
        let avx512: Set<Substring> = ["avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        let avx2: Set<Substring> = ["avx2", "fma"]
        let note = BLASBackend.coreTypeAdvice(environment: ["OPENBLAS_CORETYPE": "Haswell"], cpuFlags: avx512)
        #expect(note?.contains("OPENBLAS_CORETYPE=Haswell is set") == true && note?.contains("SkylakeX") == true)
        #expect(BLASBackend.coreTypeAdvice(environment: ["OPENBLAS_CORETYPE": "Prescott"], cpuFlags: avx2)?.contains("Haswell") == true)
        #expect(BLASBackend.coreTypeAdvice(environment: ["OPENBLAS_CORETYPE": "SKYLAKEX"], cpuFlags: avx512) == nil)
        #expect(BLASBackend.coreTypeAdvice(environment: ["OPENBLAS_CORETYPE": "Haswell"], cpuFlags: avx2) == nil)
        #expect(BLASBackend.coreTypeAdvice(environment: [:], cpuFlags: avx512) == nil)
        #expect(BLASBackend.coreTypeAdvice(environment: ["OPENBLAS_CORETYPE": "Haswell"], cpuFlags: []) == nil)
    }

    /// OpenBLAS's threads sleep between products when the sparse first layer's kernels run
    /// between them on all cores, and spin otherwise.
    @Test func blasThreadingSettingParses() {
        #expect(BLASBackend.threadingSetting(nil) == (.split, nil))
        #expect(BLASBackend.threadingSetting("") == (.split, nil))
        #expect(BLASBackend.threadingSetting("Library") == (.library, nil))
        #expect(BLASBackend.threadingSetting("split") == (.split, nil))
        #expect(BLASBackend.threadingSetting("openmp") == (.split, "PERCEPTRON_BLAS_THREADING=openmp is not a setting; use split or library"))
    }

    /// OpenBLAS is split over Perceptron's threads unless asked otherwise, and then runs on one
    /// thread of its own.
    @Test(.enabled(if: GEMM.blas != nil && ProcessInfo.processInfo.environment["PERCEPTRON_BLAS_THREADING"] == nil,
                   "no system BLAS, or PERCEPTRON_BLAS_THREADING is set"))
    func openBLASIsSplitOverPerceptronsThreads() throws {
        let blas = try #require(GEMM.blas)
        guard blas.name == "openblas" else { return }
        #expect(blas.threading == (Parallel.threadCount > 1 ? .split : .library))
        #expect(blas.threadCount == Parallel.threadCount)
    }

    @Test func theIdleWaitFollowsTheSparsePath() {
        #expect(BLASBackend.idleWait == (SparseProducts.enabled ? .sleep : .spin))
    }

    @Test func idleWaitSetsTheOpenBLASThreadTimeoutUnlessTheUserDid() {
        #expect(BLASBackend.threadTimeoutSetting(for: .sleep, environment: [:]) == "4")
        #expect(BLASBackend.threadTimeoutSetting(for: .sleep, environment: ["OPENBLAS_THREAD_TIMEOUT": "28"]) == nil)
        #expect(BLASBackend.threadTimeoutSetting(for: .spin, environment: [:]) == nil)
        #expect(BLASBackend.threadTimeoutSetting(for: .spin, environment: ["OPENBLAS_THREAD_TIMEOUT": "4"]) == nil)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PERCEPTRON_BACKEND"] == nil, "PERCEPTRON_BACKEND is set"))
    func theDefaultEnvironmentHasNoConfigurationProblem() {
        #expect(GEMM.configurationProblem == nil)
        #expect(GEMM.current.name == (GEMM.blas?.name ?? "portable"))
        #expect(GEMM.current.threadCount >= 1)
    }

    #if os(Linux)
    @Test func openBLASLoadsWhereItIsInstalled() throws {
        let folders = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
        let installed = folders.contains { FileManager.default.fileExists(atPath: $0 + "/libopenblas.so.0") }
        let custom = ProcessInfo.processInfo.environment["PERCEPTRON_BLAS_LIBRARY"] != nil
        guard installed && !custom else { return }
        let blas = try #require(GEMM.blas, "libopenblas.so.0 is installed but did not load: \(BLASBackend.loadFailure ?? "")")
        #expect(blas.name == "openblas")
        #expect(blas.threadCount >= 1)
    }
    #endif

    @Test func thePortableBackendAlwaysExists() {
        #expect(GEMM.portable.name == "portable")
        #expect(GEMM.portable.threadCount == Parallel.threadCount)
    }

    @Test func theSwiftMicroKernelRunsEverywhereAndTheWidestIsTheDefault() {
        let available = PortableGEMM.MicroKernel.available
        #expect(available.first == .swift)
        #expect(PortableGEMM.MicroKernel.best == available.last)
        #expect(PortableGEMM().kernel == .best)
        #if !arch(x86_64)
        #expect(available == [.swift])
        #endif
        for kernel in PortableGEMM.MicroKernel.allCases {
            // A kernel this CPU cannot run is never called: the Swift one stands in.
            #expect(PortableGEMM(kernel: kernel).kernel == (available.contains(kernel) ? kernel : .swift))
            #expect(PortableGEMM(kernel: kernel).label == "portable/\(PortableGEMM(kernel: kernel).kernel.rawValue)")
        }
    }

    @Test func perceptronPortableKernelNamesTheMicroKernel() {
        let available = PortableGEMM.MicroKernel.available
        for text in [nil, "", "auto", "AUTO"] as [String?] {
            #expect(GEMM.portableKernel(requested: text) == (.best, nil))
        }
        for kernel in PortableGEMM.MicroKernel.allCases {
            let (chosen, problem) = GEMM.portableKernel(requested: kernel.rawValue.uppercased())
            if available.contains(kernel) {
                #expect(chosen == kernel && problem == nil)
            } else {
                #expect(chosen == .best && problem?.contains("this CPU cannot run it") == true)
            }
        }
        let (chosen, problem) = GEMM.portableKernel(requested: "sse")
        #expect(chosen == .best)
        #expect(problem == "PERCEPTRON_PORTABLE_KERNEL=sse is not a micro-kernel; use swift, avx2 or avx512")
    }
}

/// A backend that only records the shapes its `multiply` is given.
final class GEMMRecordingBackend: GEMMBackend, @unchecked Sendable {
    let name = "recording"
    let threadCount = 1
    private let lock = NSLock()
    private var shapes: [[Int]] = []
    var calls: [[Int]] { lock.lock(); defer { lock.unlock() }; return shapes }

    func multiply(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        lock.lock(); shapes.append([m, n, k]); lock.unlock()
    }
}
