import HummingbirdCore
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hummingbird's HTTP/1 child channel with the endpoint's limits around it: TCP keepalive on the
/// accepted socket, the connection cap applied by shedding the oldest idle connection (or closing
/// the new one) while the listener keeps accepting, and `ConnectionGuard` for the timeouts.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let limits: ConnectionLimits
    let registry: ConnectionRegistry
    let warnings: LimitWarnings
    let inlineRoutes: [any InlineRoute]
    /// Set: TLS is terminated here, in front of everything else in the pipeline.
    let tls: EndpointTLS?

    struct Refused: Error {}

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        switch registry.admit(channel) {
        case .refused:
            warnings.record(.maxConnectionsRefused, on: channel.eventLoop)
            // A failed set-up is dropped by the server, which goes on accepting.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(Refused())
        case .admittedByShedding(let idle):
            warnings.record(.maxConnectionsShed, on: channel.eventLoop)
            idle.close(promise: nil)
        case .admitted:
            break
        }
        let registry = self.registry
        channel.closeFuture.whenComplete { _ in registry.remove(channel) }

        do {
            try setTCPKeepAlive(channel)
        } catch {
            logger.debug("could not set TCP keepalive on an endpoint connection", metadata: ["error": "\(error)"])
        }
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let connectionGuard = try channel.pipeline.syncOperations.handler(type: ConnectionGuard.self)
            try channel.pipeline.syncOperations.addHandler(RequestBytesWatcher(connectionGuard), position: .first)
            if !inlineRoutes.isEmpty {
                let state = try channel.pipeline.syncOperations.handler(type: HTTPConnectionStateHandler.self)
                try channel.pipeline.syncOperations.addHandler(InlineRoutesHandler(routes: inlineRoutes, logger: logger), position: .after(state))
            }
            // Added last, at the front: the byte watcher and every handler after it see plain HTTP.
            // A stalled handshake sends no request head, so the header timeout ends it.
            if let tls { try channel.pipeline.syncOperations.addHandler(tls.makeHandler(), position: .first) }
            return value
        }.flatMapErrorThrowing { error in
            channel.close(promise: nil)
            throw error
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }

    private func setTCPKeepAlive(_ channel: any Channel) throws {
        guard let options = channel.syncOptions else { return }
        let keepAlive = limits.tcpKeepAlive
        try options.setOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
        #if os(Linux)
        let idleOption = TCP_KEEPIDLE
        #else
        let idleOption = TCP_KEEPALIVE
        #endif
        try options.setOption(Self.tcpOption(idleOption), value: keepAlive.idleSeconds)
        try options.setOption(Self.tcpOption(TCP_KEEPINTVL), value: keepAlive.intervalSeconds)
        try options.setOption(Self.tcpOption(TCP_KEEPCNT), value: keepAlive.probeCount)
    }

    private static func tcpOption(_ name: Int32) -> ChannelOptions.Types.SocketOption {
        ChannelOptions.tcpOption(NIOBSDSocket.Option(rawValue: name))
    }
}
