// Turns off Nagle's algorithm on the server's sockets. FlyingFox writes a response's headers
// and body in two writes; with Nagle on, the body waits for the client's delayed ACK of the
// headers, 40 ms on Linux, which capped a keep-alive client at about 22 predictions a second.

import FlyingSocks
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The platform's socket pool, setting `TCP_NODELAY` on every socket it waits on: the
/// listening socket first (Linux copies the option to each accepted socket), then each
/// connection as it waits for its next request.
struct NoDelayPool: AsyncSocketPool {
    let base: any AsyncSocketPool

    func prepare() async throws { try await base.prepare() }

    func run() async throws { try await base.run() }

    func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        var on: Int32 = 1
        // Fails harmlessly on sockets that are not TCP.
        _ = setsockopt(socket.file.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}
