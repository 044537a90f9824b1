import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// A group of HTTP routes a module serves on the endpoint listener (SimplePush's `/update`; WebPush,
/// the bridges and the Matrix gateway each bring their own).
public protocol RouteModule: Sendable {
    func addRoutes(to router: Router<BasicRequestContext>)
    /// Routes answered on the event loop before Hummingbird sees the request (`InlineRoute`).
    var inlineRoutes: [any InlineRoute] { get }
}

extension RouteModule {
    public var inlineRoutes: [any InlineRoute] { [] }
}

/// The HTTP listener app servers talk to: the routes of every module, under JSON errors, request
/// logging and the connection limits of `EndpointConfiguration`.
public enum EndpointServer {
    /// The service serving `configuration.address`: the modules' routes on the guarded HTTP/1
    /// channel. `onServerRunning` receives the bound port once the socket listens.
    public static func makeListener(
        _ configuration: EndpointConfiguration, modules: [any RouteModule], logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        // No accept cap: pausing accepts would leave every new client, app servers included,
        // waiting in the backlog. The guarded channel sheds instead.
        let limits = ConnectionLimits(configuration)
        let warnings = LimitWarnings(logger: logger)
        let registry = ConnectionRegistry(capacity: limits.maxConnections)
        let responder = EndpointListener.respond(with: makeRouter(modules, logger: logger).buildResponder(), logger: logger)
        let http1 = HTTP1Channel(responder: responder, configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(limits: limits, registry: registry, warnings: warnings)]))
        let connections = GuardedHTTP1Channel(http1: http1, limits: limits, registry: registry, warnings: warnings,
                                              inlineRoutes: modules.flatMap(\.inlineRoutes), tls: configuration.tls)
        return EndpointListener(
            host: configuration.host.isEmpty ? "0.0.0.0" : configuration.host, port: configuration.port,
            sharesPort: configuration.sharesPort, connections: connections,
            onServerRunning: { channel in
                // The listening channel is only reachable here; first, to see accept errors before NIO's backoff.
                // Made on the channel's own loop: the handler is loop-bound state, not Sendable.
                try? await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(warnings: warnings), position: .first)
                }.get()
                await onServerRunning(channel.localAddress?.port ?? 0)
            },
            logger: logger)
    }

    static func makeRouter(_ modules: [any RouteModule], logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware<BasicRequestContext>())
        router.add(middleware: JSONErrorMiddleware<BasicRequestContext>(logger: logger))
        for module in modules { module.addRoutes(to: router) }
        return router
    }

    /// A listener serving only the given modules' routes (`GET /metrics` on `[metrics] addr`).
    public static func makePlainApplication(host: String, port: Int, modules: [any RouteModule], logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        for module in modules { module.addRoutes(to: router) }
        return Application(router: router, configuration: ApplicationConfiguration(address: bindAddress(host: host, port: port)),
                           logger: logger)
    }

    /// An empty host listens on every IPv4 interface.
    static func bindAddress(host: String, port: Int) -> BindAddress {
        .hostname(host.isEmpty ? "0.0.0.0" : host, port: port)
    }
}
