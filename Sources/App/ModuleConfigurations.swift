import ConfigFile
import ConnectionNode
import Endpoint
import PushCore
import Reactor
import SimplePushModule
import TLS
import WebPushModule

// Each module gets its own settings type; these fill them from the configuration file's tree.

extension NodeConfiguration {
    init(_ config: ServerConfig) throws {
        self.init()
        let listener = config.websocket.listener
        let (host, port) = try ServerConfig.Listener.parse(listener.address, section: "websocket")
        reactor = Reactor.Settings(host: host, port: port)
        reactor.maxConnections = listener.maxConnections
        reactor.maxMessageLen = config.websocket.maxMessageLen
        reactor.handshakeTimeout = config.websocket.handshakeTimeout
        reactor.idleTimeout = config.websocket.clientIdleTimeout
        reactor.pongTimeout = config.websocket.clientPongTimeout
        reactor.tcpKeepalive = Int(config.websocket.tcpKeepalive.rounded(.up))
        reactor.maxPendingOutput = config.websocket.maxPendingOutput
        workers = config.websocket.workers
        helloTimeout = config.websocket.clientHelloTimeout
        maxStoreCalls = config.websocket.maxStoreCalls
        origins = config.websocket.origins
        forwardedHeaders = config.endpoint.usesForwardedHeaders
        forwardedHosts = config.endpoint.forwardedHosts
    }
}

extension EndpointConfiguration {
    init(_ config: ServerConfig) throws {
        self.init()
        let listener = config.endpoint.listener
        (host, port) = try ServerConfig.Listener.parse(listener.address, section: "endpoint")
        sharesPort = config.cluster.worker != nil
        headerTimeout = config.endpoint.headerTimeout
        bodyTimeout = config.endpoint.bodyTimeout
        idleTimeout = config.endpoint.idleTimeout
        maxConnections = listener.maxConnections
        tcpKeepAliveIdle = listener.tcpKeepAliveIdle
        tcpKeepAliveInterval = listener.tcpKeepAliveInterval
        tcpKeepAliveCount = listener.tcpKeepAliveCount
        if listener.usesTLS {
            do {
                tls = try EndpointTLS(certificateChainFile: listener.certFile, keyFile: listener.keyFile)
            } catch {
                throw AppError.badCertificate("endpoint", "\(error)")
            }
        }
    }
}

extension ServerConfig.Listener {
    /// The device listener's TLS context, or nil for a plain listener. `previous` lends its
    /// session-ticket keys (a reload), so devices resume their sessions across it.
    func deviceTLSContext(previous: TLSContext? = nil) throws -> TLSContext? {
        guard usesTLS else { return nil }
        do {
            return try TLSContext.server(certificateChainFile: certFile, keyFile: keyFile, previous: previous)
        } catch {
            throw AppError.badCertificate("websocket", "\(error)")
        }
    }

    /// `host:port` of a listener; the loader has checked the form, so this fails only for a
    /// config built in code.
    static func parse(_ address: String, section: String) throws -> (host: String, port: Int) {
        guard let parts = ServerConfig.Listener(address: address).hostAndPort() else { throw AppError.badListener(section, address) }
        return parts
    }
}

extension ServiceSettings {
    init(_ config: ServerConfig, tokens: EndpointTokenCodec) {
        self.init(publicURL: config.endpoint.publicURL, tokens: tokens)
        maxChannels = config.general.maxChannels
        minPingInterval = config.websocket.clientMinPingInterval
        enableCORS = config.endpoint.enableCORS
        forwardedHeaders = config.endpoint.usesForwardedHeaders
        forwardedHosts = config.endpoint.forwardedHosts
    }
}

extension SimplePushSettings {
    init(_ config: ServerConfig, tokens: EndpointTokenCodec) {
        self.init(publicURL: config.endpoint.publicURL, tokens: tokens)
        service = ServiceSettings(config, tokens: tokens)
        maxDataLen = config.general.maxDataLen
    }
}

extension WebPushSettings {
    init(_ config: ServerConfig, tokens: EndpointTokenCodec) {
        self.init(publicURL: config.endpoint.publicURL, tokens: tokens)
        service = ServiceSettings(config, tokens: tokens)
        maxStoredMessages = config.webPush.maxStoredMessages
    }
}
