// `perceptron info`: version, machine, GEMM backend in use, thread counts and the kernels this CPU runs.

import ArgumentParser
import Foundation
import Perceptron

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the version, the GEMM backend in use, the thread counts and the kernels this CPU runs.")

    func run() throws {
        try checkBackend()
        let backend = GEMM.current
        print("perceptron \(PerceptronCommand.version)")
        print("machine: \(SystemInfo.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("GEMM backend: \(backend.name) (\(backend.threadCount) threads)")
        if let blas = GEMM.blas {
            let core = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { ", OPENBLAS_CORETYPE=\($0)" } ?? ""
            print("system BLAS: \(blas.path)\(core)")
            print("BLAS threading: \(threadingDescription(blas))")
        } else {
            print("system BLAS: not found (\(BLASBackend.loadFailure ?? "none tried")); using the portable kernel")
        }
        let runnable = PortableGEMM.MicroKernel.available.map(\.rawValue).joined(separator: ", ")
        print("portable micro-kernel: \(GEMM.portable.kernel.rawValue) (this CPU runs \(runnable))")
        print("kernel threads: \(Parallel.threadCount)")
        print("sparse first layer: \(sparseDescription)")
        print("convolution kernels: \(convolutionDescription)")
    }

    /// Which kernels run a Conv2D on this CPU (the same on every GEMM backend).
    var convolutionDescription: String {
        switch VectorUnit.widest {
        case .avx512:
            return "direct on AVX-512 for stride 1, no padding and filters in 64s (forward, kernel gradient; input "
                + "gradient for channels in 16s); a first convolution and its 2x2 max pooling in one AVX-512 pass each way "
                + "(windows of up to 12 values, filters in 16s); otherwise im2col and GEMM"
        case .avx2:
            return "direct on AVX2 for stride 1, no padding and filters in 64s (forward, kernel gradient; input gradient "
                + "for channels in 16s); a first convolution's short windows on AVX2; otherwise im2col and GEMM"
        case .baseline:
            return "im2col and GEMM (the direct kernels need AVX2 or AVX-512)"
        }
    }

    /// Who spreads the BLAS's products over the cores.
    func threadingDescription(_ blas: BLASBackend) -> String {
        switch blas.threading {
        case .split:
            return "split over Perceptron's \(Parallel.threadCount) threads, the library on one each "
                + "(PERCEPTRON_BLAS_THREADING=library for its own)"
        case .library:
            return "the library's own threads"
        }
    }

    /// Whether Dense layers run mostly-zero inputs as sparse blocks, and why not.
    var sparseDescription: String {
        if SparseProducts.enabled {
            let tile = VectorUnit.widest == .avx512
                ? "AVX-512 on 256-bit units: blocks of \(SparseBlocks.preferredHeight) rows, a \(SparseBlocks.preferredHeight)x64 tile"
                : "AVX2: blocks of \(SparseBlocks.preferredHeight) rows, a \(SparseBlocks.preferredHeight)x16 tile"
            return "on (\(tile); PERCEPTRON_SPARSE=off turns it off)"
        }
        if ProcessInfo.processInfo.environment["PERCEPTRON_SPARSE"]?.lowercased() == "off" { return "off (PERCEPTRON_SPARSE=off)" }
        if VectorUnit.widest == .avx512 { return "off (a full-width AVX-512 CPU: the BLAS's dense products are faster here)" }
        return "off (needs AVX2 and FMA)"
    }
}

