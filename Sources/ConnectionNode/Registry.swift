import Foundation
import PushCore
import Reactor

/// Which connection on this node holds each UAID: the one structure the endpoint threads and the
/// reactors share. Sharded by UAID so reactors and endpoint threads rarely meet on one lock.
final class Registry: @unchecked Sendable {
    struct Entry: Equatable {
        var worker: Int
        var connection: ConnectionID
    }

    private final class Shard {
        let lock = NSLock()
        var entries: [UAID: Entry] = [:]
    }

    private let shards: [Shard] = (0..<32).map { _ in Shard() }

    private func shard(_ uaid: UAID) -> Shard { shards[Int(truncatingIfNeeded: uaid.low % 32)] }

    /// Records `entry` as the holder of `uaid`; returns the previous holder (newest connection wins).
    func claim(_ uaid: UAID, _ entry: Entry) -> Entry? {
        let shard = shard(uaid)
        shard.lock.lock()
        defer { shard.lock.unlock() }
        let previous = shard.entries.updateValue(entry, forKey: uaid)
        return previous == entry ? nil : previous
    }

    /// Forgets `uaid` only if `entry` still holds it (a newer connection may have claimed it).
    func release(_ uaid: UAID, _ entry: Entry) {
        let shard = shard(uaid)
        shard.lock.lock()
        defer { shard.lock.unlock() }
        if shard.entries[uaid] == entry { shard.entries[uaid] = nil }
    }

    func lookup(_ uaid: UAID) -> Entry? {
        let shard = shard(uaid)
        shard.lock.lock()
        defer { shard.lock.unlock() }
        return shard.entries[uaid]
    }

    var count: Int {
        shards.reduce(0) { total, shard in
            shard.lock.lock()
            defer { shard.lock.unlock() }
            return total + shard.entries.count
        }
    }
}
