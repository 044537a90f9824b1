import CoreMetrics
import Foundation
import PushCore

/// Wraps any store to time each operation and count its failures, labelled by operation and
/// backend (`simplepush_store_duration_seconds`, `simplepush_store_errors_total`).
public struct InstrumentedStore: Store {
    public let base: any Store
    public let backend: String
    /// Each operation's timer and error counter, made once: store calls are on the update path.
    private let metrics: [String: OperationMetrics]
    public let nonBlocking: (any NonBlockingStore)?
    public var mayLoseRecords: Bool { base.mayLoseRecords }

    private static let operations = [
        "device", "register", "unregister", "drop", "save", "fetch", "delete", "claim_node", "node", "release_node", "health_check",
    ]

    public init(_ base: any Store, backend: String) {
        self.base = base
        self.backend = backend
        let metrics = Dictionary(uniqueKeysWithValues: Self.operations.map { operation in
            let labels = [("operation", operation), ("backend", backend)]
            return (operation, OperationMetrics(
                duration: CoreMetrics.Timer(label: "simplepush_store_duration_seconds", dimensions: labels),
                errors: Counter(label: "simplepush_store_errors_total", dimensions: labels)))
        })
        self.metrics = metrics
        nonBlocking = base.nonBlocking.map {
            InstrumentedNonBlockingStore(base: $0, device: metrics["device"]!, save: metrics["save"]!, delete: metrics["delete"]!)
        }
    }

    private func measure<T>(_ operation: String, _ work: () async throws -> T) async throws -> T {
        try await metrics[operation]!.measure(work)
    }

    public func device(_ uaid: UAID) async throws -> DeviceRecord? {
        try await measure("device") { try await base.device(uaid) }
    }

    public func deviceProtocol(_ uaid: UAID) async throws -> DeviceProtocol? {
        try await measure("device") { try await base.deviceProtocol(uaid) }
    }

    public func register(_ uaid: UAID, channel: ChannelID, protocol deviceProtocol: DeviceProtocol, maxChannels: Int) async throws -> RegisterResult {
        try await measure("register") {
            try await base.register(uaid, channel: channel, protocol: deviceProtocol, maxChannels: maxChannels)
        }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        try await measure("unregister") { try await base.unregister(uaid, channel: channel) }
    }

    public func drop(_ uaid: UAID) async throws {
        try await measure("drop") { try await base.drop(uaid) }
    }

    public func save(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult {
        try await measure("save") { try await base.save(message, for: uaid, limit: limit) }
    }

    public func fetchMessages(_ uaid: UAID, limit: Int) async throws -> [StoredMessage] {
        try await measure("fetch") { try await base.fetchMessages(uaid, limit: limit) }
    }

    @discardableResult
    public func delete(_ reference: MessageReference, for uaid: UAID) async throws -> Bool {
        try await measure("delete") { try await base.delete(reference, for: uaid) }
    }

    public func claimNode(_ uaid: UAID, _ record: NodeRecord) async throws -> ClaimResult {
        try await measure("claim_node") { try await base.claimNode(uaid, record) }
    }

    public func nodeRecord(_ uaid: UAID) async throws -> NodeRecord? {
        try await measure("node") { try await base.nodeRecord(uaid) }
    }

    @discardableResult
    public func releaseNode(_ uaid: UAID, ifStill record: NodeRecord) async throws -> Bool {
        try await measure("release_node") { try await base.releaseNode(uaid, ifStill: record) }
    }

    public func recordsEpoch() async throws -> String? {
        try await base.recordsEpoch()
    }

    public func healthCheck() async throws {
        try await measure("health_check") { try await base.healthCheck() }
    }

    public func close() async throws {
        try await base.close()
    }
}

/// One operation's timer and error counter.
struct OperationMetrics: Sendable {
    let duration: CoreMetrics.Timer
    let errors: CoreMetrics.Counter

    // The same, with and without `async`: Swift cannot make one function both.
    func measure<T>(_ work: () async throws -> T) async throws -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { record(since: start) }
        do {
            return try await work()
        } catch {
            errors.increment()
            throw error
        }
    }

    func measure<T>(_ work: () throws -> T) throws -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { record(since: start) }
        do {
            return try work()
        } catch {
            errors.increment()
            throw error
        }
    }

    private func record(since start: UInt64) {
        duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }
}

/// The instrumented store's inline calls, timed and counted under the same labels.
struct InstrumentedNonBlockingStore: NonBlockingStore {
    let base: any NonBlockingStore
    let device: OperationMetrics
    let save: OperationMetrics
    let delete: OperationMetrics

    func deviceNow(_ uaid: UAID) throws -> DeviceRecord? {
        try device.measure { try base.deviceNow(uaid) }
    }

    func saveNow(_ message: StoredMessage, for uaid: UAID, limit: Int) throws -> SaveResult {
        try save.measure { try base.saveNow(message, for: uaid, limit: limit) }
    }

    func deleteNow(_ reference: MessageReference, for uaid: UAID) throws -> Bool {
        try delete.measure { try base.deleteNow(reference, for: uaid) }
    }
}
