import ConnectionNode
import Logging
import PushCore
import Store

/// Writes this node's records again when the store has lost them. memcached keeps node records in
/// memory only: after a server restart every device connected here would look unplaced to the
/// other nodes, and its updates would wait in the store for a reconnect that may be hours away.
public struct NodeRecordKeeper: Sendable {
    let store: any Store
    let placement: FleetPlacement
    let node: ConnectionNode
    let interval: Duration
    let logger: Logger
    /// Claims in flight at once, so a node of many devices does not flood the store.
    static let concurrentClaims = 16
    /// How often the epoch is read: one or two small reads per memcached server.
    public static let defaultInterval: Duration = .seconds(5)

    public init(store: any Store, placement: FleetPlacement, node: ConnectionNode, interval: Duration, logger: Logger) {
        self.store = store
        self.placement = placement
        self.node = node
        self.interval = interval
        self.logger = logger
    }

    /// Checks the store's records epoch every `interval` until cancelled; returns at once for a
    /// store that keeps its records.
    public func run() async {
        var known: String?
        do {
            guard let first = try await store.recordsEpoch() else { return }
            known = first
        } catch {
            // Unavailable at start: the first epoch read later is the baseline.
        }
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            guard let epoch = try? await store.recordsEpoch() else { continue }
            if let known, known != epoch { await claimAgain() }
            known = epoch
        }
    }

    /// Claims every device connected here again; one a newer connection elsewhere claimed since is closed here.
    func claimAgain() async {
        let held = node.heldDevices()
        logger.notice("the store lost its records: writing this node's again", metadata: ["devices": "\(held.count)"])
        let placement = self.placement, node = self.node
        let displaced = await withTaskGroup(of: Int.self) { group -> Int in
            var pending = held.makeIterator()
            var displaced = 0
            func addNext() -> Bool {
                guard let device = pending.next() else { return false }
                group.addTask {
                    if await placement.claim(device.uaid, connectedAt: device.connectedAt) { return 0 }
                    return node.disconnect(device.uaid, ifConnectedAt: device.connectedAt) ? 1 : 0
                }
                return true
            }
            for _ in 0 ..< Self.concurrentClaims {
                if !addNext() { break }
            }
            for await closed in group {
                displaced += closed
                _ = addNext()
            }
            return displaced
        }
        logger.notice("node records written again", metadata: ["devices": "\(held.count)", "closed": "\(displaced)"])
    }
}
