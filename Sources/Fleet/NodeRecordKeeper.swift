import ConnectionNode
import Logging
import PushCore
import Store

/// Writes this node's records again when the store has lost them, and those a hello could not
/// write. memcached keeps node records in memory only: after a server restart every device
/// connected here would look unplaced to the other nodes, and its updates would wait in the store
/// for a reconnect that may be hours away; so would a device whose hello met a store timeout.
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

    /// Every `interval` until cancelled: writes the records hellos could not write, and checks
    /// the store's records epoch (a store that keeps its records has none).
    public func run() async {
        var known: String?
        var tracksEpoch = true
        do {
            known = try await store.recordsEpoch()
            tracksEpoch = known != nil
        } catch {
            // Unavailable at start: the first epoch read later is the baseline.
        }
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            await writeUnwritten()
            guard tracksEpoch, let epoch = try? await store.recordsEpoch() else { continue }
            if let known, known != epoch {
                let held = node.heldDevices()
                logger.notice("the store lost its records: writing this node's again", metadata: ["devices": "\(held.count)"])
                let closed = await claim(held)
                logger.notice("node records written again", metadata: ["devices": "\(held.count)", "closed": "\(closed)"])
            }
            known = epoch
        }
    }

    /// Claims again the devices whose hello could not write their record, if still connected here.
    func writeUnwritten() async {
        let failed = placement.unwritten.takeAll()
        guard !failed.isEmpty else { return }
        let held = Dictionary(node.heldDevices().map { ($0.uaid, $0.connectedAt) }, uniquingKeysWith: max)
        let connected = failed.filter { held[$0.uaid] == $0.connectedAt }
        let closed = await claim(connected)
        logger.notice("node records written after failed writes", metadata: [
            "devices": "\(connected.count)", "failed again": "\(placement.unwritten.count)", "closed": "\(closed)"])
    }

    /// Claims `held` for this node again; one a newer connection elsewhere claimed since is closed
    /// here. Returns how many were closed.
    func claim(_ held: [(uaid: UAID, connectedAt: Int64)]) async -> Int {
        let placement = self.placement, node = self.node
        return await withTaskGroup(of: Int.self) { group -> Int in
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
    }
}
