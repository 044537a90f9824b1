import ConnectionNode
import Logging
import PushCore
import ServiceLifecycle

/// Runs the connection node as a service: on graceful shutdown it refuses new updates, then closes
/// every WebSocket with 1001 so devices reconnect to another node.
struct NodeService: Service {
    let node: ConnectionNode
    let drain: DrainSwitch
    let logger: Logger

    func run() async throws {
        node.start()
        try? await gracefulShutdown()
        drain.begin()
        logger.info("shutting down: closing device connections", metadata: ["clients": "\(node.connectedClients)"])
        await node.stop()
        logger.info("device connections closed")
    }
}
