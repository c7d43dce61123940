// The safetensors container: an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and byte range, then the raw little-endian data. F32 only.

import Foundation
import PerceptronIO
import PerceptronTensor

/// A malformed or unsupported model file. The message names the file and the flaw.
public struct ModelFileError: LocalizedError, Equatable, Sendable {
    /// The file, or `<memory>` for bytes not read from one.
    public let path: String
    /// The flaw, with what was expected and found.
    public let detail: String

    /// An error about the file at `path`.
    public init(path: String, _ detail: String) {
        self.path = path
        self.detail = detail
    }

    /// `path: detail`.
    public var errorDescription: String? { "\(path): \(detail)" }
}

/// Reading and writing safetensors files (https://github.com/huggingface/safetensors):
/// `u64 LE header size | JSON header | data`. Tensors are float32 (`"F32"`), little-endian,
/// packed back to back in the order written; the header's `__metadata__` maps strings to strings.
public enum Safetensors {
    /// A header over 100 MB is refused, as the reference implementation does.
    public static let maximumHeaderSize = 100_000_000

    /// Encodes named tensors and string metadata.
    public static func encode(tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> [UInt8] {
        var header: [String: JSONValue] = [:]
        if !metadata.isEmpty { header["__metadata__"] = .object(metadata.mapValues { .string($0) }) }
        var offset = 0
        for (name, tensor) in tensors {
            precondition(header[name] == nil && name != "__metadata__", "duplicate tensor name '\(name)'")
            header[name] = .object(["dtype": .string("F32"), "shape": .ints(tensor.shape),
                                    "data_offsets": .ints([offset, offset + tensor.count * 4])])
            offset += tensor.count * 4
        }
        var headerBytes = Array(JSONValue.object(header).serialized().utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + headerBytes.count + offset)
        let size = UInt64(headerBytes.count)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: size >> UInt64(shift))) }
        bytes += headerBytes
        for (_, tensor) in tensors {
            tensor.withUnsafeBufferPointer { buffer in
                for value in buffer {
                    let bits = value.bitPattern.littleEndian
                    withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
                }
            }
        }
        return bytes
    }

    /// Decodes a safetensors file, validating everything before use: header length against
    /// the file size, strict JSON (no duplicate names), dtype F32, shapes, and byte ranges that
    /// lie inside the data, do not overlap and leave no gaps.
    ///
    /// - Returns: the tensors in file order and the metadata.
    /// - Throws: `ModelFileError` describing the first flaw found.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        guard bytes.count >= 8 else {
            throw ModelFileError(path: path, "too short for a safetensors file: \(bytes.count) bytes, need at least 8")
        }
        var reader = ByteReader(bytes)
        let declared = (try? reader.readUInt64LE()) ?? 0
        guard declared <= UInt64(maximumHeaderSize), Int(declared) <= bytes.count - 8 else {
            throw ModelFileError(path: path, "header length \(declared) exceeds the file (\(bytes.count) bytes) or the 100 MB limit; not a safetensors file or truncated")
        }
        let headerSize = Int(declared)
        let header: JSONValue
        do { header = try JSONValue.parse(bytes[8..<8 + headerSize]) } catch {
            throw ModelFileError(path: path, "header is not valid JSON: \(error)")
        }
        guard case .object(let entries) = header else {
            throw ModelFileError(path: path, "header must be a JSON object")
        }
        let dataStart = 8 + headerSize
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var ranges: [(name: String, begin: Int, end: Int, shape: [Int])] = []
        for (name, entry) in entries {
            if name == "__metadata__" {
                guard case .object(let values) = entry else { throw ModelFileError(path: path, "__metadata__ must be an object of strings") }
                for (key, value) in values {
                    guard let text = value.stringValue else { throw ModelFileError(path: path, "__metadata__ value '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard case .object(let fields) = entry else { throw ModelFileError(path: path, "tensor '\(name)' entry is not an object") }
            guard let dtype = fields["dtype"]?.stringValue else { throw ModelFileError(path: path, "tensor '\(name)' has no dtype") }
            guard dtype == "F32" else {
                throw ModelFileError(path: path, "tensor '\(name)' has dtype \(dtype.prefix(16)); only F32 is supported")
            }
            guard let shape = fields["shape"]?.shapeValue else { throw ModelFileError(path: path, "tensor '\(name)' has no valid shape") }
            guard let offsets = fields["data_offsets"]?.arrayValue?.compactMap(\.intValue), offsets.count == 2 else {
                throw ModelFileError(path: path, "tensor '\(name)' has no valid data_offsets [begin, end]")
            }
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= dataSize / 4 else {
                    throw ModelFileError(path: path, "tensor '\(name)' shape \(shape) is larger than the file's data (\(dataSize) bytes)")
                }
                elements = product
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw ModelFileError(path: path, "tensor '\(name)' data_offsets [\(begin), \(end)] lie outside the \(dataSize) data bytes")
            }
            guard end - begin == elements * 4 else {
                throw ModelFileError(path: path, "tensor '\(name)' shape \(shape) needs \(elements * 4) bytes, data_offsets give \(end - begin)")
            }
            ranges.append((name, begin, end, shape))
        }
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expectedBegin = 0
        for range in ranges {
            guard range.begin == expectedBegin else {
                let problem = range.begin < expectedBegin ? "overlaps the previous tensor" : "leaves a gap before it"
                throw ModelFileError(path: path, "tensor '\(range.name)' at byte \(range.begin) \(problem)")
            }
            expectedBegin = range.end
        }
        guard expectedBegin == dataSize else {
            throw ModelFileError(path: path, "the tensors cover \(expectedBegin) data bytes but the file holds \(dataSize)")
        }
        let tensors: [(name: String, tensor: Tensor)] = ranges.map { range in
            var tensor = Tensor.zeros(range.shape)
            tensor.withUnsafeMutableBufferPointer { out in
                bytes.withUnsafeBufferPointer { source in
                    let base = source.baseAddress! + dataStart + range.begin
                    for i in 0..<out.count {
                        var bits: UInt32 = 0
                        withUnsafeMutableBytes(of: &bits) { $0.copyMemory(from: UnsafeRawBufferPointer(start: base + 4 * i, count: 4)) }
                        out[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                }
            }
            return (range.name, tensor)
        }
        return (tensors, metadata)
    }
}
