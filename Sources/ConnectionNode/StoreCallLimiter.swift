import Synchronization

/// Bounds the store calls the device side has in flight at once. A call that finds no free place
/// waits in a queue, oldest first, as a closure, not as a task: a reconnect herd of a hundred
/// thousand devices queues a hundred thousand small closures (each connection stops being read
/// while it waits), not a hundred thousand tasks all calling the store at once.
final class StoreCallLimiter: Sendable {
    typealias Waiter = @Sendable () -> Void

    private struct State {
        var available: Int
        var waiting: [Waiter] = []
        var nextWaiting = 0
    }

    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: max(1, limit))) }

    /// Takes a free place and returns true, or queues `waiter` and returns false; the waiter is
    /// called, on the releasing thread, once a place is handed to it. Whoever holds a place must
    /// call `release` exactly once.
    func acquire(orQueue waiter: @escaping Waiter) -> Bool {
        state.withLock { state in
            if state.available > 0 {
                state.available -= 1
                return true
            }
            state.waiting.append(waiter)
            return false
        }
    }

    /// Hands the place to the oldest waiter, or frees it.
    func release() {
        let next: Waiter? = state.withLock { state in
            guard state.nextWaiting < state.waiting.count else {
                state.available += 1
                return nil
            }
            let next = state.waiting[state.nextWaiting]
            state.nextWaiting += 1
            // Handed-out closures are dropped once the queue is empty or mostly consumed, so none
            // keeps what it captured alive.
            if state.nextWaiting == state.waiting.count {
                state.waiting.removeAll(keepingCapacity: true)
                state.nextWaiting = 0
            } else if state.nextWaiting >= 1024 && state.nextWaiting * 2 >= state.waiting.count {
                state.waiting.removeFirst(state.nextWaiting)
                state.nextWaiting = 0
            }
            return next
        }
        next?()
    }

    /// Calls waiting for a place.
    var queued: Int { state.withLock { $0.waiting.count - $0.nextWaiting } }
}
