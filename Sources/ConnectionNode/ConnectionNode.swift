import Foundation
import Logging
import Observability
import PushCore
import Reactor
import SimplePush
import Store
import WebSocket

/// The device-facing side: `workers` reactors sharing the WebSocket port, each running SimplePush
/// sessions, with one registry of connected UAIDs. Delivers updates the endpoint accepted.
public final class ConnectionNode: UpdateDelivery, @unchecked Sendable {
    public struct Dependencies: Sendable {
        /// The config and token keys in force; SIGHUP may replace them.
        public var live: LiveConfig
        public var store: any Store
        public var version: String
        public var logger: Logger

        public init(live: LiveConfig, store: any Store, version: String, logger: Logger) {
            self.live = live
            self.store = store
            self.version = version
            self.logger = logger
        }

        public var config: ServerConfig { live.config }
    }

    let dependencies: Dependencies
    let registry = Registry()
    /// Store calls in flight from every reactor, bounded by `websocket.max_store_calls`.
    let storeCalls: StoreCallLimiter
    /// Repeated failures (a store outage) log a line every few seconds, not one per message.
    let logThrottle = LogThrottle()
    private(set) var workers: [NodeWorker] = []

    /// Binds the listener (once per worker, SO_REUSEPORT). Nothing runs until `start()`.
    public init(_ dependencies: Dependencies) throws {
        self.dependencies = dependencies
        let config = dependencies.config
        storeCalls = StoreCallLimiter(limit: config.websocket.maxStoreCalls)
        guard let (host, port) = config.websocket.listener.hostAndPort() else {
            throw ReactorError.badAddress(config.websocket.listener.address)
        }
        var settings = Reactor.Settings(host: host, port: port)
        let count = config.websocket.workers > 0 ? config.websocket.workers : ProcessInfo.processInfo.activeProcessorCount
        // The limit is for the listener as a whole; each reactor takes its share.
        let limit = config.websocket.listener.maxConnections
        settings.maxConnections = limit == 0 ? 0 : (limit + count - 1) / count
        settings.maxMessageLen = config.websocket.maxMessageLen
        settings.handshakeTimeout = config.websocket.handshakeTimeout
        settings.idleTimeout = config.websocket.clientIdleTimeout
        settings.pongTimeout = config.websocket.clientPongTimeout
        settings.tcpKeepalive = Int(config.websocket.tcpKeepalive.rounded(.up))
        settings.maxPendingOutput = config.websocket.maxPendingOutput
        for index in 0..<count {
            // Port 0 asks for any free port: the other workers then join the first one's.
            if index == 1 && settings.port == 0 { settings.port = workers[0].reactor.boundPort }
            let reactor = try Reactor(index: index, settings: settings, logger: dependencies.logger)
            workers.append(NodeWorker(reactor: reactor, node: self, config: config))
        }
    }

    public var boundPort: Int { workers[0].reactor.boundPort }
    public var workerCount: Int { workers.count }

    public func start() {
        for worker in workers { worker.reactor.start() }
    }

    /// Stops accepting, closes every connection with 1001 (going away) so devices reconnect
    /// elsewhere, and returns once every reactor has ended.
    public func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for worker in workers {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        worker.reactor.stop(closing: .goingAway) { continuation.resume() }
                    }
                }
            }
        }
    }

    /// Applies the settings that can change while running (after a reload): message, handshake
    /// and idle limits, origins, hello timeout, ping interval and channel limit. The public URL
    /// and token keys are read from the live config when an endpoint is made.
    public func applyLimits(_ config: ServerConfig) {
        for worker in workers {
            worker.reactor.updateLimits(maxMessageLen: config.websocket.maxMessageLen,
                                        handshakeTimeout: config.websocket.handshakeTimeout,
                                        idleTimeout: config.websocket.clientIdleTimeout,
                                        pongTimeout: config.websocket.clientPongTimeout)
            worker.reactor.execute { worker.settings = NodeWorker.Settings(config) }
        }
    }

    // MARK: UpdateDelivery

    public func deliver(_ update: Update, to uaid: UAID) -> Bool {
        guard let entry = registry.lookup(uaid) else { return false }
        let worker = workers[entry.worker]
        worker.reactor.execute { worker.deliver(update, to: uaid, on: entry.connection) }
        return true
    }

    public var connectedClients: Int { registry.count }

    /// Newest connection wins: the older holder of a UAID is closed, on its own reactor.
    func closeSuperseded(_ entry: Registry.Entry) {
        let reactor = workers[entry.worker].reactor
        reactor.execute { reactor.close(entry.connection, code: .normal) }
    }

    func endpointURL(_ uaid: UAID, _ channel: ChannelID) -> String {
        let live = dependencies.live.current
        return live.config.endpoint.publicURL + "/update/" + live.tokens.seal(uaid: uaid, channel: channel)
    }
}
