// Convolution geometry (Keras's `valid` / `same` padding) and the im2col / col2im kernels
// that turn a channels-last convolution into one GEMM. Legend: N batch, H/W spatial, C channels.

/// How a sliding window treats the border, as Keras's `padding=`.
public enum Padding: String, Sendable, CaseIterable {
    /// No padding: output `floor((in - window) / stride) + 1`.
    case valid
    /// Zero padding so that output = `ceil(in / stride)`; the total padding
    /// `max((out - 1) * stride + window - in, 0)` is split with the extra cell at the
    /// bottom/right, as Keras (TensorFlow) does.
    case same
}

/// The shapes of a 2-D sliding-window operation on one channels-last image.
public struct WindowGeometry: Equatable, Sendable {
    /// The input image's size, `[H, W, C]`.
    public let inputHeight: Int, inputWidth: Int, channels: Int
    /// The window's size, `KH x KW`.
    public let windowHeight: Int, windowWidth: Int
    /// The step between windows along each axis.
    public let strideHeight: Int, strideWidth: Int
    /// Zero rows above and columns left of the image.
    public let padTop: Int, padLeft: Int
    /// The output's size, `OH x OW`: `floor((in - window) / stride) + 1` with `valid`,
    /// `ceil(in / stride)` with `same`.
    public let outputHeight: Int, outputWidth: Int

    /// - Precondition: positive sizes; with `.valid`, the window fits in the input.
    public init(inputHeight: Int, inputWidth: Int, channels: Int, windowHeight: Int, windowWidth: Int,
                strideHeight: Int, strideWidth: Int, padding: Padding) {
        precondition(inputHeight > 0 && inputWidth > 0 && channels > 0 && windowHeight > 0 && windowWidth > 0
                     && strideHeight > 0 && strideWidth > 0,
                     "window geometry needs positive sizes, got input \(inputHeight)x\(inputWidth)x\(channels), window \(windowHeight)x\(windowWidth), strides \(strideHeight)x\(strideWidth)")
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        self.windowHeight = windowHeight
        self.windowWidth = windowWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        switch padding {
        case .valid:
            precondition(windowHeight <= inputHeight && windowWidth <= inputWidth,
                         "a \(windowHeight)x\(windowWidth) window does not fit a \(inputHeight)x\(inputWidth) input with valid padding")
            outputHeight = (inputHeight - windowHeight) / strideHeight + 1
            outputWidth = (inputWidth - windowWidth) / strideWidth + 1
            padTop = 0
            padLeft = 0
        case .same:
            outputHeight = (inputHeight + strideHeight - 1) / strideHeight
            outputWidth = (inputWidth + strideWidth - 1) / strideWidth
            padTop = max((outputHeight - 1) * strideHeight + windowHeight - inputHeight, 0) / 2
            padLeft = max((outputWidth - 1) * strideWidth + windowWidth - inputWidth, 0) / 2
        }
    }

    /// Whether a `valid` window of this size fits the input (for validating files and user input).
    public static func fits(inputHeight: Int, inputWidth: Int, windowHeight: Int, windowWidth: Int, padding: Padding) -> Bool {
        padding == .same || (windowHeight <= inputHeight && windowWidth <= inputWidth)
    }

    /// Values per im2col row: `windowHeight * windowWidth * channels`.
    public var patchSize: Int { windowHeight * windowWidth * channels }
    /// Output positions per image.
    public var outputPositions: Int { outputHeight * outputWidth }

    /// Whether every window lies inside the image (no padding cell in any): then a window can
    /// be read in place rather than unfolded (`PatchRows(windowsOf:geometry:)`).
    public var windowsInsideImage: Bool {
        padTop == 0 && padLeft == 0 && (outputHeight - 1) * strideHeight + windowHeight <= inputHeight
            && (outputWidth - 1) * strideWidth + windowWidth <= inputWidth
    }
}

/// im2col and col2im for channels-last images.
public enum Im2Col {
    /// Copies a few channels: a plain loop (8 at a time) beats a `memmove` call for the 1 to
    /// 64 values of one pixel.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        var c = 0
        while c + 8 <= count {
            UnsafeMutableRawPointer(target + c).storeBytes(of: UnsafeRawPointer(source + c).loadUnaligned(as: SIMD8<Float>.self),
                                                           as: SIMD8<Float>.self)
            c += 8
        }
        while c < count { target[c] = source[c]; c += 1 }
    }

    /// `target[0..<count] += source[0..<count]`, 8 at a time.
    @inline(__always)
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var c = 0
        while c + 8 <= count {
            let sum = UnsafeRawPointer(target + c).loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(source + c).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + c).storeBytes(of: sum, as: SIMD8<Float>.self)
            c += 8
        }
        while c < count { target[c] += source[c]; c += 1 }
    }

    /// Unfolds `x: [N, H, W, C]` into `columns: [N * OH * OW, KH * KW * C]`: row `(n, oy, ox)`
    /// holds the window at that output position, in (ky, kx, c) order (the order of a Keras
    /// kernel `[KH, KW, C, F]` flattened to `[KH * KW * C, F]`); padding cells are zero.
    public static func unfold(_ x: UnsafePointer<Float>, count n: Int, geometry g: WindowGeometry,
                              into columns: UnsafeMutablePointer<Float>) {
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let rowsPerImage = g.outputPositions
        let shared = UncheckedSendable((x, columns))
        Parallel.forEachChunk(n, costPerItem: rowsPerImage * g.patchSize) { range in
            let (x, columns) = shared.value
            for image in range {
                let source = x + image * imageSize
                var row = columns + image * rowsPerImage * g.patchSize
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        var cell = row
                        for ky in 0..<g.windowHeight {
                            let iy = oy * g.strideHeight + ky - g.padTop
                            if iy < 0 || iy >= g.inputHeight {
                                cell.update(repeating: 0, count: g.windowWidth * g.channels)
                                cell += g.windowWidth * g.channels
                                continue
                            }
                            let ix0 = ox * g.strideWidth - g.padLeft
                            if ix0 >= 0 && ix0 + g.windowWidth <= g.inputWidth {
                                // The window row lies inside the image: one contiguous run.
                                let run = g.windowWidth * g.channels
                                Im2Col.copy(source + (iy * g.inputWidth + ix0) * g.channels, to: cell, count: run)
                                cell += run
                                continue
                            }
                            for kx in 0..<g.windowWidth {
                                let ix = ix0 + kx
                                if ix < 0 || ix >= g.inputWidth {
                                    cell.update(repeating: 0, count: g.channels)
                                } else {
                                    Im2Col.copy(source + (iy * g.inputWidth + ix) * g.channels, to: cell, count: g.channels)
                                }
                                cell += g.channels
                            }
                        }
                        row += g.patchSize
                    }
                }
            }
        }
    }

    /// The adjoint of `unfold`: adds each column row's values back onto the input positions
    /// they came from, `dx[N, H, W, C] += fold(columns)`. `dx` must be zeroed by the caller.
    public static func fold(_ columns: UnsafePointer<Float>, count n: Int, geometry g: WindowGeometry,
                            into dx: UnsafeMutablePointer<Float>) {
        let imageSize = g.inputHeight * g.inputWidth * g.channels
        let rowsPerImage = g.outputPositions
        let shared = UncheckedSendable((columns, dx))
        Parallel.forEachChunk(n, costPerItem: rowsPerImage * g.patchSize) { range in
            let (columns, dx) = shared.value
            for image in range {
                let target = dx + image * imageSize
                var row = columns + image * rowsPerImage * g.patchSize
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        var cell = row
                        for ky in 0..<g.windowHeight {
                            let iy = oy * g.strideHeight + ky - g.padTop
                            for kx in 0..<g.windowWidth {
                                let ix = ox * g.strideWidth + kx - g.padLeft
                                if iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth {
                                    Im2Col.add(cell, into: target + (iy * g.inputWidth + ix) * g.channels, count: g.channels)
                                }
                                cell += g.channels
                            }
                        }
                        row += g.patchSize
                    }
                }
            }
        }
    }
}
