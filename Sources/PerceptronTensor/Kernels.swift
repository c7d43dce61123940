// Row-wise kernels on raw buffers used by layers and losses: bias add fused with an
// activation, activation derivatives, softmax, column sums. Shapes: x [N, D], bias [D].

import Foundation

/// Kernels over row-major `[rows, columns]` buffers. Each works in one pass and splits
/// rows over the cores when the work is large enough.
public enum Kernels {
    /// `y[i, j] = max(0, y[i, j] + bias[j])` in place: bias add and ReLU in one pass.
    public static func addBiasReLU(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                   bias: UnsafePointer<Float>) {
        Parallel.forEachChunk(rows, costPerItem: columns) { range in
            for i in range {
                let row = y + i * columns
                for j in 0..<columns { row[j] = Swift.max(0, row[j] + bias[j]) }
            }
        }
    }

    /// `y[i, j] += bias[j]` in place.
    public static func addBias(_ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                               bias: UnsafePointer<Float>) {
        Parallel.forEachChunk(rows, costPerItem: columns) { range in
            for i in range {
                let row = y + i * columns
                for j in 0..<columns { row[j] += bias[j] }
            }
        }
    }

    /// `gradient[i] = 0` where `output[i] <= 0`: the ReLU derivative applied in place,
    /// using the cached output (y > 0 exactly where the pre-activation was > 0).
    public static func reluBackward(_ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count) { range in
            for i in range where output[i] <= 0 { gradient[i] = 0 }
        }
    }

    /// Numerically stable softmax of each row in place: `exp(x - max) / sum(exp(x - max))`.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        Parallel.forEachChunk(rows, costPerItem: columns * 8) { range in
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

    /// `sums[j] += sum over i of x[i, j]` (bias gradients), accumulating in Float row by row.
    public static func addColumnSums(of x: UnsafePointer<Float>, rows: Int, columns: Int,
                                     into sums: UnsafeMutablePointer<Float>) {
        for i in 0..<rows {
            let row = x + i * columns
            for j in 0..<columns { sums[j] += row[j] }
        }
    }

    /// `destination[i] = source[i] * scale` for `count` values, converting bytes to Float.
    public static func convert(_ source: UnsafePointer<UInt8>, count: Int, scale: Float,
                               into destination: UnsafeMutablePointer<Float>) {
        for i in 0..<count { destination[i] = Float(source[i]) * scale }
    }
}
