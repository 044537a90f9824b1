import PushCore
import Store

/// A `Store` kept in process memory: for tests and single-node setups that can afford to lose
/// pending updates on restart.
public final class MemoryStore: Store {
    /// One registered channel; mirrors a row of the SQLite backend so both behave the same.
    private struct ChannelState {
        /// The newest accepted version, acked or not; nil until the first update.
        var newest: Version?
        /// Whether `newest` still waits for the device's ack.
        var pending = false
        var data: String?
    }

    /// A device exists while it has an entry here, even one with no channels left.
    private let devices = Locked<[UAID: [ChannelID: ChannelState]]>([:])

    public init() {}

    public func uaidExists(_ uaid: UAID) async throws -> Bool {
        devices.withLock { $0[uaid] != nil }
    }

    public func register(_ uaid: UAID, channel: ChannelID, maxChannels: Int) async throws -> RegisterResult {
        devices.withLock { devices in
            if devices[uaid]?[channel] != nil { return .registered }
            // Only new channels count against the limit, and a refused device is not created.
            if (devices[uaid]?.count ?? 0) >= maxChannels { return .tooManyChannels }
            devices[uaid, default: [:]][channel] = ChannelState()
            return .registered
        }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        devices.withLock { devices in
            _ = devices[uaid]?.removeValue(forKey: channel)
        }
    }

    public func saveUpdate(_ uaid: UAID, channel: ChannelID, version: Version, data: String?) async throws -> SaveResult {
        devices.withLock { devices in
            guard let state = devices[uaid]?[channel] else { return .unknownChannel }
            if let newest = state.newest, version <= newest { return .stale }
            devices[uaid]?[channel] = ChannelState(newest: version, pending: true, data: data)
            return .saved
        }
    }

    public func fetchPending(_ uaid: UAID) async throws -> [Update] {
        let channels = devices.withLock { $0[uaid] ?? [:] }
        return channels
            .compactMap { channel, state in
                guard state.pending, let version = state.newest else { return nil }
                return Update(channelID: channel, version: version, data: state.data)
            }
            .sorted { $0.channelID < $1.channelID }
    }

    @discardableResult
    public func ack(_ uaid: UAID, channel: ChannelID, version: Version) async throws -> Bool {
        devices.withLock { devices in
            guard let state = devices[uaid]?[channel], state.pending,
                  let newest = state.newest, newest <= version
            else { return false }
            // `newest` stays, so a later PUT with a lower version is still stale.
            devices[uaid]?[channel] = ChannelState(newest: newest, pending: false, data: nil)
            return true
        }
    }

    public func drop(_ uaid: UAID) async throws {
        devices.withLock { devices in
            _ = devices.removeValue(forKey: uaid)
        }
    }

    public func healthCheck() async throws {}

    public func close() async throws {
        devices.withLock { $0.removeAll() }
    }
}
