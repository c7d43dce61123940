// The vector units the kernels choose from, checked against what the operating system reports
// of the CPU (Linux's /proc/cpuinfo), independently of the CPUID code that decides them.

import Foundation
import Testing
@testable import PerceptronTensor

@Suite struct VectorUnitTests {
    /// The first processor's fields in /proc/cpuinfo, or nil off Linux.
    static let cpuinfo: [String: String]? = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            fields[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }()

    @Test func halfWidthAVX512IsZen4Only() {
        #expect(!VectorUnit.avx512IsHalfWidth || VectorUnit.widest == .avx512)
        guard let info = Self.cpuinfo, let vendor = info["vendor_id"], let family = info["cpu family"],
              let flags = info["flags"]?.split(separator: " ") else { return }
        #if arch(x86_64)
        let zen4 = vendor == "AuthenticAMD" && family == "25" && flags.contains("avx512f")
        #expect(VectorUnit.avx512IsHalfWidth == (zen4 && VectorUnit.widest == .avx512))
        #else
        #expect(!VectorUnit.avx512IsHalfWidth)
        #endif
    }

    @Test func sparseProductsRunWhereEightLanesAreTheWidestInEffect() {
        let effectivelyAVX2 = VectorUnit.widest == .avx2 || (VectorUnit.widest == .avx512 && VectorUnit.avx512IsHalfWidth)
        let off = ProcessInfo.processInfo.environment["PERCEPTRON_SPARSE"]?.lowercased() == "off"
        #expect(SparseProducts.enabled == (effectivelyAVX2 && !off))
    }
}
