import PushCore
import Store

/// A `Store` kept in process memory: for tests and single-node setups that can afford to lose
/// pending messages on restart.
public final class MemoryStore: Store {
    /// One device; mirrors the SQLite backend's rows so both behave the same.
    private struct Device {
        var deviceProtocol: DeviceProtocol
        /// Each registered channel with the newest SimplePush version accepted for it, acked or
        /// not (nil until the first).
        var channels: [ChannelID: Version?] = [:]
        var messages: [StoredMessage] = []
    }

    private let devices = Locked<[UAID: Device]>([:])

    public init() {}

    public func device(_ uaid: UAID) async throws -> DeviceRecord? {
        devices.withLock { devices in
            devices[uaid].map { DeviceRecord(deviceProtocol: $0.deviceProtocol, channels: $0.channels.keys.sorted()) }
        }
    }

    public func register(_ uaid: UAID, channel: ChannelID, protocol deviceProtocol: DeviceProtocol,
                         maxChannels: Int) async throws -> RegisterResult {
        devices.withLock { devices in
            if devices[uaid]?.channels.keys.contains(channel) == true { return .registered }
            // Only new channels count against the limit, and a refused device is not created.
            if (devices[uaid]?.channels.count ?? 0) >= maxChannels { return .tooManyChannels }
            devices[uaid, default: Device(deviceProtocol: deviceProtocol)].channels[channel] = .some(nil)
            return .registered
        }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        devices.withLock { devices in
            guard devices[uaid]?.channels.removeValue(forKey: channel) != nil else { return }
            devices[uaid]?.messages.removeAll { $0.channel == channel }
        }
    }

    public func drop(_ uaid: UAID) async throws {
        devices.withLock { devices in
            _ = devices.removeValue(forKey: uaid)
        }
    }

    public func save(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult {
        let now = StoredMessage.unixSeconds()
        return devices.withLock { devices in
            guard var device = devices[uaid] else { return .unknownDevice }
            guard let newest = device.channels[message.channel] else { return .unknownChannel }
            if let version = message.version {
                if let newest, version <= newest { return .stale }
                device.channels[message.channel] = version
            }
            device.messages.removeAll { $0.isExpired(now: now) || ($0.channel == message.channel && $0.slotKey == message.slotKey) }
            device.messages.append(message)
            device.messages.sort(by: StoredMessage.queueOrder)
            var excess = device.messages.count(where: \.countsAgainstLimit) - limit
            // Oldest first, so the first ones counted are the oldest.
            device.messages.removeAll { candidate in
                guard excess > 0, candidate.countsAgainstLimit else { return false }
                excess -= 1
                return true
            }
            devices[uaid] = device
            return .saved
        }
    }

    public func fetchMessages(_ uaid: UAID, limit: Int) async throws -> [StoredMessage] {
        let now = StoredMessage.unixSeconds()
        return devices.withLock { devices in
            guard devices[uaid] != nil else { return [] }
            devices[uaid]?.messages.removeAll { $0.isExpired(now: now) }
            return Array(devices[uaid]!.messages.prefix(limit))
        }
    }

    @discardableResult
    public func delete(_ reference: MessageReference, for uaid: UAID) async throws -> Bool {
        devices.withLock { devices in
            guard let index = devices[uaid]?.messages.firstIndex(where: reference.matches) else { return false }
            devices[uaid]?.messages.remove(at: index)
            return true
        }
    }

    public func healthCheck() async throws {}

    public func close() async throws {
        devices.withLock { $0.removeAll() }
    }
}
