import Hummingbird
import JSON
import Logging

/// `GET /status/` (is the process up), `GET /realstatus/` (can it do its job) and the names load
/// balancers use for them.
public struct HealthRoutes: RouteModule {
    /// Devices connected to this node.
    let connectedClients: @Sendable () -> Int
    /// Throws when the store cannot serve.
    let storeCheck: @Sendable () async throws -> Void
    let version: String
    let logger: Logger

    public init(connectedClients: @escaping @Sendable () -> Int, storeCheck: @escaping @Sendable () async throws -> Void,
                version: String, logger: Logger) {
        self.connectedClients = connectedClients
        self.storeCheck = storeCheck
        self.version = version
        self.logger = logger
    }

    public func addRoutes(to router: Router<BasicRequestContext>) {
        // The trie router ignores a trailing slash, so these also answer `/status/` and `/realstatus/`.
        router.get("/status") { _, _ in status() }
        router.get("/realstatus") { _, _ in await realStatus() }
        // The names load balancers and monitoring already use for autopush.
        router.get("/health") { _, _ in await realStatus() }
        router.get("/__heartbeat__") { _, _ in await realStatus() }
        router.get("/__lbheartbeat__") { _, _ in Response.json(.ok, .object([])) }
        router.get("/__version__") { _, _ in
            Response.json(.ok, .object([("name", .string("simplepush")), ("version", .string(version))]))
        }
    }

    private var summary: [(key: String, value: JSONValue)] {
        [("clients", .int(connectedClients())), ("version", .string(version))]
    }

    func status() -> Response {
        .json(.ok, .object([("status", .string("OK"))] + summary))
    }

    func realStatus() async -> Response {
        let store: JSONValue
        let healthy: Bool
        do {
            try await storeCheck()
            (store, healthy) = (.object([("status", .string("OK"))]), true)
        } catch {
            logger.warning("store health check failed", metadata: ["error": "\(error)"])
            (store, healthy) = (.object([("status", .string("NOT OK")), ("error", .string("\(error)"))]), false)
        }
        let body = JSONValue.object([("status", .string(healthy ? "OK" : "NOT OK"))] + summary + [("store", store)])
        return .json(healthy ? .ok : .serviceUnavailable, body)
    }
}

/// `GET /metrics`: every metric in the Prometheus text format.
public struct MetricsRoutes: RouteModule {
    let render: @Sendable () -> String

    public init(render: @escaping @Sendable () -> String) { self.render = render }

    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: render())))
        }
    }
}
