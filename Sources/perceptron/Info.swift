// `perceptron info`: version, machine, GEMM backend in use and thread counts.

import ArgumentParser
import Foundation
import Perceptron

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the version, the GEMM backend in use and the thread counts.")

    func run() throws {
        try checkBackend()
        let backend = GEMM.current
        print("perceptron \(PerceptronCommand.version)")
        print("machine: \(MachineInfo.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("GEMM backend: \(backend.name) (\(backend.threadCount) threads)")
        if let blas = GEMM.blas {
            let core = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { ", OPENBLAS_CORETYPE=\($0)" } ?? ""
            print("system BLAS: \(blas.path)\(core)")
        } else {
            print("system BLAS: not found (\(BLASBackend.loadFailure ?? "none tried")); using the portable kernel")
        }
        print("kernel threads: \(Parallel.threadCount)")
    }
}

/// What the machine is, for reports.
enum MachineInfo {
    static var cpuModel: String {
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #if os(macOS)
        return "Apple/Intel Mac"
        #else
        return "unknown CPU"
        #endif
    }
}
