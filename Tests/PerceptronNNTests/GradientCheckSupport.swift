// Helpers shared by the gradient checks of convolutions, batch normalisation on images, the
// sparse Dense path and the whole convnet: the weighted-sum objective and Float central
// differences through a layer's or model's own forward.

import Foundation
import Testing
@testable import PerceptronNN
import PerceptronTensor

/// `Σ weights ⊙ y`: a scalar objective whose gradient with respect to `y` is `weights`.
func innerProduct(_ weights: [Double], _ y: [Double]) -> Double {
    zip(weights, y).reduce(0) { $0 + $1.0 * $1.1 }
}

/// Central differences of `objective` with respect to every scalar of `parameter`, moving the
/// Float weight by `step` either way and dividing by the step actually taken in Float.
/// The weight is restored afterwards.
func perturbedDifferences(of parameter: Parameter, step: Float, _ objective: () -> Double) -> [Double] {
    let original = parameter.value.scalars
    func set(_ index: Int, _ value: Float) {
        parameter.value.withUnsafeMutableBufferPointer { $0[index] = value }
    }
    return original.indices.map { i in
        set(i, original[i] + step)
        let up = objective()
        set(i, original[i] - step)
        let down = objective()
        set(i, original[i])
        return (up - down) / (Double(original[i] + step) - Double(original[i] - step))
    }
}

/// The smallest distance between the largest and the second largest value of each window
/// (its real cells, as `WindowReference.pool` reads them) among windows whose largest value is
/// positive: how far the choice of a max pooling after a ReLU is from changing. Infinity when
/// no window qualifies.
func smallestMaximumGap(_ x: [Double], n: Int, h: Int, w: Int, c: Int, window: Int, stride: Int) -> Double {
    let (oh, ow) = ((h - window) / stride + 1, (w - window) / stride + 1)
    var gap = Double.infinity
    for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<c {
        var values: [Double] = []
        for ky in 0..<window { for kx in 0..<window {
            values.append(x[((i * h + oy * stride + ky) * w + ox * stride + kx) * c + ch])
        } }
        values.sort(by: >)
        if values[0] > 0 { gap = min(gap, values[0] - values[1]) }
    } } } }
    return gap
}
