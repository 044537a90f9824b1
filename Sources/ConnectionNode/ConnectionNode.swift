import Foundation
import Logging
import PushCore
import Reactor
import SimplePush
import Store
import WebSocket

/// The device-facing side: `workers` reactors sharing the WebSocket port, each running SimplePush
/// sessions, with one registry of connected UAIDs. Delivers updates the endpoint accepted.
public final class ConnectionNode: UpdateDelivery, @unchecked Sendable {
    public struct Dependencies: Sendable {
        public var config: ServerConfig
        public var store: any Store
        public var tokens: EndpointTokenCodec
        public var version: String
        public var logger: Logger

        public init(config: ServerConfig, store: any Store, tokens: EndpointTokenCodec, version: String, logger: Logger) {
            self.config = config
            self.store = store
            self.tokens = tokens
            self.version = version
            self.logger = logger
        }
    }

    let dependencies: Dependencies
    let engine: SessionEngine
    let registry = Registry()
    private(set) var workers: [NodeWorker] = []

    /// Binds the listener (once per worker, SO_REUSEPORT). Nothing runs until `start()`.
    public init(_ dependencies: Dependencies) throws {
        self.dependencies = dependencies
        let config = dependencies.config
        engine = SessionEngine(settings: .init(
            maxChannels: config.general.maxChannels,
            minPingInterval: config.websocket.clientMinPingInterval))
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
        for index in 0..<count {
            // Port 0 asks for any free port: the other workers then join the first one's.
            if index == 1 && settings.port == 0 { settings.port = workers[0].reactor.boundPort }
            let reactor = try Reactor(index: index, settings: settings)
            workers.append(NodeWorker(reactor: reactor, node: self))
        }
    }

    public var boundPort: Int { workers[0].reactor.boundPort }
    public var workerCount: Int { workers.count }

    public func start() {
        for worker in workers { worker.reactor.start() }
    }

    /// Closes every connection with 1001 (going away) and stops the reactors.
    public func stop() {
        for worker in workers { worker.reactor.stop(closing: .goingAway) }
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
        dependencies.config.endpoint.publicURL + "/update/" + dependencies.tokens.seal(uaid: uaid, channel: channel)
    }
}
