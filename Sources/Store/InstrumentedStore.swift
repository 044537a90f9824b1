import CoreMetrics
import Foundation
import PushCore

/// Wraps any store to time each operation and count its failures, labelled by operation and
/// backend (`simplepush_store_duration_seconds`, `simplepush_store_errors_total`).
public struct InstrumentedStore: Store {
    public let base: any Store
    public let backend: String

    public init(_ base: any Store, backend: String) {
        self.base = base
        self.backend = backend
    }

    private func measure<T>(_ operation: String, _ work: () async throws -> T) async throws -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            Timer(label: "simplepush_store_duration_seconds", dimensions: [("operation", operation), ("backend", backend)])
                .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
        }
        do {
            return try await work()
        } catch {
            Counter(label: "simplepush_store_errors_total", dimensions: [("operation", operation), ("backend", backend)])
                .increment()
            throw error
        }
    }

    public func uaidExists(_ uaid: UAID) async throws -> Bool {
        try await measure("uaid_exists") { try await base.uaidExists(uaid) }
    }

    public func register(_ uaid: UAID, channel: ChannelID, maxChannels: Int) async throws -> RegisterResult {
        try await measure("register") { try await base.register(uaid, channel: channel, maxChannels: maxChannels) }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        try await measure("unregister") { try await base.unregister(uaid, channel: channel) }
    }

    public func saveUpdate(_ uaid: UAID, channel: ChannelID, version: Version, data: String?) async throws -> SaveResult {
        try await measure("save_update") { try await base.saveUpdate(uaid, channel: channel, version: version, data: data) }
    }

    public func fetchPending(_ uaid: UAID) async throws -> [Update] {
        try await measure("fetch_pending") { try await base.fetchPending(uaid) }
    }

    @discardableResult
    public func ack(_ uaid: UAID, channel: ChannelID, version: Version) async throws -> Bool {
        try await measure("ack") { try await base.ack(uaid, channel: channel, version: version) }
    }

    public func drop(_ uaid: UAID) async throws {
        try await measure("drop") { try await base.drop(uaid) }
    }

    public func healthCheck() async throws {
        try await measure("health_check") { try await base.healthCheck() }
    }

    public func close() async throws {
        try await base.close()
    }
}
