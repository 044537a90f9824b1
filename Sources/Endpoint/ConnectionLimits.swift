import NIOCore

/// The per-connection limits of the update endpoint, read once from the config at start-up.
struct ConnectionLimits: Sendable {
    /// Time for a request head: from the connection opening, or from the first byte of a later request.
    var headerTimeout: TimeAmount
    /// Time for a request body, from its head.
    var bodyTimeout: TimeAmount
    /// Time a kept-alive connection may wait for the next request after a response.
    var idleTimeout: TimeAmount
    /// Most simultaneous connections; 0 means no limit.
    var maxConnections: Int
    var tcpKeepAlive: TCPKeepAlive

    /// Kernel keepalive probing; the socket options take whole seconds.
    struct TCPKeepAlive: Sendable {
        var idleSeconds: SocketOptionValue
        var intervalSeconds: SocketOptionValue
        var probeCount: SocketOptionValue
    }

    init(_ endpoint: EndpointConfiguration) {
        headerTimeout = Self.timeAmount(endpoint.headerTimeout)
        bodyTimeout = Self.timeAmount(endpoint.bodyTimeout)
        idleTimeout = Self.timeAmount(endpoint.idleTimeout)
        maxConnections = endpoint.maxConnections
        tcpKeepAlive = TCPKeepAlive(
            idleSeconds: Self.wholeSeconds(endpoint.tcpKeepAliveIdle),
            intervalSeconds: Self.wholeSeconds(endpoint.tcpKeepAliveInterval),
            probeCount: SocketOptionValue(clamping: min(endpoint.tcpKeepAliveCount, 127)))
    }

    private static func timeAmount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }

    /// Rounded up and at least 1 (the kernel refuses 0), at most the kernel's 32767.
    private static func wholeSeconds(_ seconds: Double) -> SocketOptionValue {
        SocketOptionValue(max(1, min(32767, seconds.rounded(.up))))
    }
}
