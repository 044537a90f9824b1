import JSON
import Hummingbird

/// `GET /status/` (is the process up) and `GET /realstatus/` (can it do its job).
struct HealthHandler: Sendable {
    let deps: EndpointDependencies

    private var summary: [(key: String, value: JSONValue)] {
        [("clients", .int(deps.delivery.connectedClients)), ("version", .string(deps.version))]
    }

    func status() -> Response {
        .json(.ok, .object([("status", .string("OK"))] + summary))
    }

    func version() -> Response {
        .json(.ok, .object([("name", .string("simplepush")), ("version", .string(deps.version))]))
    }

    func realStatus() async -> Response {
        let store: JSONValue
        let healthy: Bool
        do {
            try await deps.store.healthCheck()
            (store, healthy) = (.object([("status", .string("OK"))]), true)
        } catch {
            deps.logger.warning("store health check failed", metadata: ["error": "\(error)"])
            (store, healthy) = (.object([("status", .string("NOT OK")), ("error", .string("\(error)"))]), false)
        }
        let body = JSONValue.object([("status", .string(healthy ? "OK" : "NOT OK"))] + summary + [("store", store)])
        return .json(healthy ? .ok : .serviceUnavailable, body)
    }
}
