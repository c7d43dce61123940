// The playground on HTTP: FlyingFox's server with one handler that hands every request to
// `Playground.respond`, reads bodies within their cap, and frames server-sent events.

import FlyingFox
import FlyingSocks
import Foundation
import PerceptronIO

/// An HTTP server for a `Playground` on one address.
public final class PlaygroundServer: Sendable {
    public let playground: Playground
    private let server: HTTPServer
    private let runner: Task<Void, any Error>

    /// Starts listening on `host` (an IPv4 or IPv6 address; `localhost` is 127.0.0.1) at
    /// `port` (0: a free port, see `port`).
    /// - Throws: `APIError` for an address that is not an IP address; socket errors when the
    ///   port is taken.
    public init(playground: Playground, host: String = "127.0.0.1", port: UInt16 = 8080) async throws {
        self.playground = playground
        let address: any SocketAddress
        let ip = host == "localhost" ? "127.0.0.1" : host
        if ip.contains(":") {
            do { address = try sockaddr_in6.inet6(ip6: ip, port: port) } catch { throw APIError.badRequest("--host '\(host)' is not an IPv6 address") }
        } else {
            do { address = try sockaddr_in.inet(ip4: ip, port: port) } catch { throw APIError.badRequest("--host '\(host)' is not an IPv4 address such as 127.0.0.1") }
        }
        let config = HTTPServer.Configuration(address: address, timeout: 60, logger: .disabled)
        let server = HTTPServer(config: config, handler: PlaygroundHandler(playground: playground))
        self.server = server
        runner = Task { try await server.run() }
        do { try await server.waitUntilListening(timeout: 10) } catch {
            runner.cancel()
            if let failure = await runner.result.failure { throw failure }
            throw error
        }
    }

    /// The port the server listens on.
    public var port: UInt16 {
        get async {
            switch await server.listeningAddress {
            case .ip4(_, let port), .ip6(_, let port): return port
            default: return 0
            }
        }
    }

    /// Runs until the server stops; rethrows what stopped it.
    public func wait() async throws { try await runner.value }

    /// Stops listening and closes the connections.
    public func stop() async {
        await server.stop(timeout: 1)
        runner.cancel()
    }
}

private extension Result {
    var failure: Failure? { if case .failure(let error) = self { return error } else { return nil } }
}

/// Hands FlyingFox's requests to the playground.
struct PlaygroundHandler: HTTPHandler {
    let playground: Playground

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = request.bodySequence
        let reply = await playground.respond(method: request.method.rawValue, path: request.path,
                                             query: request.query.map { ($0.name, $0.value) }) { limit in
            try await Self.read(body, limit: limit)
        }
        var headers: HTTPHeaders = [
            .init("X-Content-Type-Options"): "nosniff",
            // The page may load nothing from elsewhere: no CDN, no fonts, no calls out.
            .init("Content-Security-Policy"): "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
        ]
        switch reply {
        case .json(let status, let value):
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.cacheControl] = "no-store"
            if status == 405, let allowed = Self.allowedMethods(request.path) { headers[.init("Allow")] = allowed }
            return HTTPResponse(statusCode: Self.statusCode(status), headers: headers, body: Data((value.serialized() + "\n").utf8))
        case .file(let type, let bytes):
            headers[.contentType] = type
            headers[.cacheControl] = "no-cache"
            return HTTPResponse(statusCode: .ok, headers: headers, body: bytes)
        case .events(let events):
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return HTTPResponse(statusCode: .ok, headers: headers, body: HTTPBodySequence(from: EventBytes(events), suggestedBufferSize: 1 << 16))
        }
    }

    static func allowedMethods(_ path: String) -> String? {
        let segments = Array(path.split(separator: "/").filter { !$0.isEmpty })
        let methods = Set((Route.api + Route.pages).filter { $0.match(segments) != nil }.map(\.method))
        return methods.isEmpty ? nil : methods.sorted().joined(separator: ", ")
    }

    static let phrases = [200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                          409: "Conflict", 413: "Content Too Large", 500: "Internal Server Error", 507: "Insufficient Storage"]

    static func statusCode(_ status: Int) -> HTTPStatusCode { HTTPStatusCode(status, phrase: phrases[status] ?? "Error") }

    /// The body, `limit` bytes at most.
    /// - Throws: `APIError` 413 when it is larger.
    static func read(_ body: HTTPBodySequence, limit: Int) async throws -> [UInt8] {
        let tooLarge = APIError(413, "the body is larger than \(limit) bytes")
        if let count = body.count, count > limit { throw tooLarge }
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.count <= limit else { throw tooLarge }
            bytes += chunk
        }
        return bytes
    }
}

/// Server-sent events as bytes for a streamed response body, with a comment line every 15 s
/// so idle connections stay open.
struct EventBytes: AsyncBufferedSequence {
    typealias Element = UInt8
    let chunks: AsyncStream<[UInt8]>

    init(_ events: AsyncStream<TrainingEvent>) {
        let (chunks, continuation) = AsyncStream<[UInt8]>.makeStream()
        let forward = Task {
            for await event in events { continuation.yield(Array(event.text.utf8)) }
            continuation.finish()
        }
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: 15_000_000_000)
                continuation.yield(Array(": keep-alive\n\n".utf8))
            }
        }
        continuation.onTermination = { _ in
            forward.cancel()
            heartbeat.cancel()
        }
        self.chunks = chunks
    }

    func makeAsyncIterator() -> Iterator { Iterator(chunks: chunks.makeAsyncIterator()) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var chunks: AsyncStream<[UInt8]>.Iterator
        var pending: [UInt8] = []
        var offset = 0

        mutating func next() async throws -> UInt8? {
            guard let buffer = try await nextBuffer(suggested: 1) else { return nil }
            return buffer.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if offset == pending.count {
                guard let chunk = await chunks.next() else { return nil }
                pending = chunk
                offset = 0
            }
            let end = Swift.min(pending.count, offset + Swift.max(count, 1))
            defer { offset = end }
            return Array(pending[offset..<end])
        }
    }
}
