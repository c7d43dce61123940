// The playground's request errors: an HTTP status and one sentence saying what was wrong,
// sent as `{"error": "..."}`. Bad input is always a 4xx, never a crash or a 5xx.

import Foundation
import PerceptronIO

/// A request the playground refuses, with the status to answer and a one-sentence reason.
public struct APIError: Error, LocalizedError, Equatable, Sendable {
    /// The HTTP status, 4xx for anything a client sent.
    public let status: Int
    /// What was wrong, naming the field or value.
    public let message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    /// 400: the body or a parameter is malformed or out of range.
    public static func badRequest(_ message: String) -> APIError { APIError(400, message) }
    /// 404: no such model, run, route or file.
    public static func notFound(_ message: String) -> APIError { APIError(404, message) }
    /// 409: the request conflicts with the training state.
    public static func conflict(_ message: String) -> APIError { APIError(409, message) }

    public var errorDescription: String? { message }

    /// `{"error": message}`.
    public var body: JSONValue { .object(["error": .string(message)]) }
}
