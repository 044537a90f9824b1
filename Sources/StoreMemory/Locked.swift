import Synchronization

/// A value guarded by a lock. Store calls are short, non-blocking dictionary work, so a plain
/// lock is cheaper than an actor hop and keeps the store usable from any thread.
final class Locked<Value>: Sendable {
    private let value: Mutex<Value>

    init(_ value: sending Value) {
        self.value = Mutex(value)
    }

    func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try value.withLock(body)
    }
}
