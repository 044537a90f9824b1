import Reactor

/// What the connection node reads from the configuration: the WebSocket listener, its reactors'
/// limits and the rules it applies before any protocol is chosen. The app fills it from the file.
public struct NodeConfiguration: Sendable {
    /// The listener and the limits every reactor applies. `maxConnections` is for the listener as
    /// a whole: each reactor takes its share.
    public var reactor = Reactor.Settings(host: "127.0.0.1", port: 8080)
    /// Reactor threads sharing the port with SO_REUSEPORT; 0 means one per core.
    public var workers = 0
    /// Close a connection that has not said hello (so has no protocol) within this many seconds.
    public var helloTimeout = 30.0
    /// Most store calls the device side runs at once.
    public var maxStoreCalls = 256
    /// Allowed `Origin` header values; empty allows every origin.
    public var origins: [String] = []
    /// Behind a proxy: a device's upgrade request names the public URL its endpoints are built
    /// on, in `X-Forwarded-Proto` and `X-Forwarded-Host` (see `ForwardedBase`).
    public var forwardedHeaders = false
    /// The hosts those headers may name; empty: any.
    public var forwardedHosts: [String] = []

    public init() {}
}
