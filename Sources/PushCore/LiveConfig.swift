import Foundation

/// The configuration in force, replaced as a whole when SIGHUP reloads the file. Readers take a
/// snapshot per request or message, so one request never sees half of an old and half of a new
/// config.
public final class LiveConfig: @unchecked Sendable {
    public struct Snapshot: Sendable {
        public let config: ServerConfig
        public let tokens: EndpointTokenCodec
    }

    private let lock = NSLock()
    private var snapshot: Snapshot

    public init(_ config: ServerConfig, tokens: EndpointTokenCodec) {
        snapshot = Snapshot(config: config, tokens: tokens)
    }

    public var current: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return snapshot
    }

    public var config: ServerConfig { current.config }
    public var tokens: EndpointTokenCodec { current.tokens }

    public func replace(_ config: ServerConfig, tokens: EndpointTokenCodec) {
        lock.lock()
        snapshot = Snapshot(config: config, tokens: tokens)
        lock.unlock()
    }
}

/// Set once shutdown begins: the endpoint then refuses new updates with 503 so app servers retry
/// against another node, while what was accepted is already in the store.
public final class DrainSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var draining = false

    public init() {}

    public var isDraining: Bool {
        lock.lock()
        defer { lock.unlock() }
        return draining
    }

    public func begin() {
        lock.lock()
        draining = true
        lock.unlock()
    }
}
