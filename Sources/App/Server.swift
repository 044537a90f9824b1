import ConnectionNode
import Endpoint
import Foundation
import Hummingbird
import Logging
import Observability
import PushCore
import ServiceLifecycle
import Store
import StoreMemcached
import StoreMemory
import StoreSQLite

/// Starts every part from one config and runs until SIGTERM or SIGINT, then shuts down in order:
/// refuse new updates, close every WebSocket with 1001, finish HTTP requests in flight, close the
/// store. Updates are written to the store before they are delivered, so an update accepted with
/// 200 or 202 that a device has not acked is already durable when shutdown begins.
public enum Server {
    public static let version = "0.1.0"

    /// `reload` re-reads the config file (with the same environment and flags) for SIGHUP.
    public static func run(_ config: ServerConfig, reload: @escaping @Sendable () throws -> ServerConfig) async throws {
        let metrics = MetricsRegistry.bootstrap()
        let logs = try LogSetup(config.logging)
        let logger = Logger(label: "simplepush")
        let live = LiveConfig(config, tokens: try EndpointTokenCodec(encodedKeys: TokenKeys.load(config.general)))
        let store = InstrumentedStore(try makeStore(config.storage), backend: config.storage.type.rawValue)
        let node = try ConnectionNode(.init(live: live, store: store, version: version, logger: logger))
        let drain = DrainSwitch()
        let endpointDeps = EndpointDependencies(
            store: store, delivery: node, live: live, drain: drain,
            metricsText: { metrics.render() }, version: version, logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: UpdateEndpoint.makeApplication(endpointDeps, onServerRunning: { port in
                logger.info("endpoint listening", metadata: ["port": "\(port)"])
            }), serviceName: "endpoint"),
        ]
        if !config.metrics.address.isEmpty {
            services.append(.init(service: UpdateEndpoint.makeMetricsApplication(endpointDeps, address: config.metrics.address),
                                  serviceName: "metrics"))
        }
        let reloader = Reloader(live: live, node: node, logs: logs, logger: logger, load: reload)
        services.append(.init(service: SignalService(reloader: reloader, logs: logs, logger: logger), serviceName: "signals"))
        // Last in the list, so it is the first to shut down.
        services.append(.init(service: NodeService(node: node, drain: drain, logger: logger), serviceName: "websocket"))

        var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(Int64(config.general.shutdownGrace * 1000))
        logger.info("websocket listening", metadata: ["address": "\(config.websocket.listener.address)",
                                                      "workers": "\(node.workerCount)"])
        try await ServiceGroup(configuration: groupConfig).run()
        try await store.close()
        logger.info("stopped")
    }

    static func makeStore(_ storage: ServerConfig.Storage) throws -> any Store {
        switch storage.type {
        case .memory: return MemoryStore()
        case .sqlite: return try SQLiteStore(path: storage.sqlitePath)
        case .memcache: return try MemcachedStore(storage.memcache)
        }
    }
}
