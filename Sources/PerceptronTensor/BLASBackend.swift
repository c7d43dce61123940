// The system BLAS, found at run time with dlopen (OpenBLAS on Linux, Accelerate on macOS),
// so it is used whenever installed and never needed to build. Only cblas_sgemm is used.

import Foundation

/// `cblas_sgemm` of a system BLAS loaded at run time.
public struct BLASBackend: GEMMBackend, @unchecked Sendable {
    private typealias CblasSgemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float,
        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
        UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias CblasSgemv = @convention(c) (
        Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    /// `openblas`, `accelerate` or `blas`, from the path the library was loaded from.
    public let name: String
    /// The file the library was loaded from.
    public let path: String
    private let function: CblasSgemm
    /// `cblas_sgemv`, for products of a single row (predicting one sample): a matrix-vector
    /// product reads the weights once instead of packing them.
    private let vectorFunction: CblasSgemv?
    private let getThreads: GetThreads?
    private let setThreads: SetThreads?

    /// Threads a product runs on: Perceptron's when it splits products over the cores,
    /// otherwise the library's.
    public var threadCount: Int {
        threading == .split ? Parallel.threadCount : getThreads.map { Int($0()) } ?? Parallel.threadCount
    }

    /// How products are spread over the cores: `split` where the library's thread count can be
    /// set (OpenBLAS) and there is more than one core, unless `PERCEPTRON_BLAS_THREADING=library`;
    /// otherwise the library's own threads (Accelerate's, say).
    public let threading: Threading

    /// Products of fewer multiply-adds than this run on one BLAS thread: waking the other
    /// thread costs more than it saves (the output layer's 32x512x10 products at batch 32).
    public static let singleThreadBelow = 1 << 20

    /// Who spreads a product over the cores.
    public enum Threading: String, Sendable {
        /// Perceptron's own threads (`Parallel`): the BLAS runs on one thread, and each of
        /// ours computes one contiguous slice of the output's rows or columns with it. The
        /// library's worker threads then never run, so they neither spin against Perceptron's
        /// kernels nor need waking; on the 2-core Zen 3 machine the lesson's products ran
        /// 10-40% faster this way than on OpenBLAS's own two threads (best of 200 each).
        case split
        /// The library's own threads (OpenBLAS's `openblas_set_num_threads`).
        case library
    }

    /// `PERCEPTRON_BLAS_THREADING` (`split`, the default, or `library`), parsed; with the
    /// problem to report when the value is not one of them.
    static func threadingSetting(_ requested: String?) -> (threading: Threading, problem: String?) {
        let text = requested?.lowercased() ?? ""
        if text.isEmpty { return (.split, nil) }
        if let value = Threading(rawValue: text) { return (value, nil) }
        return (.split, "PERCEPTRON_BLAS_THREADING=\(requested!) is not a setting; use split or library")
    }

    private static let requestedThreading = threadingSetting(ProcessInfo.processInfo.environment["PERCEPTRON_BLAS_THREADING"])

    /// What `PERCEPTRON_BLAS_THREADING` asked for and could not be honoured, if anything.
    public static var threadingProblem: String? { requestedThreading.problem }

    /// Why the last load failed, for diagnostics.
    public nonisolated(unsafe) static var loadFailure: String?

    /// How OpenBLAS's idle worker threads wait for the next product.
    public enum IdleWait: Sendable {
        /// Spin, yielding the core, for about 2^28 cycles before sleeping: OpenBLAS's default,
        /// best when products follow each other closely with little else between them (a
        /// dense MLP, the chunked convolutions of a convnet).
        case spin
        /// Sleep at once (`OPENBLAS_THREAD_TIMEOUT=4`): best when products alternate with
        /// longer work spread over the cores, which the spinning threads would otherwise
        /// compete with: the lesson's MLP once its first layer runs sparse (an epoch about
        /// 10-15% faster than spinning, 2 cores).
        case sleep
    }

    /// The idle wait asked of OpenBLAS: `sleep` when Dense layers may take the sparse path
    /// (`SparseProducts.enabled`), else `spin`. Takes effect only if set before the first
    /// matrix product (the library reads it when it loads); a user's own
    /// `OPENBLAS_THREAD_TIMEOUT` always wins.
    public nonisolated(unsafe) static var idleWait: IdleWait = SparseProducts.enabled ? .sleep : .spin

    /// The `OPENBLAS_THREAD_TIMEOUT` value to set before loading, or nil to leave it alone.
    static func threadTimeoutSetting(for wait: IdleWait, environment: [String: String]) -> String? {
        guard wait == .sleep, environment["OPENBLAS_THREAD_TIMEOUT"] == nil else { return nil }
        return "4"
    }

    /// Candidate libraries, in order; `PERCEPTRON_BLAS_LIBRARY` names another one first.
    static var candidates: [String] {
        var list: [String] = []
        if let custom = ProcessInfo.processInfo.environment["PERCEPTRON_BLAS_LIBRARY"], !custom.isEmpty {
            list.append(custom)
        }
        #if os(macOS)
        list.append("/System/Library/Frameworks/Accelerate.framework/Accelerate")
        #else
        list += ["libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"]
        #endif
        return list
    }

    /// The OpenBLAS kernel family for this CPU, read from `/proc/cpuinfo`'s flags, or nil.
    ///
    /// OpenBLAS picks its kernels from the CPU model; on virtual CPUs that report a generic
    /// model ("Intel Xeon Processor") it falls back to the SSE3 `Prescott` kernels, several
    /// times slower. When the flags show AVX-512 (F, BW, DQ, VL) we ask for `SkylakeX`, with
    /// AVX2 and FMA for `Haswell`. A user's own `OPENBLAS_CORETYPE` always wins.
    static func openBLASCoreType(cpuFlags: Set<Substring>) -> String? {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// A note when `OPENBLAS_CORETYPE` holds OpenBLAS to kernels older than this CPU runs
    /// (AVX2 kernels on an AVX-512 CPU, say), else nil. The setting is honoured; the note says
    /// what it costs and how to lift it.
    static func coreTypeAdvice(environment: [String: String], cpuFlags: Set<Substring>) -> String? {
        let generation = ["haswell": 1, "zen": 1, "skylakex": 2, "cooperlake": 2, "sapphirerapids": 2]
        guard let forced = environment["OPENBLAS_CORETYPE"], let best = openBLASCoreType(cpuFlags: cpuFlags),
              generation[best.lowercased()]! > generation[forced.lowercased(), default: 0] else { return nil }
        return "note: OPENBLAS_CORETYPE=\(forced) is set, so OpenBLAS uses those kernels although this CPU runs its \(best) "
            + "kernels (\(best == "SkylakeX" ? "AVX-512" : "AVX2 and FMA")), which are often much faster; "
            + "unset OPENBLAS_CORETYPE to let Perceptron choose"
    }

    /// `coreTypeAdvice` for this process and machine (nil off Linux).
    public static var coreTypeAdvice: String? {
        #if os(Linux)
        return coreTypeAdvice(environment: ProcessInfo.processInfo.environment, cpuFlags: cpuFlags())
        #else
        return nil
        #endif
    }

    /// The CPU feature flags of the first processor in `/proc/cpuinfo` (empty elsewhere).
    static func cpuFlags() -> Set<Substring> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }

    /// Loads the first candidate that exports `cblas_sgemm`; nil when none does.
    static func load() -> BLASBackend? {
        var failures: [String] = []
        #if os(Linux)
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
           let coreType = openBLASCoreType(cpuFlags: cpuFlags()) {
            setenv("OPENBLAS_CORETYPE", coreType, 0)
        }
        if let timeout = threadTimeoutSetting(for: idleWait, environment: ProcessInfo.processInfo.environment) {
            setenv("OPENBLAS_THREAD_TIMEOUT", timeout, 0)
        }
        #endif
        for path in candidates {
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                failures.append(dlerror().map { String(cString: $0) } ?? "\(path): cannot be opened")
                continue
            }
            guard let symbol = dlsym(handle, "cblas_sgemm") else {
                failures.append("\(path): no cblas_sgemm")
                dlclose(handle)
                continue
            }
            let name = path.contains("Accelerate") ? "accelerate" : path.contains("openblas") ? "openblas" : "blas"
            var getThreads: GetThreads?
            var setThreads: SetThreads?
            if let setSymbol = dlsym(handle, "openblas_set_num_threads") {
                setThreads = unsafeBitCast(setSymbol, to: SetThreads.self)
            }
            let threading: Threading = setThreads != nil && Parallel.threadCount > 1 ? requestedThreading.threading : .library
            setThreads?(threading == .split ? 1 : Int32(Parallel.threadCount))
            if let getSymbol = dlsym(handle, "openblas_get_num_threads") {
                getThreads = unsafeBitCast(getSymbol, to: GetThreads.self)
            }
            let gemv = dlsym(handle, "cblas_sgemv").map { unsafeBitCast($0, to: CblasSgemv.self) }
            return BLASBackend(name: name, path: path, function: unsafeBitCast(symbol, to: CblasSgemm.self),
                               vectorFunction: gemv, getThreads: getThreads, setThreads: setThreads, threading: threading)
        }
        loadFailure = failures.joined(separator: "; ")
        return nil
    }

    /// `cblas_sgemm` (or `cblas_sgemv` for one row) for M, N and K of at least 1; see
    /// `GEMMBackend.sgemm`.
    public func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112
        if m == 1, let vectorFunction {
            // c[1, n] = a[1, k] op(B): with B [k, n], c = Bᵀ a; with B [n, k] (transposed), c = B a.
            if threading == .library, let setThreads, Parallel.threadCount > 1 {
                setThreads(n * k < BLASBackend.singleThreadBelow ? 1 : Int32(Parallel.threadCount))
            }
            vectorFunction(rowMajor, transposeB ? noTrans : trans, Int32(transposeB ? n : k), Int32(transposeB ? k : n),
                           alpha, b, Int32(max(ldb, 1)), a, Int32(transposeA ? max(lda, 1) : 1), beta, c, 1)
            return
        }
        let function = self.function
        func product(m: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
            function(rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans,
                     Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
                     beta, c, Int32(max(ldc, 1)))
        }
        let small = m * n * k < BLASBackend.singleThreadBelow
        guard threading == .split, !small else {
            if threading == .library, let setThreads, Parallel.threadCount > 1 {
                setThreads(small ? 1 : Int32(Parallel.threadCount))
            }
            product(m: m, n: n, a: a, b: b, c: c)
            return
        }
        // Slices of the longer side, in whole units of 16 rows or columns, one per thread. The
        // slicing depends only on the shape and the thread count, so a run is reproducible; as
        // with the library's own threads, an output's last bits may differ from a one-thread
        // product's (the kernel's edge tiles sum in another order).
        let splitRows = m >= n
        let units = ((splitRows ? m : n) + 15) / 16
        let shared = UncheckedSendable((a, b, c))
        Parallel.forEachChunk(units, minimumWork: 0) { range in
            let (a, b, c) = shared.value
            let first = range.lowerBound * 16
            if splitRows {
                let rows = min(range.upperBound * 16, m) - first
                product(m: rows, n: n, a: a + (transposeA ? first : first * lda), b: b, c: c + first * ldc)
            } else {
                let columns = min(range.upperBound * 16, n) - first
                product(m: m, n: columns, a: a, b: b + (transposeB ? first * ldb : first), c: c + first)
            }
        }
    }
}
