/// The whole server configuration as one typed tree. Every field has the default the server runs
/// with when no file, variable or flag sets it; `config.sample.toml` documents each key.
/// Durations are in seconds.
public struct ServerConfig: Equatable, Sendable {
    public var general = General()
    public var websocket = WebSocketSection()
    public var endpoint = EndpointSection()
    public var storage = Storage()
    public var webPush = WebPush()
    public var logging = Logging()
    public var metrics = Metrics()
    public var router = Router()
    public var cluster = Cluster()

    public init() {}

    /// `[default]`
    public struct General: Equatable, Sendable {
        /// Largest `data` an app server may send with a version, in bytes.
        public var maxDataLen = 4096
        /// Most channels one UAID may register.
        public var maxChannels = 200
        /// Endpoint token keys (base64url of 32 bytes). The first seals; each opens the tokens it sealed.
        public var tokenKeys: [String] = []
        /// Used when `tokenKeys` is empty: the key is read from this file, or made and written there.
        public var tokenKeyFile = "simplepush.key"
        /// On SIGTERM/SIGINT: longest wait for connections to close and stores to flush.
        public var shutdownGrace = 10.0
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
        /// After hello, a connection silent this long gets a WebSocket ping; 0 turns idle pings off.
        public var clientIdleTimeout = 300.0
        /// A connection that sends nothing for this long after an idle ping is dropped as dead.
        public var clientPongTimeout = 30.0
        /// TCP keepalive probes after this many silent seconds; 0 leaves keepalive off.
        public var tcpKeepalive = 0.0
        /// A connection whose unsent output passes this many bytes is closed (a reader that stopped).
        public var maxPendingOutput = 1 << 20
        /// Most store calls the device side runs at once; more wait their turn, and each waiting
        /// connection stops being read until its call is done.
        public var maxStoreCalls = 256
        public var listener = Listener(address: "127.0.0.1:8080")
        public init() {}
    }

    /// `[endpoint]` and `[endpoint.listener]`
    public struct EndpointSection: Equatable, Sendable {
        /// Public base URL of the update endpoint, used in `pushEndpoint`. Empty: `http://<listener addr>`
        /// (`https://` when the listener has TLS).
        public var url = ""
        /// Answer OPTIONS and PUT with CORS headers.
        public var enableCORS = false
        /// Behind a proxy, with `url` empty: take the public URL from a request's
        /// `X-Forwarded-Proto` and `X-Forwarded-Host` (a device's upgrade, an app server's push).
        public var forwardedHeaders = false
        /// The hosts (with a port unless the default) those headers may name; empty: any, up to
        /// 255 per reactor.
        public var forwardedHosts: [String] = []
        /// A request head must be complete within this many seconds of the connection opening, or
        /// of the first byte of a later request on a kept-alive connection.
        public var headerTimeout = 10.0
        /// A request body must be complete within this many seconds of its head.
        public var bodyTimeout = 30.0
        /// Close a kept-alive connection when no new request starts within this many seconds of a response.
        public var idleTimeout = 60.0
        /// The cap leaves most of the process's descriptors to devices on the WebSocket listener.
        public var listener = Listener(address: "127.0.0.1:8081", maxConnections: 4096)
        public init() {}

        /// Forwarded headers count only where no `url` says otherwise.
        public var usesForwardedHeaders: Bool { forwardedHeaders && url.isEmpty }

        /// The base URL endpoints are built on, without a trailing slash.
        public var publicURL: String {
            var base = url.isEmpty ? "\(listener.usesTLS ? "https" : "http")://\(listener.address)" : url
            while base.hasSuffix("/") { base.removeLast() }
            return base
        }
    }

    public struct Listener: Equatable, Sendable {
        /// `host:port`, `[v6]:port` or `:port` (all interfaces).
        public var address: String
        /// Most simultaneous connections; 0 means no limit beyond the open-file limit.
        public var maxConnections = 0
        /// TCP keepalive on accepted sockets (read by the endpoint listener): probe a connection
        /// silent this many seconds, every `tcpKeepAliveInterval` seconds, and drop it after
        /// `tcpKeepAliveCount` unanswered probes, so peers that vanished do not hold a descriptor.
        public var tcpKeepAliveIdle = 60.0
        public var tcpKeepAliveInterval = 10.0
        public var tcpKeepAliveCount = 6
        /// TLS: the certificate chain (PEM, leaf first) and its private key (PEM). Both set: the
        /// listener speaks only TLS (wss:// or https://); both empty: plain. Re-read on SIGHUP.
        public var certFile = ""
        public var keyFile = ""
        public init(address: String, maxConnections: Int = 0) {
            self.address = address
            self.maxConnections = maxConnections
        }

        /// Whether a certificate is configured (the loader refuses one of the two files alone).
        public var usesTLS: Bool { !certFile.isEmpty || !keyFile.isEmpty }
    }

    /// `[storage]`, `[storage.sqlite]` and `[storage.memcache]`
    public struct Storage: Equatable, Sendable {
        public enum Kind: String, Equatable, Sendable, CaseIterable {
            case sqlite, memory, memcache
        }
        public var type = Kind.sqlite
        public var sqlitePath = "simplepush.sqlite"
        public var memcache = Memcache()
        public init() {}

        /// `[storage.memcache]`: a store shared by every node pointed at the same servers.
        public struct Memcache: Equatable, Sendable {
            /// memcached servers, `host:port`; keys are spread over them by consistent hashing.
            public var servers = ["127.0.0.1:11211"]
            /// Longest wait for a server's answer, in seconds.
            public var recvTimeout = 1.0
            /// Longest wait to connect to a server or write a request, in seconds.
            public var sendTimeout = 1.0
            /// After a server fails, calls needing it fail at once for this long before it is tried again.
            public var retryTimeout = 5.0
            /// Connections to memcached, and threads making the blocking calls.
            public var poolSize = 8
            /// Hard cap on channels per UAID in this store, below `[default] max_channels` or equal.
            public var maxChannels = 200
            /// Lifetime of a channel record with an update waiting for the device's ack.
            public var timeoutLive = 3 * 86400.0
            /// Lifetime of a channel record with nothing waiting (its newest version, once acked).
            public var timeoutReg = 3 * 3600.0
            /// Lifetime of the marker an unregistered channel leaves behind.
            public var timeoutDel = 86400.0
            /// Put before every key, so several deployments can share servers.
            public var prefix = "simplepush:"
            public init() {}

            /// Longest prefix: keys must stay under memcached's 250 bytes with a UAID and channel id appended.
            public static let maxPrefixLength = 150

            /// Splits `host:port`, `[v6]:port` or a bare host (port 11211); nil when malformed.
            public static func parseServer(_ text: String) -> (host: String, port: Int)? {
                if !text.contains(":") || (text.hasPrefix("[") && text.hasSuffix("]")) {
                    let host = text.hasPrefix("[") ? String(text.dropFirst().dropLast()) : text
                    return host.isEmpty ? nil : (host, 11211)
                }
                guard let (host, port) = Listener(address: text).hostAndPort(), !host.isEmpty, port > 0,
                      text.hasPrefix("[") || !host.contains(":")  // IPv6 needs brackets
                else { return nil }
                return (host, port)
            }

            /// Why `prefix` cannot start memcached keys, or nil when it can.
            public static func problem(withPrefix prefix: String) -> String? {
                if prefix.utf8.count > maxPrefixLength { return "must be at most \(maxPrefixLength) bytes" }
                if prefix.unicodeScalars.contains(where: { $0.value <= 32 || $0.value == 127 }) {
                    return "must not contain spaces or control characters"
                }
                return nil
            }
        }
    }

    /// `[webpush]`
    public struct WebPush: Equatable, Sendable {
        /// Serve WebPush (hello with `use_webpush`, `POST /wpush/…`) besides SimplePush.
        public var enabled = true
        /// Most messages stored for one device; past it the oldest are dropped.
        public var maxStoredMessages = 100
        /// Verified VAPID tokens kept, so a reused token costs one signature check.
        public var vapidCacheSize = 10_000
        public init() {}
    }

    /// `[logging]`
    public struct Logging: Equatable, Sendable {
        public enum Level: String, Equatable, Sendable, CaseIterable {
            case trace, debug, info, notice, warning, error, critical
        }
        public enum Format: String, Equatable, Sendable, CaseIterable {
            case text, json
        }
        public var level = Level.info
        public var format = Format.text
        /// "stdout", "stderr" or a file path (reopened on SIGUSR1, for logrotate).
        public var output = "stderr"
        public init() {}
    }

    /// `[metrics]`
    public struct Metrics: Equatable, Sendable {
        /// `GET /metrics` is always on the endpoint listener; a non-empty address serves it on a
        /// listener of its own too (host:port).
        public var address = ""
        public init() {}
    }

    /// `[router]`: this node's part in a fleet of nodes sharing one store.
    public struct Router: Equatable, Sendable {
        /// The internal listener other nodes hand deliveries to (host:port); empty: a single node,
        /// no router listener, no node records.
        public var address = ""
        /// How other nodes reach that listener; empty: `http://<address>`. It names this node in
        /// the store's node records.
        public var url = ""
        /// A node that does not answer a delivery within this many seconds is treated as gone.
        public var timeout = 2.0
        public init() {}

        public var isEnabled: Bool { !address.isEmpty }

        /// This node's name in the fleet, without a trailing slash.
        public var nodeURL: String {
            var base = url.isEmpty ? "http://\(address)" : url
            while base.hasSuffix("/") { base.removeLast() }
            return base
        }
    }
}

extension ServerConfig {
    /// `[cluster]`: worker processes on this machine, each a node of one fleet.
    public struct Cluster: Equatable, Sendable {
        /// Node processes the supervisor starts; 1: this process serves alone.
        public var procs = 1
        /// Set in a worker (never from the file): its index, 0 ..< procs.
        public var worker: Int?
        public init() {}

        /// The router listener workers use when `[router] addr` is empty.
        public static let defaultRouterAddress = "127.0.0.1:8090"

        public var isCluster: Bool { procs > 1 }
    }

    /// The configuration worker `index` of a cluster runs with: the same listeners, shared by
    /// every worker, and per-worker ports for what must tell the workers apart. Its router
    /// listener (and `[router] url`, when set) and its `[metrics]` listener take their port plus
    /// `index`; so does its node id, which is its router URL.
    public func forWorker(_ index: Int) -> ServerConfig {
        var config = self
        config.cluster.worker = index
        if config.router.address.isEmpty { config.router.address = Cluster.defaultRouterAddress }
        config.router.address = Self.offsetPort(of: config.router.address, by: index)
        if !config.router.url.isEmpty { config.router.url = Self.offsetURLPort(of: config.router.url, by: index) }
        if !config.metrics.address.isEmpty { config.metrics.address = Self.offsetPort(of: config.metrics.address, by: index) }
        return config
    }

    /// `host:port` with `offset` added to the port; the text unchanged when it has no port.
    static func offsetPort(of address: String, by offset: Int) -> String {
        guard let (_, port) = Listener(address: address).hostAndPort(), let colon = address.lastIndex(of: ":") else { return address }
        return "\(address[..<colon]):\(port + offset)"
    }

    /// An http(s) URL with `offset` added to its port (80 or 443 when it names none).
    static func offsetURLPort(of url: String, by offset: Int) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        let path = rest[authorityEnd...]
        let base = url[..<scheme.upperBound]
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]"), let port = Int(authority[authority.index(after: colon)...]) {
            return "\(base)\(authority[..<colon]):\(port + offset)\(path)"
        }
        let defaultPort = base.hasPrefix("https") ? 443 : 80
        return "\(base)\(authority):\(defaultPort + offset)\(path)"
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
