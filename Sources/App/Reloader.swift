import ConfigFile
import ConfigLoader
import ConnectionNode
import Logging
import PushCore
import SimplePushModule
import WebPushModule
import Synchronization

/// The whole configuration in force and the token keys made from it; only the reloader reads it.
final class RunningConfig: Sendable {
    struct Snapshot: Sendable {
        var config: ServerConfig
        var tokens: EndpointTokenCodec
    }

    let snapshot: Mutex<Snapshot>

    init(config: ServerConfig, tokens: EndpointTokenCodec) { snapshot = Mutex(Snapshot(config: config, tokens: tokens)) }
}

/// Applies a re-read config while running. Limits, origins, channel, data and stored-message caps, CORS, the
/// public URL, token keys and the log level change live, and the TLS listeners re-read their certificate
/// files; listeners, workers, storage, log format and output, metrics listener and shutdown grace keep
/// their start-up values until a restart, and each such change is named in the log.
struct Reloader: Sendable {
    let running: RunningConfig
    let node: ConnectionNode
    let certificates: ListenerCertificates
    let simplePush: Live<SimplePushSettings>
    let webPush: Live<WebPushSettings>
    let logs: LogSetup
    let logger: Logger
    let load: @Sendable () throws -> ServerConfig

    func reload() {
        let old = running.snapshot.withLock { $0 }
        let fresh: ServerConfig
        let tokens: EndpointTokenCodec
        do {
            fresh = try load()
            tokens = fresh.general.tokenKeys == old.config.general.tokenKeys
                && fresh.general.tokenKeyFile == old.config.general.tokenKeyFile
                ? old.tokens : try EndpointTokenCodec(encodedKeys: TokenKeys.load(fresh.general))
        } catch {
            logger.error("reload failed, keeping the running config", metadata: ["error": "\(error)"])
            return
        }
        let applied = Reloader.merge(live: fresh, into: old.config)
        let changed = Reloader.changedKeys(old.config, fresh)
        let pending = Reloader.changedKeys(applied, fresh)
        running.snapshot.withLock { $0 = .init(config: applied, tokens: tokens) }
        simplePush.replace(SimplePushSettings(applied, tokens: tokens))
        webPush.replace(WebPushSettings(applied, tokens: tokens))
        // The listener cannot change without a restart, so its address is the running one.
        if let node = try? NodeConfiguration(applied) { self.node.apply(node) }
        logs.level.value = Logger.Level(applied.logging.level)
        certificates.reload(node: self.node, logger: logger)
        logger.notice("config reloaded", metadata: ["changed": "\(changed.subtracting(pending).sorted())"])
        if !pending.isEmpty {
            logger.warning("config changes that need a restart", metadata: ["keys": "\(pending.sorted())"])
        }
    }

    /// `running` with the keys that can change live taken from `fresh`.
    static func merge(live fresh: ServerConfig, into running: ServerConfig) -> ServerConfig {
        var result = running
        result.general.maxDataLen = fresh.general.maxDataLen
        result.general.maxChannels = fresh.general.maxChannels
        result.general.tokenKeys = fresh.general.tokenKeys
        result.general.tokenKeyFile = fresh.general.tokenKeyFile
        result.websocket.origins = fresh.websocket.origins
        result.websocket.maxMessageLen = fresh.websocket.maxMessageLen
        result.websocket.clientHelloTimeout = fresh.websocket.clientHelloTimeout
        result.websocket.clientMinPingInterval = fresh.websocket.clientMinPingInterval
        result.websocket.handshakeTimeout = fresh.websocket.handshakeTimeout
        result.websocket.clientIdleTimeout = fresh.websocket.clientIdleTimeout
        result.websocket.clientPongTimeout = fresh.websocket.clientPongTimeout
        result.endpoint.url = fresh.endpoint.url
        result.endpoint.enableCORS = fresh.endpoint.enableCORS
        result.endpoint.forwardedHeaders = fresh.endpoint.forwardedHeaders
        result.endpoint.forwardedHosts = fresh.endpoint.forwardedHosts
        result.webPush.maxStoredMessages = fresh.webPush.maxStoredMessages
        result.logging.level = fresh.logging.level
        return result
    }

    static func changedKeys(_ a: ServerConfig, _ b: ServerConfig) -> Set<String> {
        let before = Dictionary(uniqueKeysWithValues: ConfigLoader.describe(a).map { ($0.key, $0.value) })
        return Set(ConfigLoader.describe(b).filter { before[$0.key] != $0.value }.map(\.key))
    }
}
