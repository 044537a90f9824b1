import Synchronization

/// A value that a reload (SIGHUP) may replace while the server runs, as a whole: a reader takes one
/// snapshot per request or message, so it never sees half of an old and half of a new value.
/// Each module gets a `Live` of its own settings, not the whole configuration.
public final class Live<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    /// Bumped on every replacement, so a thread-confined `Cache` checks it without taking the lock.
    private let revision = Atomic<UInt64>(0)

    public init(_ value: Value) { self.value = Mutex(value) }

    public var current: Value { value.withLock { $0 } }

    public func replace(_ newValue: Value) {
        value.withLock { $0 = newValue }
        revision.add(1, ordering: .releasing)
    }

    /// A copy kept by one thread (a reactor) and refreshed when the value was replaced: the hot
    /// path reads an atomic, not a lock.
    public struct Cache {
        public let source: Live<Value>
        private var seen: UInt64
        private var copy: Value

        public init(_ source: Live<Value>) {
            self.source = source
            seen = source.revision.load(ordering: .acquiring)
            copy = source.current
        }

        public var value: Value {
            mutating get {
                let now = source.revision.load(ordering: .acquiring)
                if now != seen {
                    seen = now
                    copy = source.current
                }
                return copy
            }
        }
    }
}

/// Set once shutdown begins: the endpoint then refuses new updates with 503 so app servers retry
/// against another node, while what was accepted is already in the store.
public final class DrainSwitch: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    public func begin() { draining.store(true, ordering: .releasing) }
}
