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

    private final class Shard: Sendable {
        let entries = Mutex<[UAID: Entry]>([:])
    }

    private let shards: [Shard] = (0..<32).map { _ in Shard() }

    private func shard(_ uaid: UAID) -> Shard { shards[Int(truncatingIfNeeded: uaid.low % 32)] }

    /// Records `entry` as the holder of `uaid`; returns the previous holder (newest connection wins).
    func claim(_ uaid: UAID, _ entry: Entry) -> Entry? {
        shard(uaid).entries.withLock { entries in
            let previous = entries.updateValue(entry, forKey: uaid)
            return previous == entry ? nil : previous
        }
    }

    /// Forgets `uaid` only if `entry` still holds it (a newer connection may have claimed it).
    func release(_ uaid: UAID, _ entry: Entry) {
        shard(uaid).entries.withLock { entries in
            if entries[uaid] == entry { entries[uaid] = nil }
        }
    }

    func lookup(_ uaid: UAID) -> Entry? {
        shard(uaid).entries.withLock { $0[uaid] }
    }

    var count: Int {
        shards.reduce(0) { total, shard in total + shard.entries.withLock { $0.count } }
    }
}
