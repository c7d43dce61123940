// Activation functions, forward and backward side by side: linear, relu, sigmoid, tanh,
// softmax. Backward uses the cached output y, which determines every derivative here.
// Legend: R rows (every axis but the last), C columns (the last axis).

import Foundation
import PerceptronIO
import PerceptronTensor

/// An activation applied element-wise (softmax: per row of the last axis).
///
/// Each derivative is written in terms of the output `y`, which layers cache:
/// relu `y > 0`, sigmoid `y (1 - y)`, tanh `1 - y^2`, softmax `y * (dy - sum(dy * y))` per row.
public enum ActivationFunction: String, Sendable, CaseIterable {
    /// `linear` the identity; `relu` `max(0, x)` (NaN stays NaN); `sigmoid` `1 / (1 + e^-x)`;
    /// `tanh`; `softmax` `exp(x - max) / sum(exp(x - max))` along the last axis.
    case linear, relu, sigmoid, tanh, softmax

    /// Applies the activation in place to `[rows, columns]` scalars.
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let count = rows * columns
        switch self {
        case .linear:
            return
        case .relu:
            Parallel.forEachChunk(count) { range in for i in range where x[i] < 0 { x[i] = 0 } }
        case .sigmoid:
            // 1 / (1 + e^-x), written to stay finite for large |x|.
            Parallel.forEachChunk(count, costPerItem: 8) { range in
                for i in range {
                    let v = x[i]
                    if v >= 0 { x[i] = 1 / (1 + Foundation.exp(-v)) } else {
                        let e = Foundation.exp(v)
                        x[i] = e / (1 + e)
                    }
                }
            }
        case .tanh:
            Parallel.forEachChunk(count, costPerItem: 8) { range in for i in range { x[i] = Foundation.tanh(x[i]) } }
        case .softmax:
            Kernels.softmaxRows(x, rows: rows, columns: columns)
        }
    }

    /// Turns `gradient` (dLoss/dy) into dLoss/dx in place, given the activation's output `y`.
    public func backward(_ gradient: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>,
                         rows: Int, columns: Int) {
        let count = rows * columns
        switch self {
        case .linear:
            return
        case .relu:
            Kernels.reluBackward(gradient, output: y, count: count)
        case .sigmoid:
            Parallel.forEachChunk(count) { range in for i in range { gradient[i] *= y[i] * (1 - y[i]) } }
        case .tanh:
            Parallel.forEachChunk(count) { range in for i in range { gradient[i] *= 1 - y[i] * y[i] } }
        case .softmax:
            Parallel.forEachChunk(rows, costPerItem: columns * 2) { range in
                for r in range {
                    let g = gradient + r * columns
                    let p = y + r * columns
                    var dot: Float = 0
                    for j in 0..<columns { dot += g[j] * p[j] }
                    for j in 0..<columns { g[j] = p[j] * (g[j] - dot) }
                }
            }
        }
    }

    /// `dz = dLoss/dx` from `dy = dLoss/dActivation` and the cached output `y`, written into
    /// `dz` (reused across steps; see `Tensor.reuse`). Rows run along the last `columns` values.
    public func inputGradient(_ dy: Tensor, output y: Tensor, columns: Int, into dz: inout Tensor) {
        precondition(dy.shape == y.shape, "activation backward expects the output's shape \(y.shape), got \(dy.shape)")
        Tensor.reuse(&dz, shape: dy.shape)
        dz.withUnsafeMutableBufferPointer { out in
            dy.withUnsafeBufferPointer { g in
                y.withUnsafeBufferPointer { y in
                    if self == .relu {
                        Kernels.reluGradient(g.baseAddress!, output: y.baseAddress!, count: out.count, into: out.baseAddress!)
                    } else {
                        out.baseAddress!.update(from: g.baseAddress!, count: out.count)
                        backward(out.baseAddress!, output: y.baseAddress!, rows: out.count / columns, columns: columns)
                    }
                }
            }
        }
    }

    // z: [R, C] -> y = activation(z) in place; z copied to `logits` first on request
    /// Finishes a product whose ReLU is folded into its kernel (Dense, Conv2D): any other
    /// activation is applied here, in place, after `z` is copied into `logits` when
    /// `keepLogits` and the activation is softmax or sigmoid (the cross-entropy losses read
    /// the logits). Rows run along the last axis.
    func finishProduct(_ z: inout Tensor, keepLogits: Bool, logits: inout Tensor) {
        guard self != .relu else { return }
        if keepLogits && (self == .softmax || self == .sigmoid) { Kernels.copy(z, into: &logits) }
        apply(&z)
    }

    // y: [R, C] -> activation(y), in place
    /// The activation applied in place to a tensor, rows along the last axis.
    func apply(_ y: inout Tensor) {
        let columns = y.shape.last ?? 1
        y.withUnsafeMutableBufferPointer { apply($0.baseAddress!, rows: columns == 0 ? 0 : $0.count / columns, columns: columns) }
    }

    /// The activation applied to a tensor, rows along the last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        apply(&y)
        return y
    }
}
