import Synchronization
import Store

/// Timestamps for accepted messages: microseconds since the epoch, strictly increasing in this
/// process, so two messages accepted in the same microsecond still have an order (and distinct
/// message ids for the same topic).
public final class MessageClock: Sendable {
    private let last = Atomic<UInt64>(0)

    public init() {}

    public func next() -> UInt64 {
        let now = StoredMessage.now()
        var current = last.load(ordering: .relaxed)
        while true {
            let candidate = max(now, current + 1)
            let (exchanged, original) = last.compareExchange(expected: current, desired: candidate, ordering: .relaxed)
            if exchanged { return candidate }
            current = original
        }
    }
}
