import Foundation
import PushCore

/// SimplePush on the message queue: a channel's newest version is the message in its one
/// version slot, which never expires and is replaced by every newer version.
extension Store {
    /// Whether the store knows this device (it has registered a channel and not been dropped).
    public func uaidExists(_ uaid: UAID) async throws -> Bool {
        try await device(uaid) != nil
    }

    public func register(_ uaid: UAID, channel: ChannelID, maxChannels: Int) async throws -> RegisterResult {
        try await register(uaid, channel: channel, protocol: .simplePush, maxChannels: maxChannels)
    }

    /// Saves a new version (and its data) for a channel. Versions only move forward: a version not
    /// greater than the newest accepted for that channel (acked or not) is `.stale`; an unknown
    /// device is an unknown channel.
    public func saveUpdate(_ uaid: UAID, channel: ChannelID, version: Version, data: String?) async throws -> SaveResult {
        let message = StoredMessage(channel: channel, slot: .version(version), timestamp: StoredMessage.now(), data: data)
        let result = try await save(message, for: uaid, limit: .max)
        return result == .unknownDevice ? .unknownChannel : result
    }

    /// Every channel of the device with an unacked version, ordered by channel id.
    public func fetchPending(_ uaid: UAID) async throws -> [Update] {
        try await fetchMessages(uaid, limit: .max)
            .compactMap { message in
                message.version.map { Update(channelID: message.channel, version: $0, data: message.data) }
            }
            .sorted { $0.channelID < $1.channelID }
    }

    /// Acknowledges a channel's update: the pending update is removed only if its version is not
    /// greater than `version`. Returns whether a pending update was removed.
    @discardableResult
    public func ack(_ uaid: UAID, channel: ChannelID, version: Version) async throws -> Bool {
        try await delete(MessageReference(channel: channel, slotKey: "v", match: .versionAtMost(version)), for: uaid)
    }
}

extension StoredMessage {
    /// Microseconds since the Unix epoch.
    public static func now() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000))
    }

    /// Unix seconds, as expiries are kept.
    public static func unixSeconds() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}
