/// What the HTTP endpoint reads from the configuration: its listener and per-connection limits,
/// fixed at start-up. The app fills it from the file.
public struct EndpointConfiguration: Sendable {
    /// The address to listen on; empty means every IPv4 interface.
    public var host = "127.0.0.1"
    public var port = 8081
    /// Set in a cluster's workers: the listening socket takes SO_REUSEPORT, so every worker
    /// listens on the one port.
    public var sharesPort = false
    /// A request head must be complete within this many seconds.
    public var headerTimeout = 10.0
    /// A request body must be complete within this many seconds of its head.
    public var bodyTimeout = 30.0
    /// Close a kept-alive connection when no new request starts within this many seconds of a response.
    public var idleTimeout = 60.0
    /// Most simultaneous connections; 0 means no limit.
    public var maxConnections = 4096
    /// TCP keepalive on accepted sockets: probe after this many silent seconds, every
    /// `tcpKeepAliveInterval`, drop after `tcpKeepAliveCount` unanswered probes.
    public var tcpKeepAliveIdle = 60.0
    public var tcpKeepAliveInterval = 10.0
    public var tcpKeepAliveCount = 6
    /// Set: the listener speaks https only.
    public var tls: EndpointTLS?

    public init() {}
}
