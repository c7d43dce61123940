// The product of a Conv2D layer on tensors: z = relu?(im2col(x) W + b) and its gradients.
// The one place that chooses between the short-window kernels, the direct kernels and im2col's
// GEMM by chunks.
// Legend: N batch, H/W input size, OH/OW output size, C input channels, F filters,
// K = KH KW C (a window's values), P = N OH OW (output positions).

import CPerceptronCPU
import PerceptronTensor

/// `z = relu?(unfold(x) W + b)` and its gradients, for a Conv2D layer; keeps the unfolded
/// windows and their gradient between calls.
///
/// Three ways, chosen by the layer (`Conv2D.usesSmallKernel`) and by `usesDirectKernels`:
/// - **short window** (K <= 32, F a multiple of 8, linear or ReLU): one streaming pass of
///   `SmallGEMM` with bias and ReLU fused, reading each window in place from the image (or,
///   where windows reach padding, from windows unfolded once and kept); backward without an
///   input gradient forms dW and db in one pass over the same windows;
/// - **by chunks**: about `chunkBytes` of windows at a time are unfolded, multiplied by one
///   GEMM and given their bias (and ReLU) while in cache; backward unfolds each chunk again
///   from the kept input rather than keeping every window;
/// - **direct** (AVX2 or AVX-512, stride 1, no padding, F a multiple of 64): the forward
///   computes each output from the image itself, with the sums of the one-block GEMM of the
///   chunked way (the same bits on OpenBLAS), and the kernel gradient likewise, image by
///   image; the input gradient too when C is a multiple of 16, each contribution the one-block
///   GEMM's and the cells' sums in the fold's order (the same bits on OpenBLAS), else by chunks
///   (GEMM, then fold), with no windows unfolded.
/// `Conv2D.Reference` is the definition the tests hold every way to.
struct ConvolutionProduct {
    /// The windows and their outputs.
    let geometry: WindowGeometry
    /// Output channels F.
    let filters: Int
    /// Bytes of unfolded windows per chunk of images in the chunked way: 1 MB stays in a
    /// core's cache. The whole batch's windows (18 MB for the second layer of the lesson's
    /// convnet at batch 128) went to memory and back, and an epoch of that convnet took about
    /// 14% longer (median of eight alternating runs each on 20,000 images: 2.94 s -> 2.54 s,
    /// with the first layer's AVX2 gradient sums), with twice the peak memory (650 -> 320 MB).
    var chunkBytes = 1 << 20
    /// The unfolded windows: `[P, K]` after a short-window forward whose windows reach padding
    /// (kept for backward), a chunk's in the chunked way.
    private(set) var columns = Tensor.empty
    private var columnGradient = Tensor.empty
    /// The kernel transposed tap by tap for the direct input gradient: `[KH KW, F, C]`.
    private var transposedKernel = Tensor.empty

    /// The kernel of a convolution with `geometry` and `filters` output channels.
    init(geometry: WindowGeometry, filters: Int) {
        self.geometry = geometry
        self.filters = filters
    }

    /// Whether the short-window kernels apply to this shape (the activation must also be
    /// linear or ReLU).
    var fitsSmallKernel: Bool { SmallGEMM.applies(k: geometry.patchSize, n: filters) }

    /// The vector unit the direct kernels run on: this CPU's widest, AVX-512 or AVX2 (nil for
    /// neither). Both give the same bits; the tests run each.
    var directUnit: VectorUnit? = VectorUnit.widest == .baseline ? nil : VectorUnit.widest

    /// Whether the forward and the kernel gradient run as a direct convolution
    /// (`perceptron_convolution_direct_avx512` and `perceptron_convolution_kernel_gradient_avx512`,
    /// or their AVX2 versions): AVX2 or AVX-512, stride 1, no padding, a multiple of 64 filters,
    /// and a window too long for the short-window kernels. The lesson's second convolution
    /// (3x3x32 windows, 64 filters) qualifies.
    var usesDirectKernels: Bool {
        let g = geometry
        return directUnit != nil && !fitsSmallKernel && filters % 64 == 0
            && g.strideHeight == 1 && g.strideWidth == 1 && g.padTop == 0 && g.padLeft == 0
            && g.outputHeight == g.inputHeight - g.windowHeight + 1 && g.outputWidth == g.inputWidth - g.windowWidth + 1
    }

    /// Whether the input gradient runs direct too (`perceptron_convolution_input_gradient_avx512`
    /// or its AVX2 version): the direct kernels apply and C is a multiple of 16.
    var usesDirectInputGradient: Bool { usesDirectKernels && geometry.channels % 16 == 0 }

    /// Images per chunk of the chunked way: about `chunkBytes` of unfolded windows (then as
    /// much of their gradient in backward).
    var chunkImages: Int { max(1, chunkBytes / (4 * geometry.outputPositions * geometry.patchSize)) }

    // x: [N, H, W, C], w: [K, F], b: [F] or empty -> z: [N, OH, OW, F] = relu?(unfold(x) w + b)
    mutating func forward(_ x: Tensor, kernel w: Tensor, bias b: Tensor, relu: Bool, small: Bool, into z: inout Tensor) {
        let g = geometry, n = x.shape[0], filters = self.filters
        Tensor.reuse(&z, shape: [n, g.outputHeight, g.outputWidth, filters])
        if !small && usesDirectKernels {
            directForward(x, kernel: w, bias: b, relu: relu, into: &z)
            return
        }
        let chunk = small ? n : chunkImages
        let inPlace = small && g.windowsInsideImage
        Tensor.reuse(&columns, shape: inPlace ? [0] : [min(chunk, n) * g.outputPositions, g.patchSize])
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        // ReLU without bias still adds zeros on the GEMM way: -0 then reads as +0, as it always has.
        let biasOrZeros = b.count == 0 && relu && !small ? Tensor.zeros([filters]) : b
        z.withUnsafeMutableBufferPointer { out in
            columns.withUnsafeMutableBufferPointer { c in
                x.withUnsafeBufferPointer { input in
                    w.withUnsafeBufferPointer { w in
                        biasOrZeros.withUnsafeBufferPointer { b in
                            let bias = b.count == 0 ? nil : b.baseAddress
                            if small {
                                let rows = Self.shortWindowRows(of: input.baseAddress!, count: n, geometry: g, columns: c.baseAddress)
                                SmallGEMM.multiply(m: n * g.outputPositions, n: filters, k: g.patchSize, a: rows,
                                                   b: w.baseAddress!, bias: bias, relu: relu, c: out.baseAddress!)
                                return
                            }
                            var start = 0
                            while start < n {
                                let count = min(chunk, n - start)
                                let rows = count * g.outputPositions
                                let chunkOut = out.baseAddress! + start * g.outputPositions * filters
                                Im2Col.unfold(input.baseAddress! + start * imageSize, count: count, geometry: g, into: c.baseAddress!)
                                GEMM.sgemm(transposeA: false, transposeB: false, m: rows, n: filters, k: g.patchSize,
                                           a: c.baseAddress!, lda: g.patchSize, b: w.baseAddress!, ldb: filters, c: chunkOut, ldc: filters)
                                if relu {
                                    Kernels.addBiasReLU(chunkOut, rows: rows, columns: filters, bias: bias!)
                                } else if let bias {
                                    Kernels.addBias(chunkOut, rows: rows, columns: filters, bias: bias)
                                }
                                start += count
                            }
                        }
                    }
                }
            }
        }
    }

    /// The short-window kernels' windows over the images `x`: read in place when every window
    /// lies inside the image, else unfolded into `columns` (`[N OH OW, K]`; nil when the
    /// windows need none, as after a forward in place).
    private static func shortWindowRows(of x: UnsafePointer<Float>, count n: Int, geometry g: WindowGeometry,
                                        columns: UnsafeMutablePointer<Float>?) -> PatchRows {
        if g.windowsInsideImage { return PatchRows(windowsOf: x, geometry: g) }
        Im2Col.unfold(x, count: n, geometry: g, into: columns!)
        return PatchRows(packed: columns!, k: g.patchSize)
    }

    // x: [N, H, W, C], w: [K, F], b: [F] or empty -> z: [N, OH, OW, F] = relu?(conv(x, w) + b), images split over the cores
    private func directForward(_ x: Tensor, kernel w: Tensor, bias b: Tensor, relu: Bool, into z: inout Tensor) {
        let g = geometry, n = x.shape[0], filters = self.filters
        z.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                w.withUnsafeBufferPointer { w in
                    b.withUnsafeBufferPointer { b in
                        let shared = UncheckedSendable((input.baseAddress!, w.baseAddress!, b.count == 0 ? nil : b.baseAddress,
                                                        out.baseAddress!))
                        let wide = directUnit == .avx512
                        Parallel.forEachChunk(n, costPerItem: g.outputPositions * g.patchSize * filters) { range in
                            let (input, w, bias, out) = shared.value
                            if wide {
                                perceptron_convolution_direct_avx512(input, range.lowerBound, range.upperBound, g.inputHeight,
                                                                     g.inputWidth, g.channels, g.windowHeight, g.windowWidth, w,
                                                                     filters, bias, relu ? 1 : 0, out)
                            } else {
                                perceptron_convolution_direct_avx2(input, range.lowerBound, range.upperBound, g.inputHeight,
                                                                   g.inputWidth, g.channels, g.windowHeight, g.windowWidth, w,
                                                                   filters, bias, relu ? 1 : 0, out)
                            }
                        }
                    }
                }
            }
        }
    }

    // x: [H, W, C] (one image), w: [K, F], b: [F] or nil -> maps: [OH, OW, F] = relu?(conv(x, w) + b), on the calling thread
    /// The direct forward of one image, as `forward` computes each of its images (the same
    /// bits): for a caller that splits the images itself and uses the maps at once.
    func directForward(image x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, relu: Bool,
                       into maps: UnsafeMutablePointer<Float>) {
        precondition(usesDirectKernels, "the direct forward needs the direct kernels to apply")
        let g = geometry
        if directUnit == .avx512 {
            perceptron_convolution_direct_avx512(x, 0, 1, g.inputHeight, g.inputWidth, g.channels, g.windowHeight, g.windowWidth,
                                                 w, filters, bias, relu ? 1 : 0, maps)
        } else {
            perceptron_convolution_direct_avx2(x, 0, 1, g.inputHeight, g.inputWidth, g.channels, g.windowHeight, g.windowWidth,
                                               w, filters, bias, relu ? 1 : 0, maps)
        }
    }

    // x: [N, H, W, C], dz: [N, OH, OW, F] -> dw: [K, F] += Σ_images conv-gradient(x, dz), the rows of dw split over the cores
    private func directKernelGradient(_ x: Tensor, _ dz: Tensor, into dw: inout Tensor) {
        let g = geometry, n = x.shape[0], filters = self.filters
        // Work items: 4 channels of one window tap by 64 filters (see CPerceptronConvolution.h).
        let items = g.windowHeight * g.windowWidth * ((g.channels + 3) / 4) * (filters / 64)
        dw.withUnsafeMutableBufferPointer { dw in
            x.withUnsafeBufferPointer { input in
                dz.withUnsafeBufferPointer { dz in
                    let shared = UncheckedSendable((input.baseAddress!, dz.baseAddress!, dw.baseAddress!))
                    let wide = directUnit == .avx512
                    Parallel.forEachChunk(items, costPerItem: n * g.outputPositions * 4 * 64) { range in
                        let (input, dz, dw) = shared.value
                        if wide {
                            perceptron_convolution_kernel_gradient_avx512(input, dz, n, g.inputHeight, g.inputWidth, g.channels,
                                                                          g.windowHeight, g.windowWidth, filters,
                                                                          range.lowerBound, range.upperBound, dw)
                        } else {
                            perceptron_convolution_kernel_gradient_avx2(input, dz, n, g.inputHeight, g.inputWidth, g.channels,
                                                                        g.windowHeight, g.windowWidth, filters,
                                                                        range.lowerBound, range.upperBound, dw)
                        }
                    }
                }
            }
        }
    }

    // dz: [N, OH, OW, F], w: [K, F] -> dx: [N, H, W, C] = fold(dz wᵀ), images split over the cores
    private mutating func directInputGradient(_ dz: Tensor, kernel w: Tensor, into dx: inout Tensor) {
        let g = geometry, n = dz.shape[0], filters = self.filters
        let (taps, channels) = (g.windowHeight * g.windowWidth, g.channels)
        Tensor.reuse(&transposedKernel, shape: [taps, filters, channels])
        Tensor.reuse(&dx, shape: [n, g.inputHeight, g.inputWidth, channels])
        transposedKernel.withUnsafeMutableBufferPointer { wt in
            w.withUnsafeBufferPointer { w in
                // wt[tap, f, c] = w[tap C + c, f]
                for tap in 0..<taps { for c in 0..<channels { for f in 0..<filters {
                    wt[(tap * filters + f) * channels + c] = w[(tap * channels + c) * filters + f]
                } } }
            }
        }
        dx.withUnsafeMutableBufferPointer { dx in
            dz.withUnsafeBufferPointer { dz in
                transposedKernel.withUnsafeBufferPointer { wt in
                    let shared = UncheckedSendable((dz.baseAddress!, wt.baseAddress!, dx.baseAddress!))
                    let wide = directUnit == .avx512
                    Parallel.forEachChunk(n, costPerItem: g.outputPositions * g.patchSize * filters) { range in
                        let (dz, wt, dx) = shared.value
                        if wide {
                            perceptron_convolution_input_gradient_avx512(dz, range.lowerBound, range.upperBound, g.inputHeight,
                                                                         g.inputWidth, channels, g.windowHeight, g.windowWidth,
                                                                         wt, filters, dx)
                        } else {
                            perceptron_convolution_input_gradient_avx2(dz, range.lowerBound, range.upperBound, g.inputHeight,
                                                                       g.inputWidth, channels, g.windowHeight, g.windowWidth,
                                                                       wt, filters, dx)
                        }
                    }
                }
            }
        }
    }

    // x: [N, H, W, C] (the short-window forward's input), dy, y: [P, F] -> dw: [K, F] += unfold(x)ᵀ dz,
    // db: [F] += Σ_p dz, with dz = dy ⊙ (y > 0) when relu (y is read only then)
    /// The short-window backward without an input gradient: dz is never stored; the windows
    /// are the forward's (in place, or the unfolded ones it kept). `db` empty for a layer
    /// without bias.
    func addWeightGradients(input x: Tensor, _ dy: Tensor, output y: Tensor, relu: Bool, kernel dw: inout Tensor,
                            bias db: inout Tensor) {
        let (rows, g) = (dy.count / filters, geometry)
        dy.withUnsafeBufferPointer { d in
            y.withUnsafeBufferPointer { y in
                x.withUnsafeBufferPointer { x in
                    columns.withUnsafeBufferPointer { c in
                        dw.withUnsafeMutableBufferPointer { dw in
                            db.withUnsafeMutableBufferPointer { db in
                                let windows = g.windowsInsideImage ? PatchRows(windowsOf: x.baseAddress!, geometry: g)
                                    : PatchRows(packed: c.baseAddress!, k: g.patchSize)
                                SmallGEMM.weightGradients(m: rows, n: filters, k: g.patchSize, a: windows, dy: d.baseAddress!,
                                                          y: relu ? y.baseAddress! : nil, dw: dw.baseAddress!,
                                                          db: db.count == 0 ? nil : db.baseAddress)
                            }
                        }
                    }
                }
            }
        }
    }

    // x: [N, H, W, C], dz: [N, OH, OW, F], w: [K, F] -> dw: [K, F] += unfold(x)ᵀ dz, db: [F] += Σ_p dz,
    // dx: [N, H, W, C] = fold(dz wᵀ) when needsInputGradient; chunk by chunk of images
    /// The chunked backward: each chunk's windows unfolded again from the input (with the
    /// direct kernels, none: the kernel gradient is formed from the input itself first, and the
    /// input gradient from dz itself when `usesDirectInputGradient`). `db`
    /// empty for a layer without bias; `dx` untouched without `needsInputGradient`.
    mutating func backward(input x: Tensor, preactivationGradient dz: Tensor, kernel w: Tensor, needsInputGradient: Bool,
                           kernelGradient dw: inout Tensor, biasGradient db: inout Tensor, inputGradient dx: inout Tensor) {
        let g = geometry, n = x.shape[0], filters = self.filters
        let chunk = chunkImages
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let direct = usesDirectKernels
        if direct {
            directKernelGradient(x, dz, into: &dw)
            if !needsInputGradient || usesDirectInputGradient {
                if db.count > 0 { Kernels.addColumnSums(of: dz, into: &db) }
                if needsInputGradient { directInputGradient(dz, kernel: w, into: &dx) }
                return
            }
        } else {
            Tensor.reuse(&columns, shape: [min(chunk, n) * g.outputPositions, g.patchSize])
        }
        if needsInputGradient {
            Tensor.reuse(&columnGradient, shape: [min(chunk, n) * g.outputPositions, g.patchSize])
            Tensor.reuse(&dx, shape: x.shape)
        }
        if db.count > 0 { Kernels.addColumnSums(of: dz, into: &db) }
        dz.withUnsafeBufferPointer { d in
            columns.withUnsafeMutableBufferPointer { c in
                columnGradient.withUnsafeMutableBufferPointer { dc in
                    dx.withUnsafeMutableBufferPointer { dx in
                        x.withUnsafeBufferPointer { input in
                            w.withUnsafeBufferPointer { w in
                                dw.withUnsafeMutableBufferPointer { dw in
                                    if needsInputGradient { dx.update(repeating: 0) }
                                    var start = 0
                                    while start < n {
                                        let count = min(chunk, n - start)
                                        let rows = count * g.outputPositions
                                        let chunkGradient = d.baseAddress! + start * g.outputPositions * filters
                                        if !direct {
                                            Im2Col.unfold(input.baseAddress! + start * imageSize, count: count, geometry: g,
                                                          into: c.baseAddress!)
                                            GEMM.sgemm(transposeA: true, transposeB: false, m: g.patchSize, n: filters, k: rows,
                                                       a: c.baseAddress!, lda: g.patchSize, b: chunkGradient, ldb: filters,
                                                       beta: 1, c: dw.baseAddress!, ldc: filters)
                                        }
                                        if needsInputGradient {
                                            GEMM.sgemm(transposeA: false, transposeB: true, m: rows, n: g.patchSize, k: filters,
                                                       a: chunkGradient, lda: filters, b: w.baseAddress!, ldb: filters,
                                                       c: dc.baseAddress!, ldc: g.patchSize)
                                            Im2Col.fold(dc.baseAddress!, count: count, geometry: g,
                                                        into: dx.baseAddress! + start * imageSize)
                                        }
                                        start += count
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
