import CoreMetrics
import Foundation
import PushCore

/// Wraps any store to time each operation and count its failures, labelled by operation and
/// backend (`simplepush_store_duration_seconds`, `simplepush_store_errors_total`).
public struct InstrumentedStore: Store {
    public let base: any Store
    public let backend: String
    /// Each operation's timer and error counter, made once: store calls are on the update path.
    private let metrics: [String: (duration: CoreMetrics.Timer, errors: CoreMetrics.Counter)]

    private static let operations = [
        "uaid_exists", "register", "unregister", "save_update", "fetch_pending", "ack", "drop", "health_check",
    ]

    public init(_ base: any Store, backend: String) {
        self.base = base
        self.backend = backend
        metrics = Dictionary(uniqueKeysWithValues: Self.operations.map { operation in
            let labels = [("operation", operation), ("backend", backend)]
            return (operation, (CoreMetrics.Timer(label: "simplepush_store_duration_seconds", dimensions: labels),
                                Counter(label: "simplepush_store_errors_total", dimensions: labels)))
        })
    }

    private func measure<T>(_ operation: String, _ work: () async throws -> T) async throws -> T {
        let (duration, errors) = metrics[operation]!
        let start = DispatchTime.now().uptimeNanoseconds
        defer { duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start)) }
        do {
            return try await work()
        } catch {
            errors.increment()
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
