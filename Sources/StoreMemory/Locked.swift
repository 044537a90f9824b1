import Foundation

/// A value guarded by a lock. Store calls are short, non-blocking dictionary work, so a plain
/// lock is cheaper than an actor hop and keeps the store usable from any thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
