// The event stream read as a slow client reads it: one read brings the awaited event, the
// events after it and part of the next chunk. Nothing of that may be lost to the next wait.

import Foundation
import Testing
@testable import PerceptronServe
import PerceptronIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct EventStreamTests {
    /// The events as the server frames them: each `TrainingEvent.text` one HTTP chunk.
    static let events = [
        TrainingEvent("status", .object(["run": .string("r"), "state": .string("training"), "message": .string("go")])),
        TrainingEvent("epochEnd", .object(["epoch": .int(1), "logs": .object(["loss": .double(0.5)])])),
        TrainingEvent("batch", .object(["epoch": .int(2), "step": .int(1), "steps": .int(8)])),
        TrainingEvent("status", .object(["run": .string("r"), "state": .string("stopped"), "message": .string("stopped")])),
    ]

    static func chunk(_ event: TrainingEvent) -> [UInt8] {
        let text = Array(event.text.utf8)
        return Array(String(format: "%02X\r\n", text.count).utf8) + text + Array("\r\n".utf8)
    }

    /// The stream cut after the awaited `epochEnd` at every byte of the next two chunks: the
    /// first wait reads everything up to the cut in one read, the second must still see
    /// `batch` and the `stopped` status. (A client that dropped what it read past the
    /// awaited event lost them, and waited for `stopped` until its socket timed out.)
    @Test(arguments: 0..<(chunk(events[2]).count + chunk(events[3]).count))
    func aWaitKeepsWhatItReadPastItsEvent(cut: Int) async throws {
        let head = Self.chunk(Self.events[0]) + Self.chunk(Self.events[1])
        let tail = Self.chunk(Self.events[2]) + Self.chunk(Self.events[3])
        var pair: [Int32] = [0, 0]
        #if canImport(Glibc)
        let made = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)
        #else
        let made = socketpair(AF_UNIX, SOCK_STREAM, 0, &pair)
        #endif
        try #require(made == 0)
        let client = SocketClient(descriptor: pair[0], timeoutSeconds: 5)
        defer { client.close() }
        let server = pair[1]
        func send(_ bytes: [UInt8]) {
            let sent = bytes.withUnsafeBytes { writeBytes(server, $0.baseAddress, $0.count) }
            #expect(sent == bytes.count)
        }
        send(head + tail.prefix(cut))
        let first = try await client.events { name, _ in name == "epochEnd" }
        #expect(first.map(\.name) == ["status", "epochEnd"])
        send(Array(tail.dropFirst(cut)))
        _ = close(server)
        let second = try await client.events { name, data in name == "status" && data["state"]?.stringValue == "stopped" }
        #expect(second.map(\.name) == ["batch", "status"])
        #expect(second.first?.data["step"]?.intValue == 1)
    }
}

private func writeBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
