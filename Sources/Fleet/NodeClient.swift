import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PushCore
import Routing

/// How a node calls another's router listener: kept-alive connections per node, every call
/// bounded by the fleet's timeout. A node that does not answer in time is taken for gone.
public final class NodeClient: Sendable {
    private let client: HTTPClient
    private let timeout: TimeAmount

    public init(timeout seconds: Double) {
        timeout = .milliseconds(Int64(seconds * 1000))
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: timeout, read: timeout)
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        // A refused connection means the node is gone: the update waits in the store for the
        // device's next hello, rather than the app server waiting out retries.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    enum Delivery: Equatable {
        /// The node handed it to the device's connection.
        case delivered
        /// The node holds no connection for the device (it closed, or moved on).
        case notThere
        /// The node answered with an error: it is alive, and the update stays stored.
        case notDelivered
        /// No answer: refused, reset, or not within the timeout.
        case unreachable
    }

    func push(_ message: PushMessage, to uaid: UAID, at node: String) async -> Delivery {
        var request = HTTPClientRequest(url: node + "/push/" + uaid.hex)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: RoutedMessage(message).encoded))
        switch await status(of: request) {
        case 200: return .delivered
        case 404: return .notThere
        case nil: return .unreachable
        default: return .notDelivered
        }
    }

    /// Asks `node` to close its connection for `uaid` made at `connectedAt` (a newer one won).
    func disconnect(_ uaid: UAID, connectedAt: Int64, at node: String) async {
        var request = HTTPClientRequest(url: node + "/notif/" + uaid.hex + "/" + String(connectedAt))
        request.method = .DELETE
        _ = await status(of: request)
    }

    /// The answer's status, its body read and dropped so the connection goes back to the pool;
    /// nil when there was none. Any answer counts, whatever its body.
    private func status(of request: HTTPClientRequest) async -> UInt? {
        guard let response = try? await client.execute(request, timeout: timeout) else { return nil }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return response.status.code
    }
}
