import ConfigFile
import ConnectionNode
import Endpoint
import Fleet
import Foundation
import Hummingbird
import Logging
import Observability
import PushCore
import Routing
import ServiceLifecycle
import SimplePushModule
import WebPushModule
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
    /// `supervisor`: in a cluster's worker, the supervisor's pid; the worker stops when it is gone.
    public static func run(_ config: ServerConfig, supervisor: Int32? = nil,
                           reload: @escaping @Sendable () throws -> ServerConfig) async throws {
        let metrics = MetricsRegistry.bootstrap()
        let logs = try LogSetup(config.logging)
        let logger = config.cluster.worker.map { worker in
            var logger = Logger(label: "simplepush")
            logger[metadataKey: "worker"] = "\(worker)"
            return logger
        } ?? Logger(label: "simplepush")
        let tokens = try EndpointTokenCodec(encodedKeys: TokenKeys.load(config.general))
        let store = InstrumentedStore(try makeStore(config.storage), backend: config.storage.type.rawValue)
        let simplePush = Live(SimplePushSettings(config, tokens: tokens))
        let webPush = Live(WebPushSettings(config, tokens: tokens))
        // WebPush first: it takes only hellos that ask for it; SimplePush takes the rest.
        let protocols: [any ConnectionProtocolModule] = (config.webPush.enabled ? [WebPushProtocol(store: store, settings: webPush)] : [])
            + [SimplePushProtocol(store: store, settings: simplePush)]
        let endpointConfiguration = try EndpointConfiguration(config)
        let certificates = try ListenerCertificates(device: config.websocket.listener, endpoint: endpointConfiguration.tls)
        var nodeConfiguration = try NodeConfiguration(config)
        nodeConfiguration.reactor.tls = certificates.deviceContext
        let metricsAddress = try config.metrics.address.isEmpty ? nil : ServerConfig.Listener.parse(config.metrics.address, section: "metrics")
        let routerAddress = try config.router.isEnabled ? ServerConfig.Listener.parse(config.router.address, section: "router") : nil
        // In a fleet: node records in the shared store, and calls to the node holding a device.
        // The client must be shut down whichever way the server ends, start-up failures too.
        let fleet = config.router.isEnabled ? NodeClient(timeout: config.router.timeout) : nil
        let placement = fleet.map { FleetPlacement(node: config.router.nodeURL, store: store, peers: $0, logger: logger) }
        let node: ConnectionNode
        do {
            node = try ConnectionNode(nodeConfiguration, protocols: protocols, version: version, logger: logger, placement: placement)
        } catch {
            try? await fleet?.shutdown()
            throw error
        }
        let drain = DrainSwitch()
        // Where an accepted message goes: this node's connections, then the node the store names,
        // else the store keeps it.
        let remote = fleet.map { RemoteRouter(node: config.router.nodeURL, store: store, peers: $0) }
        let router = RouterChain([node] + (remote.map { [$0] } ?? []))
        let metricsRoutes = MetricsRoutes(render: { metrics.render() })
        var modules: [any RouteModule] = [
            UpdateRoutes(store: store, router: router, settings: simplePush, drain: drain, logger: logger),
            HealthRoutes(connectedClients: { node.connectedClients }, storeCheck: { try await store.healthCheck() },
                         version: version, logger: logger),
            metricsRoutes,
        ]
        if config.webPush.enabled {
            modules.append(PushRoutes(store: store, router: router, settings: webPush, vapidCacheSize: config.webPush.vapidCacheSize,
                                      drain: drain, logger: logger))
        }

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: EndpointServer.makeListener(endpointConfiguration, modules: modules, logger: logger,
                                                          onServerRunning: { port in
                logger.info("endpoint listening", metadata: ["port": "\(port)"])
            }), serviceName: "endpoint"),
        ]
        if let (host, port) = metricsAddress {
            services.append(.init(service: EndpointServer.makePlainApplication(host: host, port: port,
                                                                               modules: [metricsRoutes], logger: logger),
                                  serviceName: "metrics"))
        }
        if let (host, port) = routerAddress {
            services.append(.init(service: EndpointServer.makePlainApplication(host: host, port: port,
                                                                               modules: [RouterRoutes(node: node)], logger: logger),
                                  serviceName: "router"))
            logger.info("router listening", metadata: ["address": "\(config.router.address)", "node": "\(config.router.nodeURL)"])
        }
        if let placement {
            let keeper = NodeRecordKeeper(store: store, placement: placement, node: node,
                                          interval: NodeRecordKeeper.defaultInterval, logger: logger)
            services.append(.init(service: RecordKeeperService(keeper: keeper), serviceName: "node records"))
        }
        let running = RunningConfig(config: config, tokens: tokens)
        let reloader = Reloader(running: running, node: node, certificates: certificates, simplePush: simplePush, webPush: webPush,
                                logs: logs, logger: logger, load: reload)
        services.append(.init(service: SignalService(reloader: reloader, logs: logs, logger: logger), serviceName: "signals"))
        if let supervisor {
            services.append(.init(service: SupervisorWatch(supervisor: supervisor, logger: logger),
                                  successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "supervisor watch"))
        }
        // Last in the list, so it is the first to shut down.
        services.append(.init(service: NodeService(node: node, drain: drain, logger: logger), serviceName: "websocket"))

        var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(Int64(config.general.shutdownGrace * 1000))
        logger.info("websocket listening", metadata: ["address": "\(config.websocket.listener.address)",
                                                      "workers": "\(node.workerCount)"])
        do {
            try await ServiceGroup(configuration: groupConfig).run()
        } catch {
            try? await fleet?.shutdown()
            throw error
        }
        try? await fleet?.shutdown()
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
