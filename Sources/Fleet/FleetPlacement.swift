import ConnectionNode
import Logging
import PushCore
import Store

/// The node records of a fleet, kept in the store its nodes share: a hello claims the device for
/// this node (the node holding an older connection is told to close it), a close releases it.
public struct FleetPlacement: DevicePlacement {
    let node: String
    let store: any Store
    let peers: NodeClient
    let logger: Logger
    let unwritten = UnwrittenClaims()

    public init(node: String, store: any Store, peers: NodeClient, logger: Logger) {
        self.node = node
        self.store = store
        self.peers = peers
        self.logger = logger
    }

    public func claim(_ uaid: UAID, connectedAt: Int64) async -> Bool {
        do {
            switch try await store.claimNode(uaid, NodeRecord(node: node, connectedAt: connectedAt)) {
            case .claimed(let replaced):
                // An older connection on this node was closed by the node itself. The other node is
                // told without waiting for it: a hung node must not hold up this device's messages.
                if let replaced, replaced.node != node {
                    let peers = self.peers
                    Task { await peers.disconnect(uaid, connectedAt: replaced.connectedAt, at: replaced.node) }
                }
                unwritten.remove(uaid, connectedAt: connectedAt)
                return true
            case .newerHeld:
                return false
            }
        } catch {
            // Without a record other nodes store the device's updates; the record keeper writes it
            // on its next round. One line per run of failures: a store outage fails every hello.
            if unwritten.add(uaid, connectedAt: connectedAt) {
                logger.warning("node record not written: written again within a few seconds", metadata: ["uaid": "\(uaid)", "error": "\(error)"])
            }
            return true
        }
    }

    public func release(_ uaid: UAID, connectedAt: Int64) async {
        unwritten.remove(uaid, connectedAt: connectedAt)
        _ = try? await store.releaseNode(uaid, ifStill: NodeRecord(node: node, connectedAt: connectedAt))
    }
}
