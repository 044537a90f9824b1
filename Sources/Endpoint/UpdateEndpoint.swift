import Foundation
import Hummingbird
import Logging
import PushCore

/// The HTTP listener app servers talk to: `/update/<token>` and the health routes.
public enum UpdateEndpoint {
    /// The Hummingbird application serving `config.endpoint.listener`; run it as a `Service`.
    /// `onServerRunning` receives the bound port once the socket listens.
    public static func makeApplication(
        _ deps: EndpointDependencies, onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let listener = deps.config.endpoint.listener
        let bind = bindAddress(for: listener)
        // No availableConnectionsDelegate: it stops accepting at the cap, which leaves every new
        // client, app servers included, waiting in the backlog. The guarded channel sheds instead.
        let limits = ConnectionLimits(deps.config.endpoint)
        let warnings = LimitWarnings(logger: deps.logger)
        var app = Application(
            router: makeRouter(deps),
            server: .guardedHTTP1(limits: limits, registry: ConnectionRegistry(capacity: limits.maxConnections),
                                  warnings: warnings),
            configuration: ApplicationConfiguration(address: bind ?? .hostname()),
            onServerRunning: { channel in
                // The listening channel is only reachable here; first, to see accept errors before NIO's backoff.
                // Made on the channel's own loop: the handler is loop-bound state, not Sendable.
                try? await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(warnings: warnings), position: .first)
                }.get()
                await onServerRunning(channel.localAddress?.port ?? 0)
            },
            logger: deps.logger
        )
        if bind == nil {
            // The signature cannot throw, so a bad address fails the service when it starts.
            app.beforeServerStarts { throw ListenerAddressError(address: listener.address) }
        }
        return app
    }

    /// Parses an update's `version`. Missing or empty means "now" (Unix seconds); otherwise only
    /// decimal digits fitting a 64-bit signed integer are accepted. Nil means invalid.
    public static func parseVersion(_ text: String?, now: Date) -> Version? {
        let digits = (text ?? "").trimmingCharacters(in: .whitespaces)
        if digits.isEmpty {
            return Version(max(0, now.timeIntervalSince1970.rounded(.down)))
        }
        // Int64.init alone would also take a sign.
        guard digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Version(digits)
    }

    static func makeRouter(_ deps: EndpointDependencies) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware<BasicRequestContext>())
        router.add(middleware: JSONErrorMiddleware<BasicRequestContext>(logger: deps.logger))

        let update = UpdateHandler(deps: deps)
        let updatePath: RouterPath = "/update/:token"
        router.put(updatePath) { request, context in
            await update.handle(request, token: context.parameters.get("token") ?? "")
        }
        router.on(updatePath, method: .options) { _, _ in
            Response.emptyJSON(.ok, headers: preflightHeaders(cors: deps.config.endpoint.enableCORS))
        }
        for method: HTTPRequest.Method in [.get, .head, .post, .delete, .patch, .trace] {
            router.on(updatePath, method: method) { _, _ in
                Response.jsonError(.methodNotAllowed, message: "Method Not Allowed", headers: [.allow: "PUT, OPTIONS"])
            }
        }

        let health = HealthHandler(deps: deps)
        // The trie router ignores a trailing slash, so these also answer `/status/` and `/realstatus/`.
        router.get("/status") { _, _ in health.status() }
        router.get("/realstatus") { _, _ in await health.realStatus() }
        // The names load balancers and monitoring already use for autopush.
        router.get("/health") { _, _ in await health.realStatus() }
        router.get("/__heartbeat__") { _, _ in await health.realStatus() }
        router.get("/__lbheartbeat__") { _, _ in Response.json(.ok, .object([])) }
        router.get("/__version__") { _, _ in health.version() }
        router.get("/metrics") { _, _ in metricsResponse(deps) }
        return router
    }

    static func metricsResponse(_ deps: EndpointDependencies) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: deps.metricsText())))
    }

    /// A listener serving only `GET /metrics`, for `[metrics] addr`.
    public static func makeMetricsApplication(_ deps: EndpointDependencies, address: String) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in metricsResponse(deps) }
        let bind = bindAddress(for: ServerConfig.Listener(address: address)) ?? .hostname()
        return Application(router: router, configuration: ApplicationConfiguration(address: bind), logger: deps.logger)
    }

    private static func preflightHeaders(cors: Bool) -> HTTPFields {
        guard cors else { return [:] }
        return [
            .accessControlAllowOrigin: "*",
            .accessControlAllowMethods: "PUT",
            .accessControlAllowHeaders: "Content-Type",
        ]
    }

    /// `host:port` to a bind address; an empty host listens on every IPv4 interface.
    static func bindAddress(for listener: ServerConfig.Listener) -> BindAddress? {
        guard let (host, port) = listener.hostAndPort() else { return nil }
        return .hostname(host.isEmpty ? "0.0.0.0" : host, port: port)
    }
}

struct ListenerAddressError: Error, CustomStringConvertible {
    let address: String
    var description: String { "endpoint listener address \"\(address)\" is not host:port" }
}
