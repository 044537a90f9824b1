/// The whole server configuration as one typed tree. Every field has the default the server runs
/// with when no file, variable or flag sets it; `config.sample.toml` documents each key.
/// Durations are in seconds.
public struct ServerConfig: Equatable, Sendable {
    public var general = General()
    public var websocket = WebSocketSection()
    public var endpoint = EndpointSection()
    public var storage = Storage()
    public var logging = Logging()

    public init() {}

    /// `[default]`
    public struct General: Equatable, Sendable {
        /// Largest `data` an app server may send with a version, in bytes.
        public var maxDataLen = 4096
        /// Most channels one UAID may register.
        public var maxChannels = 200
        /// Endpoint token keys (base64url of 32 bytes). The first seals, any opens.
        public var tokenKeys: [String] = []
        /// Used when `tokenKeys` is empty: the key is read from this file, or made and written there.
        public var tokenKeyFile = "simplepush.key"
        public init() {}
    }

    /// `[websocket]` and `[websocket.listener]`
    public struct WebSocketSection: Equatable, Sendable {
        /// Allowed `Origin` header values; empty allows every origin.
        public var origins: [String] = []
        /// Reactor threads sharing the port with SO_REUSEPORT; 0 means one per core.
        public var workers = 0
        /// Largest WebSocket message accepted, in bytes; larger closes with 1009.
        public var maxMessageLen = 8192
        /// Close a connection that has not said hello within this many seconds.
        public var clientHelloTimeout = 30.0
        /// Pings closer together than this are answered with error 203 and a close.
        public var clientMinPingInterval = 20.0
        /// Close a connection whose HTTP upgrade is not complete within this many seconds.
        public var handshakeTimeout = 10.0
        public var listener = Listener(address: "127.0.0.1:8080")
        public init() {}
    }

    /// `[endpoint]` and `[endpoint.listener]`
    public struct EndpointSection: Equatable, Sendable {
        /// Public base URL of the update endpoint, used in `pushEndpoint`. Empty: `http://<listener addr>`.
        public var url = ""
        /// Answer OPTIONS and PUT with CORS headers.
        public var enableCORS = false
        public var listener = Listener(address: "127.0.0.1:8081")
        public init() {}

        /// The base URL endpoints are built on, without a trailing slash.
        public var publicURL: String {
            var base = url.isEmpty ? "http://\(listener.address)" : url
            while base.hasSuffix("/") { base.removeLast() }
            return base
        }
    }

    public struct Listener: Equatable, Sendable {
        /// `host:port`, `[v6]:port` or `:port` (all interfaces).
        public var address: String
        /// Most simultaneous connections; 0 means no limit beyond the open-file limit.
        public var maxConnections = 0
        public init(address: String) { self.address = address }
    }

    /// `[storage]` and `[storage.sqlite]`
    public struct Storage: Equatable, Sendable {
        public enum Kind: String, Equatable, Sendable, CaseIterable {
            case sqlite, memory
        }
        public var type = Kind.sqlite
        public var sqlitePath = "simplepush.sqlite"
        public init() {}
    }

    /// `[logging]`
    public struct Logging: Equatable, Sendable {
        public enum Level: String, Equatable, Sendable, CaseIterable {
            case trace, debug, info, notice, warning, error, critical
        }
        public enum Output: String, Equatable, Sendable, CaseIterable {
            case stdout, stderr
        }
        public var level = Level.info
        public var output = Output.stderr
        public init() {}
    }
}

extension ServerConfig.Listener {
    /// Splits `address` into host and port. An empty host means every interface.
    public func hostAndPort() -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        var host = String(address[..<colon])
        guard let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
