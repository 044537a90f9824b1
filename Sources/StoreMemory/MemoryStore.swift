import PushCore
import Store

/// A `Store` kept in process memory: for tests and single-node setups that can afford to lose
/// pending messages on restart.
public final class MemoryStore: Store, NonBlockingStore {
    /// One device; mirrors the SQLite backend's rows so both behave the same.
    private struct Device {
        var deviceProtocol: DeviceProtocol
        /// Each registered channel with the newest SimplePush version accepted for it, acked or
        /// not (nil until the first).
        var channels: [ChannelID: Version?] = [:]
        var messages: [StoredMessage] = []
    }

    /// Sharded by UAID: endpoint threads saving and reactors acking rarely meet on one lock.
    private let shards: [Locked<[UAID: Device]>] = (0..<32).map { _ in Locked([:]) }

    private func shard(_ uaid: UAID) -> Locked<[UAID: Device]> { shards[Int(truncatingIfNeeded: uaid.low % 32)] }

    /// Node records apart from devices: a device connects (and claims) before it registers.
    private let nodeShards: [Locked<[UAID: NodeRecord]>] = (0..<32).map { _ in Locked([:]) }

    private func nodeShard(_ uaid: UAID) -> Locked<[UAID: NodeRecord]> { nodeShards[Int(truncatingIfNeeded: uaid.low % 32)] }

    public func claimNode(_ uaid: UAID, _ record: NodeRecord) async throws -> ClaimResult {
        nodeShard(uaid).withLock { records in
            let result = ClaimResult.deciding(record, over: records[uaid])
            if case .claimed = result { records[uaid] = record }
            return result
        }
    }

    public func nodeRecord(_ uaid: UAID) async throws -> NodeRecord? {
        nodeShard(uaid).withLock { $0[uaid] }
    }

    public func releaseNode(_ uaid: UAID, ifStill record: NodeRecord) async throws -> Bool {
        nodeShard(uaid).withLock { records in
            guard records[uaid] == record else { return false }
            records[uaid] = nil
            return true
        }
    }

    public init() {}

    public func device(_ uaid: UAID) async throws -> DeviceRecord? {
        deviceNow(uaid)
    }

    public func deviceNow(_ uaid: UAID) -> DeviceRecord? {
        shard(uaid).withLock { devices in
            devices[uaid].map { DeviceRecord(deviceProtocol: $0.deviceProtocol, channels: $0.channels.keys.sorted()) }
        }
    }

    public func deviceProtocol(_ uaid: UAID) async throws -> DeviceProtocol? {
        shard(uaid).withLock { $0[uaid]?.deviceProtocol }
    }

    public func register(_ uaid: UAID, channel: ChannelID, protocol deviceProtocol: DeviceProtocol,
                         maxChannels: Int) async throws -> RegisterResult {
        shard(uaid).withLock { devices in
            if devices[uaid]?.channels.keys.contains(channel) == true { return .registered }
            // Only new channels count against the limit, and a refused device is not created.
            if (devices[uaid]?.channels.count ?? 0) >= maxChannels { return .tooManyChannels }
            devices[uaid, default: Device(deviceProtocol: deviceProtocol)].channels[channel] = .some(nil)
            return .registered
        }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        shard(uaid).withLock { devices in
            guard devices[uaid]?.channels.removeValue(forKey: channel) != nil else { return }
            devices[uaid]?.messages.removeAll { $0.channel == channel }
        }
    }

    public func drop(_ uaid: UAID) async throws {
        shard(uaid).withLock { devices in
            _ = devices.removeValue(forKey: uaid)
        }
    }

    public func save(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult {
        saveNow(message, for: uaid, limit: limit)
    }

    public func saveNow(_ message: StoredMessage, for uaid: UAID, limit: Int) -> SaveResult {
        let now = StoredMessage.unixSeconds()
        return shard(uaid).withLock { devices in
            guard let newest = devices[uaid]?.channels[message.channel] else {
                return devices[uaid] == nil ? .unknownDevice : .unknownChannel
            }
            if let version = message.version, let newest, version <= newest { return .stale }
            // In place (the dictionary's modify accessor): the device's arrays are not copied.
            Self.insert(message, limit: limit, now: now, into: &devices[uaid]!)
            return .saved
        }
    }

    /// Puts `message` in its slot, in queue order; then, for messages the limit counts, drops
    /// expired ones and the oldest past `limit`.
    private static func insert(_ message: StoredMessage, limit: Int, now: Int64, into device: inout Device) {
        if let version = message.version { device.channels[message.channel] = version }
        let slot = message.slotKey
        if let index = device.messages.firstIndex(where: { $0.channel == message.channel && $0.slotKey == slot }) {
            device.messages.remove(at: index)
        }
        // Messages mostly arrive in order, so this is nearly always an append.
        if let later = device.messages.firstIndex(where: { StoredMessage.queueOrder(message, $0) }) {
            device.messages.insert(message, at: later)
        } else {
            device.messages.append(message)
        }
        guard message.countsAgainstLimit else { return }
        device.messages.removeAll { $0.isExpired(now: now) }
        var excess = device.messages.count(where: \.countsAgainstLimit) - limit
        // Oldest first, so the first ones counted are the oldest.
        device.messages.removeAll { candidate in
            guard excess > 0, candidate.countsAgainstLimit else { return false }
            excess -= 1
            return true
        }
    }

    public func fetchMessages(_ uaid: UAID, limit: Int) async throws -> [StoredMessage] {
        let now = StoredMessage.unixSeconds()
        return shard(uaid).withLock { devices in
            guard devices[uaid] != nil else { return [] }
            devices[uaid]?.messages.removeAll { $0.isExpired(now: now) }
            return Array(devices[uaid]!.messages.prefix(limit))
        }
    }

    @discardableResult
    public func delete(_ reference: MessageReference, for uaid: UAID) async throws -> Bool {
        deleteNow(reference, for: uaid)
    }

    /// Every call is a short critical section on one shard's lock: a reactor may make it inline.
    public var nonBlocking: (any NonBlockingStore)? { self }

    @discardableResult
    public func deleteNow(_ reference: MessageReference, for uaid: UAID) -> Bool {
        shard(uaid).withLock { devices in
            guard let index = devices[uaid]?.messages.firstIndex(where: reference.matches) else { return false }
            devices[uaid]?.messages.remove(at: index)
            return true
        }
    }

    public func healthCheck() async throws {}

    public func close() async throws {
        for shard in shards { shard.withLock { $0.removeAll() } }
    }
}
