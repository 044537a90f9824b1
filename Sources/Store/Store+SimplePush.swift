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
        let result = try await save(.simplePushUpdate(channel: channel, version: version, data: data), for: uaid, limit: .max)
        return result.forUpdate
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
        try await delete(.simplePushAck(channel: channel, version: version), for: uaid)
    }
}

extension NonBlockingStore {
    /// `Store.saveUpdate`, done before returning.
    public func saveUpdateNow(_ uaid: UAID, channel: ChannelID, version: Version, data: String?) throws -> SaveResult {
        try saveNow(.simplePushUpdate(channel: channel, version: version, data: data), for: uaid, limit: .max).forUpdate
    }

    /// `Store.ack`, done before returning.
    @discardableResult
    public func ackNow(_ uaid: UAID, channel: ChannelID, version: Version) throws -> Bool {
        try deleteNow(.simplePushAck(channel: channel, version: version), for: uaid)
    }
}

extension SaveResult {
    /// SimplePush tells no unknown device from an unknown channel.
    fileprivate var forUpdate: SaveResult { self == .unknownDevice ? .unknownChannel : self }
}

extension StoredMessage {
    /// A SimplePush version, in its channel's one slot, queued now.
    static func simplePushUpdate(channel: ChannelID, version: Version, data: String?) -> StoredMessage {
        StoredMessage(channel: channel, slot: .version(version), timestamp: StoredMessage.now(), data: data)
    }
}

extension MessageReference {
    /// What an ack of `version` removes: the channel's version slot, if it holds that version or an older one.
    static func simplePushAck(channel: ChannelID, version: Version) -> MessageReference {
        MessageReference(channel: channel, slotKey: "v", match: .versionAtMost(version))
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
