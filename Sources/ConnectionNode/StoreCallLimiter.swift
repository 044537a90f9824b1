import Foundation

/// Bounds the store calls the device side has in flight at once. A call that finds no free place
/// waits in a queue, oldest first, as a closure, not as a task: a reconnect herd of a hundred
/// thousand devices queues a hundred thousand small closures (each connection stops being read
/// while it waits), not a hundred thousand tasks all calling the store at once.
final class StoreCallLimiter: @unchecked Sendable {  // all mutable state is behind `lock`
    private let lock = NSLock()
    private var available: Int
    private var waiting: [() -> Void] = []
    private var nextWaiting = 0

    init(limit: Int) { available = max(1, limit) }

    /// Takes a free place and returns true, or queues `waiter` and returns false; the waiter is
    /// called, on the releasing thread, once a place is handed to it. Whoever holds a place must
    /// call `release` exactly once.
    func acquire(orQueue waiter: @escaping () -> Void) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if available > 0 {
            available -= 1
            return true
        }
        waiting.append(waiter)
        return false
    }

    /// Hands the place to the oldest waiter, or frees it.
    func release() {
        lock.lock()
        guard nextWaiting < waiting.count else {
            available += 1
            lock.unlock()
            return
        }
        let next = waiting[nextWaiting]
        nextWaiting += 1
        // Handed-out closures are dropped once the queue is empty or mostly consumed, so none
        // keeps what it captured alive.
        if nextWaiting == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            nextWaiting = 0
        } else if nextWaiting >= 1024 && nextWaiting * 2 >= waiting.count {
            waiting.removeFirst(nextWaiting)
            nextWaiting = 0
        }
        lock.unlock()
        next()
    }

    /// Calls waiting for a place.
    var queued: Int {
        lock.lock()
        defer { lock.unlock() }
        return waiting.count - nextWaiting
    }
}
