import Endpoint
import Foundation
import Hummingbird
import Logging
import PushCore
import ConnectionNode
import Store
import StoreMemcached
import StoreMemory
import StoreSQLite

/// Starts every part from one config and runs until SIGTERM or SIGINT.
public enum Server {
    public static let version = "0.1.0"

    public static func run(_ config: ServerConfig) async throws {
        config.logging.bootstrap()
        let logger = Logger(label: "simplepush")
        let tokens = try EndpointTokenCodec(encodedKeys: TokenKeys.load(config.general))
        let store = try makeStore(config.storage)
        let node = try ConnectionNode(.init(config: config, store: store, tokens: tokens, version: version, logger: logger))
        node.start()
        logger.info("websocket listening", metadata: ["address": "\(config.websocket.listener.address)",
                                                      "workers": "\(node.workerCount)"])
        let endpoint = UpdateEndpoint.makeApplication(
            .init(store: store, delivery: node, tokens: tokens, config: config, version: version, logger: logger),
            onServerRunning: { port in logger.info("endpoint listening", metadata: ["port": "\(port)"]) })
        do {
            try await endpoint.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            node.stop()
            throw error
        }
        node.stop()
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
