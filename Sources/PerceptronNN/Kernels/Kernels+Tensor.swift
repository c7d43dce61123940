// The row kernels of PerceptronTensor (`Kernels`) on tensors, for layers to call: bias and
// ReLU, column sums, the ReLU gradient. Each passes its tensors' buffers to the raw kernel.
// Legend: R rows (every axis but the last), C columns (the last axis).

import PerceptronTensor

extension Kernels {
    // z: [R, C], bias: [C] -> z = max(0, z + bias), in place
    /// `Kernels.addBiasReLU` on a tensor whose rows are `columns` wide.
    static func addBiasReLU(_ z: inout Tensor, columns: Int, bias: Tensor) {
        z.withUnsafeMutableBufferPointer { out in
            bias.withUnsafeBufferPointer { b in
                addBiasReLU(out.baseAddress!, rows: out.count / columns, columns: columns, bias: b.baseAddress!)
            }
        }
    }

    // z: [R, C], bias: [C] -> z = z + bias, in place
    /// `Kernels.addBias` on a tensor whose rows are `columns` wide.
    static func addBias(_ z: inout Tensor, columns: Int, bias: Tensor) {
        z.withUnsafeMutableBufferPointer { out in
            bias.withUnsafeBufferPointer { b in
                addBias(out.baseAddress!, rows: out.count / columns, columns: columns, bias: b.baseAddress!)
            }
        }
    }

    // x: [R, C] -> sums: [C] += Σ_r x[r, :]
    /// `Kernels.addColumnSums` on tensors: each column summed over the rows in order, then added.
    static func addColumnSums(of x: Tensor, into sums: inout Tensor) {
        let columns = sums.count
        x.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { s in
                addColumnSums(of: x.baseAddress!, rows: x.count / columns, columns: columns, into: s.baseAddress!)
            }
        }
    }

    // dy, y: [R, C] -> dz: [R, C] = dy ⊙ (y > 0), sums: [C] += Σ_r dz[r, :]
    /// `Kernels.reluGradientColumnSums` on tensors: a ReLU layer's pre-activation and bias
    /// gradients in one pass; `dz` keeps its storage when it can.
    static func reluGradientColumnSums(_ dy: Tensor, output y: Tensor, into dz: inout Tensor, sums: inout Tensor) {
        let columns = sums.count
        Tensor.reuse(&dz, shape: dy.shape)
        dz.withUnsafeMutableBufferPointer { dz in
            dy.withUnsafeBufferPointer { g in
                y.withUnsafeBufferPointer { y in
                    sums.withUnsafeMutableBufferPointer { s in
                        reluGradientColumnSums(g.baseAddress!, output: y.baseAddress!, rows: dz.count / columns,
                                               columns: columns, into: dz.baseAddress!, sums: s.baseAddress!)
                    }
                }
            }
        }
    }

    // values: [C] -> sums: [C] += values
    /// Adds `values` to `sums`, element by element (per-feature gradients).
    static func add(_ values: [Float], into sums: inout Tensor) {
        precondition(values.count == sums.count, "add needs \(sums.count) values, got \(values.count)")
        sums.withUnsafeMutableBufferPointer { s in for i in 0..<s.count { s[i] += values[i] } }
    }

    // x: [...] -> y: [...] = x, into y's storage when it can
    /// A copy of `x` into `y`'s buffer (reused when its shape matches and nobody else holds it).
    static func copy(_ x: Tensor, into y: inout Tensor) {
        Tensor.reuse(&y, shape: x.shape)
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: out.count) }
        }
    }
}
