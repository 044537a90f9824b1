import PushCore
import Reactor
import Synchronization

/// Which connection on this node holds each UAID: the one structure the endpoint threads and the
/// reactors share. Sharded by UAID so reactors and endpoint threads rarely meet on one lock.
final class Registry: Sendable {
    /// A reactor index and a connection in 8 bytes: the registry holds one per connected device.
    struct Entry: Equatable, Sendable {
        private let packed: UInt64

        init(worker: Int, connection: ConnectionID) {
            precondition(worker < 256 && connection.slot < 1 << 24, "registry entry out of range")
            packed = UInt64(worker) << 56 | UInt64(connection.slot) << 32 | UInt64(connection.generation)
        }

        var worker: Int { Int(packed >> 56) }
        var connection: ConnectionID {
            ConnectionID(slot: UInt32(truncatingIfNeeded: packed >> 32) & 0xFF_FFFF, generation: UInt32(truncatingIfNeeded: packed))
        }
    }

    /// The entry and when its connection was claimed (milliseconds since the epoch), which names
    /// the connection in the fleet's node records.
    struct Holder: Equatable, Sendable {
        var entry: Entry
        var connectedAt: Int64
    }

    private final class Shard: Sendable {
        let entries = Mutex<[UAID: Entry]>([:])
        /// Only in a fleet, where the node records need them: a node alone keeps 8 bytes a device.
        let connectedAt = Mutex<[UAID: Int64]>([:])
    }

    private let keepsConnectionTimes: Bool

    init(keepsConnectionTimes: Bool) {
        self.keepsConnectionTimes = keepsConnectionTimes
    }

    private let shards: [Shard] = (0..<32).map { _ in Shard() }

    private func shard(_ uaid: UAID) -> Shard { shards[Int(truncatingIfNeeded: uaid.low % 32)] }

    /// Records `entry` as the holder of `uaid`; returns the previous holder (newest connection wins).
    func claim(_ uaid: UAID, _ entry: Entry, connectedAt: Int64) -> Entry? {
        let shard = shard(uaid)
        return shard.entries.withLock { entries in
            let previous = entries.updateValue(entry, forKey: uaid)
            if keepsConnectionTimes { shard.connectedAt.withLock { $0[uaid] = connectedAt } }
            return previous == entry ? nil : previous
        }
    }

    /// Forgets `uaid` only if `entry` still holds it (a newer connection may have claimed it);
    /// returns when that connection was claimed, when it did.
    @discardableResult
    func release(_ uaid: UAID, _ entry: Entry) -> Int64? {
        let shard = shard(uaid)
        return shard.entries.withLock { entries in
            guard entries[uaid] == entry else { return nil }
            entries[uaid] = nil
            return keepsConnectionTimes ? shard.connectedAt.withLock { $0.removeValue(forKey: uaid) } ?? 0 : 0
        }
    }

    func lookup(_ uaid: UAID) -> Holder? {
        let shard = shard(uaid)
        return shard.entries.withLock { entries in
            entries[uaid].map { Holder(entry: $0, connectedAt: keepsConnectionTimes ? shard.connectedAt.withLock { $0[uaid] } ?? 0 : 0) }
        }
    }

    /// Every device held here and when its connection was claimed (only in a fleet; empty on a node alone).
    func heldDevices() -> [(uaid: UAID, connectedAt: Int64)] {
        guard keepsConnectionTimes else { return [] }
        return shards.flatMap { shard in shard.connectedAt.withLock { $0.map { (uaid: $0.key, connectedAt: $0.value) } } }
    }

    var count: Int {
        shards.reduce(0) { total, shard in total + shard.entries.withLock { $0.count } }
    }
}
