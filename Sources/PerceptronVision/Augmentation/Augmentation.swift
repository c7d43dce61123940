// The hook through which fit transforms training batches on the fly (data augmentation).
// The one concrete augmentation is RandomAffine (RandomAffine.swift).

import PerceptronTensor

/// Transforms each training batch in place before its step. `fit` applies it to training
/// batches only, never to validation data, and `evaluate`/`predict` never apply it.
public protocol Augmentation {
    /// Transforms `batch` (`[N, ...sampleShape]`) in place, drawing from `generator` (seeded
    /// by fit, so a run is reproducible and a resumed run draws the same numbers).
    func augment(_ batch: inout Tensor, generator: inout SeededGenerator)
}

/// The image layout of a sample shape: `[H, W]`, `[H, W, C]`, or a flat `[D]` with D a
/// perfect square (MNIST's 784 = 28 x 28); nil otherwise.
public func imageLayout(of sampleShape: [Int]) -> (height: Int, width: Int, channels: Int)? {
    switch sampleShape.count {
    case 1:
        let side = Int(Double(sampleShape[0]).squareRoot().rounded())
        return side > 0 && side * side == sampleShape[0] ? (side, side, 1) : nil
    case 2: return (sampleShape[0], sampleShape[1], 1)
    case 3: return (sampleShape[0], sampleShape[1], sampleShape[2])
    default: return nil
    }
}
