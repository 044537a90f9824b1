import PushCore
import Routing
import Store

/// Delivers to a device connected to another node of the fleet: the store's node record names
/// the node, and its router listener hands the message to the connection. Asked after this
/// node's own connections; the endpoint has stored the message already, so whatever fails here
/// leaves it for the device's next hello.
public struct RemoteRouter: Router {
    let node: String
    let store: any Store
    let peers: NodeClient

    public init(node: String, store: any Store, peers: NodeClient) {
        self.node = node
        self.store = store
        self.peers = peers
    }

    public func route(_ message: PushMessage, to uaid: UAID) async -> RouteOutcome? {
        guard let record = try? await store.nodeRecord(uaid), record.node != node else { return nil }
        switch await peers.push(message, to: uaid, at: record.node) {
        case .delivered:
            return .deliveredToNode(record.node)
        case .notDelivered:
            // Alive but refusing: its record stays, and the update waits in the store.
            return nil
        case .notThere, .unreachable:
            // A stale record, or a node taken for gone: cleared unless a newer connection has
            // replaced it (a node claims in its own registry before the store, so a connection
            // that is just arriving there has its newer record written after this), so later
            // updates for the device do not ask that node again.
            _ = try? await store.releaseNode(uaid, ifStill: record)
            return nil
        }
    }
}
