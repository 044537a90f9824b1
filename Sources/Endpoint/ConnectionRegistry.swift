import NIOConcurrencyHelpers
import NIOCore

/// The endpoint's open connections, shared by every event loop, for the connection cap: a new
/// connection past the cap takes the place of the one that has been idle (waiting between
/// requests) the longest. Every operation is O(1) amortised under one short lock.
final class ConnectionRegistry: Sendable {
    enum Admission {
        case admitted
        /// Admitted in place of this idle connection, which the caller closes.
        case admittedByShedding(any Channel)
        /// At the cap with every connection mid-request: the caller closes the new one.
        case refused
    }

    private struct Entry {
        let channel: any Channel
        /// Position in the idle order while idle; nil while a request is under way.
        var idleSequence: UInt64?
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        /// Idle connections by the order they became idle. Sequences only grow, so the oldest is
        /// the first present at or after `oldestIdleCandidate`.
        var idleBySequence: [UInt64: ObjectIdentifier] = [:]
        var nextSequence: UInt64 = 0
        var oldestIdleCandidate: UInt64 = 0

        mutating func markIdle(_ id: ObjectIdentifier) {
            guard entries[id] != nil, entries[id]!.idleSequence == nil else { return }
            entries[id]!.idleSequence = nextSequence
            idleBySequence[nextSequence] = id
            nextSequence += 1
        }

        mutating func markBusy(_ id: ObjectIdentifier) {
            guard let sequence = entries[id]?.idleSequence else { return }
            entries[id]!.idleSequence = nil
            idleBySequence[sequence] = nil
        }

        mutating func remove(_ id: ObjectIdentifier) -> Entry? {
            markBusy(id)
            return entries.removeValue(forKey: id)
        }

        mutating func popOldestIdle() -> Entry? {
            while oldestIdleCandidate < nextSequence {
                if let id = idleBySequence[oldestIdleCandidate] { return remove(id) }
                oldestIdleCandidate += 1
            }
            return nil
        }
    }

    /// 0 means no cap, and then nothing is tracked.
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isTracking: Bool { capacity > 0 }

    /// Registers a new connection as idle (no request yet), making room first when at the cap.
    func admit(_ channel: any Channel) -> Admission {
        guard isTracking else { return .admitted }
        let id = ObjectIdentifier(channel)
        return state.withLockedValue { state in
            var shed: Entry?
            if state.entries.count >= capacity {
                shed = state.popOldestIdle()
                if shed == nil { return .refused }
            }
            state.entries[id] = Entry(channel: channel, idleSequence: nil)
            state.markIdle(id)
            return shed.map { .admittedByShedding($0.channel) } ?? .admitted
        }
    }

    func remove(_ channel: any Channel) {
        guard isTracking else { return }
        _ = state.withLockedValue { $0.remove(ObjectIdentifier(channel)) }
    }

    /// Idle connections may be shed; a connection with a request under way is never.
    func setIdle(_ channel: any Channel, _ idle: Bool) {
        guard isTracking else { return }
        let id = ObjectIdentifier(channel)
        state.withLockedValue { idle ? $0.markIdle(id) : $0.markBusy(id) }
    }

    var count: Int {
        state.withLockedValue { $0.entries.count }
    }
}
