/// What the connection node reads from the configuration: the WebSocket listener, its reactors'
/// limits and the rules it applies before any protocol is chosen. The app fills it from the file.
public struct NodeConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Reactor threads sharing the port with SO_REUSEPORT; 0 means one per core.
    public var workers = 0
    /// Most simultaneous connections on the listener; 0 means no limit beyond the open-file limit.
    public var maxConnections = 0
    public var maxMessageLen = 8192
    public var handshakeTimeout = 10.0
    /// Close a connection that has not said hello (so has no protocol) within this many seconds.
    public var helloTimeout = 30.0
    public var idleTimeout = 300.0
    public var pongTimeout = 30.0
    public var tcpKeepalive = 0
    public var maxPendingOutput = 1 << 20
    /// Most store calls the device side runs at once.
    public var maxStoreCalls = 256
    /// Allowed `Origin` header values; empty allows every origin.
    public var origins: [String] = []

    public init() {}
}
