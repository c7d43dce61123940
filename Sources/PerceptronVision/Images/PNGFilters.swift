// PNG's five row filters (None, Sub, Up, Average, Paeth) in both directions: filtering rows for
// the encoder and reversing them for the decoder. Chunks and compression live elsewhere.

extension PNG {
    /// How the encoder picks each row's filter.
    public enum Filtering: Sendable, CaseIterable {
        /// Filter type 0 on every row: fastest, largest files.
        case none
        /// Per row, the filter whose output has the smallest sum of absolute values (bytes read
        /// as signed), the heuristic the PNG specification recommends and libpng uses; it
        /// usually gives the smallest files for photographs and smooth images.
        case adaptive
    }

    /// The Paeth predictor: of left `a`, above `b` and upper-left `c`, the one nearest to
    /// `a + b - c`, ties going to `a`, then `b`.
    @inline(__always)
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// The predictor of filter `type` from left `a`, above `b` and upper-left `c`.
    @inline(__always)
    static func predictor(_ type: UInt8, _ a: Int, _ b: Int, _ c: Int) -> Int {
        switch type {
        case 1: a
        case 2: b
        case 3: (a + b) >> 1
        case 4: paeth(a, b, c)
        default: 0
        }
    }

    /// Filters `height` rows of `rowBytes` samples (`bytesPerPixel` per pixel), giving the
    /// scanlines the IDAT stream holds: each row prefixed by its filter type byte.
    // samples: [height * rowBytes] -> [height * (1 + rowBytes)]
    static func filterRows(
        _ samples: [UInt8], rowBytes: Int, height: Int, bytesPerPixel: Int, filtering: Filtering
    ) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(height * (1 + rowBytes))
        let zeros = [UInt8](repeating: 0, count: rowBytes)
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        var best = candidate
        for y in 0..<height {
            let row = samples[y * rowBytes..<(y + 1) * rowBytes]
            let above = y > 0 ? samples[(y - 1) * rowBytes..<y * rowBytes] : zeros[...]
            let types: [UInt8] = filtering == .none ? [0] : [0, 1, 2, 3, 4]
            var bestType: UInt8 = 0
            var bestCost = Int.max
            for type in types {
                var cost = 0
                for i in 0..<rowBytes {
                    let a = i >= bytesPerPixel ? Int(row[row.startIndex + i - bytesPerPixel]) : 0
                    let b = Int(above[above.startIndex + i])
                    let c = i >= bytesPerPixel ? Int(above[above.startIndex + i - bytesPerPixel]) : 0
                    let value = UInt8(truncatingIfNeeded: Int(row[row.startIndex + i]) - predictor(type, a, b, c))
                    candidate[i] = value
                    cost += value < 128 ? Int(value) : 256 - Int(value)
                }
                if cost < bestCost {
                    bestCost = cost
                    bestType = type
                    swap(&best, &candidate)
                }
            }
            output.append(bestType)
            output.append(contentsOf: best)
        }
        return output
    }

    /// Reverses the filters of `height` scanlines, each a filter type byte and `rowBytes`
    /// filtered samples, giving `height * rowBytes` samples.
    ///
    /// - Precondition: `raw.count == height * (1 + rowBytes)` (the caller checks the size).
    /// - Throws: `.badFilter` naming the first row whose type byte is over 4.
    // raw: [height * (1 + rowBytes)] -> [height * rowBytes]
    static func unfilterRows(
        _ raw: [UInt8], rowBytes: Int, height: Int, bytesPerPixel: Int
    ) throws(PNGError.Kind) -> [UInt8] {
        precondition(raw.count == height * (1 + rowBytes),
                     "unfilterRows needs \(height * (1 + rowBytes)) bytes, got \(raw.count)")
        var samples = [UInt8](repeating: 0, count: height * rowBytes)
        for y in 0..<height {
            let type = raw[y * (1 + rowBytes)]
            guard type <= 4 else { throw .badFilter(row: y, type: type) }
            let source = y * (1 + rowBytes) + 1
            let target = y * rowBytes
            for i in 0..<rowBytes {
                let a = i >= bytesPerPixel ? Int(samples[target + i - bytesPerPixel]) : 0
                let b = y > 0 ? Int(samples[target - rowBytes + i]) : 0
                let c = y > 0 && i >= bytesPerPixel ? Int(samples[target - rowBytes + i - bytesPerPixel]) : 0
                samples[target + i] = UInt8(truncatingIfNeeded: Int(raw[source + i]) + predictor(type, a, b, c))
            }
        }
        return samples
    }
}
