// What the machine is, for reports and benchmarks: CPU model, cores, GEMM backend, and the
// process's peak resident memory.

import Foundation

/// Facts about the machine and process.
public enum SystemInfo {
    /// The CPU model from `/proc/cpuinfo` (Linux) or `machdep.cpu.brand_string` (macOS).
    public static var cpuModel: String {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #elseif os(macOS)
        var size = 0
        if sysctlbyname("machdep.cpu.brand_string", nil, &size, nil, 0) == 0, size > 0 {
            var buffer = [CChar](repeating: 0, count: size)
            if sysctlbyname("machdep.cpu.brand_string", &buffer, &size, nil, 0) == 0 {
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        #endif
        return "unknown CPU"
    }

    /// Active cores.
    public static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// "Intel(R) Xeon(R) Processor, 2 cores".
    public static var machineDescription: String { "\(cpuModel), \(coreCount) cores" }

    /// "openblas (2 threads)".
    public static var backendDescription: String {
        let backend = GEMM.current
        return "\(backend.name) (\(backend.threadCount) threads)"
    }

    /// The peak resident set size of this process so far, in bytes (`getrusage`).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        #if os(Linux)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        #endif
        #if os(macOS)
        return Int(usage.ru_maxrss)
        #else
        return Int(usage.ru_maxrss) * 1024
        #endif
    }
}
