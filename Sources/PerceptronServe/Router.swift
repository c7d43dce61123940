// The playground's routes: each method and path mapped to its handler, the request body read
// within a size cap, and every error answered as `{"error": ...}` with its status.

import Foundation
import PerceptronIO

/// What a route answers, before HTTP framing.
public enum Reply: Sendable {
    /// A JSON document with its status.
    case json(Int, JSONValue)
    /// A file's bytes with their content type.
    case file(contentType: String, bytes: Data)
    /// Server-sent events, open until the client leaves.
    case events(AsyncStream<TrainingEvent>)

    public var status: Int {
        switch self {
        case .json(let status, _): return status
        case .file, .events: return 200
        }
    }
}

/// One route: its method, its path pattern (`{name}` matches one segment) and its body cap.
public struct Route: Sendable, Equatable {
    public let method: String
    public let pattern: String
    /// The largest body accepted, in bytes.
    public let bodyLimit: Int

    /// The routes the API serves, as the OpenAPI document lists them.
    public static let api: [Route] = [
        Route(method: "GET", pattern: "/api/openapi.json", bodyLimit: 0),
        Route(method: "GET", pattern: "/api/models", bodyLimit: 0),
        Route(method: "GET", pattern: "/api/samples/{split}/{index}", bodyLimit: 0),
        Route(method: "POST", pattern: "/api/digitize", bodyLimit: 5 << 20),
        Route(method: "POST", pattern: "/api/transform", bodyLimit: 1 << 20),
        Route(method: "POST", pattern: "/api/predict", bodyLimit: 1 << 20),
        Route(method: "POST", pattern: "/api/sweep", bodyLimit: 1 << 20),
        Route(method: "GET", pattern: "/api/robustness", bodyLimit: 0),
        Route(method: "POST", pattern: "/api/train", bodyLimit: 1 << 20),
        Route(method: "POST", pattern: "/api/train/stop", bodyLimit: 1 << 20),
        Route(method: "POST", pattern: "/api/train/resume", bodyLimit: 1 << 20),
        Route(method: "GET", pattern: "/api/train/events", bodyLimit: 0),
    ]

    /// The page and its assets.
    public static let pages: [Route] = [
        Route(method: "GET", pattern: "/", bodyLimit: 0),
        Route(method: "GET", pattern: "/assets/{file}", bodyLimit: 0),
    ]

    /// The path's segments matched against the pattern's, `{...}` capturing; nil when unmatched.
    func match(_ segments: [Substring]) -> [String]? {
        let parts = pattern.split(separator: "/")
        if pattern.hasPrefix("/assets/") {
            guard segments.count >= 2, segments[0] == "assets" else { return nil }
            return [segments.dropFirst().joined(separator: "/")]
        }
        guard parts.count == segments.count else { return nil }
        var captured: [String] = []
        for (part, segment) in zip(parts, segments) {
            if part.hasPrefix("{") { captured.append(String(segment)) } else if part != segment { return nil }
        }
        return captured
    }
}

extension Playground {
    /// The body a request carried: `limit` bytes at most.
    public typealias BodyReader = @Sendable (_ limit: Int) async throws -> [UInt8]

    /// The reply to `method` on `path` with `query`, reading the body through `body` when the
    /// route takes one. Never throws: bad input is a 4xx reply.
    public func respond(method: String, path: String, query: [(String, String)], body: BodyReader) async -> Reply {
        do {
            return try await route(method: method, path: path, query: query, body: body)
        } catch let error as APIError {
            return .json(error.status, error.body)
        } catch {
            return .json(500, .object(["error": .string("the server could not answer: \(error.localizedDescription)")]))
        }
    }

    private func route(method: String, path: String, query: [(String, String)], body: BodyReader) async throws -> Reply {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .filter { !$0.isEmpty }
        let routes = Route.api + Route.pages
        let matches = routes.compactMap { route in route.match(Array(segments)).map { (route, $0) } }
        guard !matches.isEmpty else { throw APIError.notFound("no such path: \(path)") }
        guard let (route, captured) = matches.first(where: { $0.0.method == method }) else {
            let allowed = Set(matches.map(\.0.method)).sorted().joined(separator: ", ")
            throw APIError(405, "\(method) is not allowed on \(path); use \(allowed)")
        }
        let bytes = route.bodyLimit > 0 ? try await body(route.bodyLimit) : []
        func ok(_ value: JSONValue) -> Reply { .json(200, value) }
        switch route.pattern {
        case "/": return try StaticFiles.reply(for: "index.html")
        case "/assets/{file}": return try StaticFiles.reply(for: captured[0], underAssets: true)
        case "/api/openapi.json": return ok(OpenAPIDocument.value)
        case "/api/models":
            try Self.noQuery(query)
            return ok(await models())
        case "/api/samples/{split}/{index}":
            try Self.noQuery(query)
            return ok(try sample(split: captured[0], index: captured[1]))
        case "/api/digitize": return ok(try digitize(bytes))
        case "/api/transform": return ok(try transform(bytes))
        case "/api/predict": return ok(try await predict(bytes))
        case "/api/sweep": return ok(try await sweep(bytes))
        case "/api/robustness": return ok(try await robustness(query: try Self.uniqueQuery(query)))
        case "/api/train": return .json(202, try await startTraining(bytes))
        case "/api/train/stop": return ok(try await stopTraining(bytes))
        case "/api/train/resume": return .json(202, try await resumeTraining(bytes))
        case "/api/train/events":
            try Self.noQuery(query)
            return .events(await training.subscribe())
        default: throw APIError.notFound("no such path: \(path)")
        }
    }

    static func noQuery(_ query: [(String, String)]) throws {
        if let first = query.first { throw APIError.badRequest("unknown query parameter '\(first.0)'; this path takes none") }
    }

    static func uniqueQuery(_ query: [(String, String)]) throws -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in query {
            guard result[name] == nil else { throw APIError.badRequest("the query parameter '\(name)' is given twice") }
            result[name] = value
        }
        return result
    }
}
