// A playground on an ephemeral loopback port with a tiny dataset and two small models, and a
// plain HTTP/1.1 client over a socket, so the tests talk to the server as a browser would.

import Foundation
@testable import PerceptronServe
import PerceptronData
import PerceptronIO
import PerceptronNN
import PerceptronTensor
import PerceptronTraining
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ServeFixtures {
    /// A fresh temporary folder.
    static func temporaryFolder(_ stem: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perceptron-serve-\(stem)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A folder with the four IDX files of the first `train` and `test` MNIST images.
    static func dataset(train: Int = 200, test: Int = 50) throws -> URL {
        let folder = try temporaryFolder("data")
        let mnist = try MNIST.load()
        func write(_ tensor: ByteTensor, rows: Int, _ name: String) throws {
            let part = tensor.rows(0..<rows)
            try FileIO.writeAtomically(IDX.encode(IDXArray(type: .uint8, shape: part.shape, payload: part.bytes)),
                                       to: folder.appendingPathComponent(name))
        }
        try write(mnist.trainImages, rows: train, "train-images-idx3-ubyte")
        try write(mnist.trainLabels, rows: train, "train-labels-idx1-ubyte")
        try write(mnist.testImages, rows: test, "t10k-images-idx3-ubyte")
        try write(mnist.testLabels, rows: test, "t10k-labels-idx1-ubyte")
        return folder
    }

    /// A run folder `runs/<name>` holding an untrained model (seeded), saved as training would.
    static func modelFolder(in runs: URL, name: String, model: Model) throws -> URL {
        let folder = runs.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        model.metadata["pixel_scale"] = "\(Float(1) / 255)"
        try model.save(to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    /// A small MLP (784-16-10) and the lesson's CNN, seeded, untrained.
    static func models(in runs: URL) throws -> [URL] {
        setRandomSeed(7)
        let mlp = Architecture.mlp(inputWidth: 784, hidden: [16], classes: 10)
        let cnn = Architecture.cnn(height: 28, width: 28, classes: 10)
        return [try modelFolder(in: runs, name: "small-mlp", model: mlp), try modelFolder(in: runs, name: "small-cnn", model: cnn)]
    }
}

/// A running playground and what it was made from.
struct TestServer {
    let server: PlaygroundServer
    let port: UInt16
    let data: URL
    let runs: URL
    let dataset: MNIST

    var playground: Playground { server.playground }

    /// A server on 127.0.0.1 with the small models (or none), a tiny dataset and an empty runs folder.
    static func start(withModels: Bool = true) async throws -> TestServer {
        let data = try ServeFixtures.dataset()
        let runs = try ServeFixtures.temporaryFolder("runs")
        let modelRuns = try ServeFixtures.temporaryFolder("models")
        let served = withModels ? try ServeFixtures.models(in: modelRuns).map {
            try ServedModel(name: $0.lastPathComponent, file: $0.appendingPathComponent("model.safetensors"))
        } : []
        let dataset = try MNIST.load(from: data)
        let playground = Playground(models: served, dataset: dataset, dataFolder: data, runs: runs)
        let server = try await PlaygroundServer(playground: playground, host: "127.0.0.1", port: 0)
        return TestServer(server: server, port: await server.port, data: data, runs: runs, dataset: dataset)
    }

    func stop() async {
        await server.stop()
        for folder in [data, runs] { try? FileManager.default.removeItem(at: folder) }
    }

    /// Sends one request and reads the whole response.
    func request(_ method: String, _ path: String, body: String? = nil, headers: [String] = []) async throws -> HTTPReply {
        let port = port
        return try await blocking {
            let client = try SocketClient(port: port)
            defer { client.close() }
            try client.send(method, path, body: body.map { Array($0.utf8) }, headers: headers)
            return try client.readReply()
        }
    }

    /// The JSON reply of a request, its status and parsed body.
    func json(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> (status: Int, value: JSONValue) {
        let reply = try await request(method, path, body: body?.serialized())
        return (reply.status, try JSONValue.parse(reply.body))
    }
}

/// Runs blocking socket work on a thread outside Swift's cooperative pool, which the server
/// itself needs: on a 2-core machine two blocked tests would otherwise starve it.
func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

struct Event: Sendable {
    let name: String
    let data: JSONValue
}

struct HTTPReply: Sendable {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

struct ClientError: Error, CustomStringConvertible {
    let description: String
}

/// HTTP/1.1 over a loopback TCP socket, `Connection: close`.
///
/// `@unchecked Sendable`: a test uses its client from one `blocking` call at a time, in turn.
final class SocketClient: @unchecked Sendable {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Chunked bytes of the event stream not yet decoded: a read can end inside a chunk.
    private var undecoded: [UInt8] = []
    /// Decoded event text not yet handed out: a read can bring events past the one awaited,
    /// and the next wait must start with them.
    private var pendingText = ""

    /// A client over a connected socket, for tests that play the server's part themselves.
    init(descriptor: Int32, timeoutSeconds: Int) {
        self.descriptor = descriptor
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    init(port: UInt16, timeoutSeconds: Int = 120) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw ClientError(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { closeDescriptor(descriptor); throw ClientError(description: "connect to port \(port) failed") }
    }

    func close() { closeDescriptor(descriptor) }

    func send(_ method: String, _ path: String, body: [UInt8]?, headers: [String] = []) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for header in headers { head += header + "\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + (body ?? [])
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { sendBytes(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw ClientError(description: "send failed") }
            sent += count
        }
    }

    /// More bytes into the buffer; false at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw ClientError(description: "receive timed out or failed") }
        if count == 0 { return false }
        buffer += chunk[0..<count]
        return true
    }

    /// The status line and headers.
    func readHead() throws -> (Int, [String: String]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        while true {
            if let end = buffer.indices.dropLast(3).first(where: { Array(buffer[$0..<$0 + 4]) == separator }) {
                let lines = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
                buffer.removeFirst(end + 4)
                let status = Int(lines[0].split(separator: " ")[1]) ?? 0
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    if let colon = line.firstIndex(of: ":") {
                        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
                }
                return (status, headers)
            }
            guard try fill() else { throw ClientError(description: "connection closed before the headers ended") }
        }
    }

    func readReply() throws -> HTTPReply {
        let (status, headers) = try readHead()
        if let length = headers["content-length"].flatMap(Int.init) {
            while buffer.count < length { guard try fill() else { break } }
            return HTTPReply(status: status, headers: headers, body: Array(buffer.prefix(length)))
        }
        while try fill() {}
        let body = headers["transfer-encoding"] == "chunked" ? Self.dechunk(buffer) : buffer
        return HTTPReply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var position = 0
        while let lineEnd = bytes[position...].firstIndex(of: 13) {
            guard let size = Int(String(decoding: bytes[position..<lineEnd], as: UTF8.self), radix: 16), size > 0 else { break }
            out += bytes[lineEnd + 2..<min(bytes.count, lineEnd + 2 + size)]
            position = lineEnd + 2 + size + 2
            if position >= bytes.count { break }
        }
        return out
    }

    /// Server-sent events as they arrive: `(name, data)` until `until` says stop. What was
    /// read past that event stays for the next call.
    func readEvents(until: (String, JSONValue) throws -> Bool) throws {
        while true {
            undecoded += buffer
            buffer = []
            let decoded = Self.dechunkPartial(&undecoded)
            pendingText += String(decoding: decoded, as: UTF8.self)
            while let range = pendingText.range(of: "\n\n") {
                let block = String(pendingText[..<range.lowerBound])
                pendingText = String(pendingText[range.upperBound...])
                var name = "message", data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                if data.isEmpty { continue }
                if try until(name, try JSONValue.parse(data)) { return }
            }
            guard try fill() else { throw ClientError(description: "the event stream ended") }
        }
    }

    /// Events as they arrive, up to and including the first for which `stop` is true.
    func events(until stop: @escaping @Sendable (String, JSONValue) -> Bool) async throws -> [(name: String, data: JSONValue)] {
        try await blocking {
            var received: [(name: String, data: JSONValue)] = []
            try self.readEvents { name, data in
                received.append((name, data))
                return stop(name, data)
            }
            return received.map { Event(name: $0.name, data: $0.data) }
        }.map { (name: $0.name, data: $0.data) }
    }

    /// Connects and asks for the event stream; the status and headers.
    static func subscribe(port: UInt16) async throws -> (SocketClient, Int, [String: String]) {
        let client = try SocketClient(port: port)
        let (status, headers) = try await blocking {
            try client.send("GET", "/api/train/events", body: nil)
            return try client.readHead()
        }
        return (client, status, headers)
    }

    /// The complete chunks at the start of `raw`, removed from it.
    static func dechunkPartial(_ raw: inout [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        while let lineEnd = raw.firstIndex(of: 13), lineEnd + 1 < raw.count {
            guard let size = Int(String(decoding: raw[0..<lineEnd], as: UTF8.self), radix: 16) else { break }
            let end = lineEnd + 2 + size + 2
            guard raw.count >= end else { break }
            out += raw[lineEnd + 2..<lineEnd + 2 + size]
            raw.removeFirst(end)
        }
        return out
    }
}

private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }

private func sendBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if os(Linux)
    return send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
    #else
    return send(descriptor, bytes, count, 0)
    #endif
}

extension JSONValue {
    subscript(key: String) -> JSONValue? { objectValue?[key] }
    var floats: [Float] { (arrayValue ?? []).map { Float($0.doubleValue ?? .nan) } }
    var bytes: [UInt8] { (arrayValue ?? []).map { UInt8($0.intValue ?? 0) } }
}
