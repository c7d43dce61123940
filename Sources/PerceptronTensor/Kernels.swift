// Row-wise kernels on raw buffers used by layers and losses: bias add fused with ReLU, the
// ReLU gradient, softmax, column sums, byte conversion. Shapes: x [N, D], bias [D].
// Each hot kernel is written with 8-wide SIMD and branch-free selects; `Kernels.Reference`
// holds the plain loops the tests compare them with.

import CPerceptronCPU
import Foundation

/// Kernels over row-major `[rows, columns]` buffers. Each works in one pass and splits the
/// work over the cores when it is large enough.
public enum Kernels {
    typealias Vector = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// `y[i, j] = max(0, y[i, j] + bias[j])` in place: bias add and ReLU in one pass. NaN stays
    /// NaN, as in TensorFlow's relu, so a diverging run is seen rather than hidden.
    public static func addBiasReLU(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                   bias: UnsafePointer<Float>) {
        let shared = UncheckedSendable(y)
        Parallel.forEachChunk(rows, costPerItem: columns) { range in
            let y = shared.value
            for i in range {
                let row = y + i * columns
                var j = 0
                while j + 8 <= columns {
                    // A compare and select: the standard library's pointwiseMax is a lane loop.
                    let z = load(row + j) + load(bias + j)
                    store(z.replacing(with: 0, where: z .< 0), row + j)
                    j += 8
                }
                while j < columns { let z = row[j] + bias[j]; row[j] = z < 0 ? 0 : z; j += 1 }
            }
        }
    }

    /// `y[i, j] += bias[j]` in place.
    public static func addBias(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                               bias: UnsafePointer<Float>) {
        let shared = UncheckedSendable(y)
        Parallel.forEachChunk(rows, costPerItem: columns) { range in
            let y = shared.value
            for i in range {
                let row = y + i * columns
                var j = 0
                while j + 8 <= columns { store(load(row + j) + load(bias + j), row + j); j += 8 }
                while j < columns { row[j] += bias[j]; j += 1 }
            }
        }
    }

    /// `dz[i] = output[i] > 0 ? dy[i] : 0`: the ReLU derivative, from the cached output
    /// (y > 0 exactly where the pre-activation was > 0), branch-free. `dz` may be `dy`.
    public static func reluGradient(_ dy: UnsafePointer<Float>, output: UnsafePointer<Float>, count: Int,
                                    into dz: UnsafeMutablePointer<Float>) {
        let shared = UncheckedSendable((dy, output, dz))
        Parallel.forEachChunk(count) { range in
            let (dy, y, dz) = shared.value
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                store(load(dy + i).replacing(with: 0, where: load(y + i) .<= 0), dz + i)
                i += 8
            }
            while i < range.upperBound { dz[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
        }
    }

    /// `gradient[i] = 0` where `output[i] <= 0`, in place; see `reluGradient`.
    public static func reluBackward(_ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int) {
        reluGradient(gradient, output: output, count: count, into: gradient)
    }

    /// Numerically stable softmax of each row in place: `exp(x - max) / sum(exp(x - max))`.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let shared = UncheckedSendable(x)
        Parallel.forEachChunk(rows, costPerItem: columns * 8) { range in
            let x = shared.value
            for i in range {
                let row = x + i * columns
                var largest = -Float.infinity
                for j in 0..<columns { largest = Swift.max(largest, row[j]) }
                var total: Float = 0
                for j in 0..<columns {
                    let e = Foundation.exp(row[j] - largest)
                    row[j] = e
                    total += e
                }
                let inverse = 1 / total
                for j in 0..<columns { row[j] *= inverse }
            }
        }
    }

    /// `sums[j] += sum over i of x[i, j]` (bias gradients). Columns are split over the
    /// cores; each column is summed over the rows in order, so results do not depend on the
    /// thread count.
    public static func addColumnSums(of x: UnsafePointer<Float>, rows: Int, columns: Int,
                                     into sums: UnsafeMutablePointer<Float>) {
        let blocks = (columns + 7) / 8
        let shared = UncheckedSendable((x, sums))
        Parallel.forEachChunk(blocks, costPerItem: rows * 8) { range in
            let (x, sums) = shared.value
            for block in range {
                let j0 = block * 8
                if j0 + 8 <= columns {
                    var total = Vector()
                    for i in 0..<rows { total += load(x + i * columns + j0) }
                    store(load(sums + j0) + total, sums + j0)
                } else {
                    for j in j0..<columns {
                        var total: Float = 0
                        for i in 0..<rows { total += x[i * columns + j] }
                        sums[j] += total
                    }
                }
            }
        }
    }

    /// `dz = reluGradient(dy, output)` and `sums += column sums of dz` in one pass (a ReLU
    /// Dense layer's pre-activation and bias gradients), with the results of the two kernels
    /// bit for bit. Columns are split over the cores.
    public static func reluGradientColumnSums(_ dy: UnsafePointer<Float>, output: UnsafePointer<Float>, rows: Int,
                                              columns: Int, into dz: UnsafeMutablePointer<Float>,
                                              sums: UnsafeMutablePointer<Float>, vectorUnit: VectorUnit = .widest) {
        guard vectorUnit != .baseline else {
            reluGradient(dy, output: output, count: rows * columns, into: dz)
            addColumnSums(of: dz, rows: rows, columns: columns, into: sums)
            return
        }
        let blocks = (columns + 7) / 8
        let shared = UncheckedSendable((dy, output, dz, sums))
        Parallel.forEachChunk(blocks, costPerItem: rows * 8) { range in
            let (dy, output, dz, sums) = shared.value
            perceptron_relu_gradient_sums_avx2(dy, output, rows, columns, range.lowerBound * 8,
                                               min(range.upperBound * 8, columns), dz, sums)
        }
    }

    /// `destination[i] = Float(source[i]) * scale` for `count` values.
    public static func convert(_ source: UnsafePointer<UInt8>, count: Int, scale: Float,
                               into destination: UnsafeMutablePointer<Float>, vectorUnit: VectorUnit = .widest) {
        if vectorUnit != .baseline {
            perceptron_convert_bytes_avx2(source, count, scale, destination)
            return
        }
        var i = 0
        let factor = Vector(repeating: scale)
        while i + 8 <= count {
            let bytes = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<UInt8>.self)
            store(Vector(SIMD8<Int32>(truncatingIfNeeded: bytes)) * factor, destination + i)
            i += 8
        }
        while i < count { destination[i] = Float(source[i]) * scale; i += 1 }
    }

    /// The plain loops the SIMD kernels must agree with.
    public enum Reference {
        /// `y[i, j] = max(0, y[i, j] + bias[j])`, one value at a time.
        public static func addBiasReLU(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
            for i in 0..<rows {
                for j in 0..<columns { let z = y[i * columns + j] + bias[j]; y[i * columns + j] = z < 0 ? 0 : z }
            }
        }

        /// `dz[i] = output[i] > 0 ? dy[i] : 0`, one value at a time.
        public static func reluGradient(_ dy: UnsafePointer<Float>, output: UnsafePointer<Float>, count: Int,
                                        into dz: UnsafeMutablePointer<Float>) {
            for i in 0..<count { dz[i] = output[i] > 0 ? dy[i] : 0 }
        }

        /// `sums[j] += sum over i of x[i, j]`, each column summed over the rows in order.
        public static func addColumnSums(of x: UnsafePointer<Float>, rows: Int, columns: Int,
                                         into sums: UnsafeMutablePointer<Float>) {
            for j in 0..<columns {
                var total: Float = 0
                for i in 0..<rows { total += x[i * columns + j] }
                sums[j] += total
            }
        }

        /// `destination[i] = Float(source[i]) * scale`, one value at a time.
        public static func convert(_ source: UnsafePointer<UInt8>, count: Int, scale: Float,
                                   into destination: UnsafeMutablePointer<Float>) {
            for i in 0..<count { destination[i] = Float(source[i]) * scale }
        }
    }
}
