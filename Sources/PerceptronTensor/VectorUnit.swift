// Which vector instruction sets the kernels may use on this CPU, asked once at run time.

import CPerceptronCPU

/// A vector instruction set that some kernels have a version for.
///
/// Swift compiles for the architecture's baseline (SSE2 on x86-64) unless given unsafe
/// compiler flags. The wider versions are C functions compiled for their instruction set
/// alone (a function attribute) and are called only when the CPU and the operating system
/// support it, so the package runs on every CPU of its architecture.
public enum VectorUnit: String, CaseIterable, Sendable {
    /// What Swift compiles for: SSE2 on x86-64, NEON on arm64.
    case baseline
    /// AVX2 with FMA: 8 lanes.
    case avx2
    /// AVX-512: 16 lanes.
    case avx512

    /// The units this CPU can run, `baseline` first, widest last.
    public static let available: [VectorUnit] = {
        let units = Int(perceptron_vector_units())
        var available: [VectorUnit] = [.baseline]
        if units & Int(PERCEPTRON_VECTOR_AVX2_FMA) != 0 { available.append(.avx2) }
        if units & Int(PERCEPTRON_VECTOR_AVX512) != 0 { available.append(.avx512) }
        return available
    }()

    /// The widest unit this CPU can run.
    public static var widest: VectorUnit { available.last! }

    /// Whether this CPU has AVX-512 but runs it on 256-bit units (AMD's Zen 4), so that an
    /// AVX-512 kernel does no more multiply-adds per cycle than an AVX2 one.
    public static let avx512IsHalfWidth: Bool = perceptron_avx512_is_half_width() != 0

}
