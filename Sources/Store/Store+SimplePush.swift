import Foundation
import PushCore

/// SimplePush on the message queue: a channel's newest version is the message in its one
/// version slot, which never expires and is replaced by every newer version.
extension Store {
    /// Whether the store knows this device (it has registered a channel and not been dropped).
    public func uaidExists(_ uaid: UAID) async throws -> Bool {
        try await deviceProtocol(uaid) != nil
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
        // A plain loop: a compactMap here crashes the Swift 6.3 optimizer in release builds.
        var updates: [Update] = []
        for message in try await fetchMessages(uaid, limit: .max) {
            guard case .version(let version) = message.slot else { continue }
            updates.append(Update(channelID: message.channel, version: version, data: message.data))
        }
        return updates.sorted { $0.channelID < $1.channelID }
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
