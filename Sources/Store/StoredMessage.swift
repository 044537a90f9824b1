import PushCore

/// One message waiting in a device's queue until the device acks it or it expires.
public struct StoredMessage: Equatable, Sendable {
    /// Where a message sits in its channel: a newer message in the same slot replaces it.
    public enum Slot: Hashable, Sendable {
        /// SimplePush: the channel's one slot, holding its newest version.
        case version(Version)
        /// WebPush with a `Topic`: one per topic per channel.
        case topic(String)
        /// WebPush without a topic: a slot of its own, named by a random id.
        case unique(UInt64)
    }

    public var channel: ChannelID
    public var slot: Slot
    /// Microseconds since the Unix epoch when accepted; orders the queue, oldest first.
    public var timestamp: UInt64
    /// Unix seconds from which the message is never delivered; nil: it waits until acked.
    public var expiry: Int64?
    public var urgency: Urgency
    /// The body as the device receives it (SimplePush: the data as sent; WebPush: base64url).
    public var data: String?
    /// WebPush's encryption headers for the device (`encoding`, `encryption`, `crypto_key`).
    public var headers: [String: String]

    public init(channel: ChannelID, slot: Slot, timestamp: UInt64, expiry: Int64? = nil,
                urgency: Urgency = .normal, data: String? = nil, headers: [String: String] = [:]) {
        self.channel = channel
        self.slot = slot
        self.timestamp = timestamp
        self.expiry = expiry
        self.urgency = urgency
        self.data = data
        self.headers = headers
    }

    /// The slot's name within its channel, as backends key it: `v` (every version shares one),
    /// `t:<topic>` or `u:<16 hex digits>`.
    public var slotKey: String { Self.slotKey(of: slot) }

    public static func slotKey(of slot: Slot) -> String {
        switch slot {
        case .version: return "v"
        case .topic(let topic): return "t:" + topic
        case .unique(let id): return "u:" + String(id, radix: 16)
        }
    }

    /// The slot a backend stored under `key`, with the SimplePush version kept beside it.
    public static func slot(key: String, version: Version?) -> Slot? {
        if key == "v" { return version.map(Slot.version) }
        if key.hasPrefix("t:") { return .topic(String(key.dropFirst(2))) }
        if key.hasPrefix("u:") { return UInt64(key.dropFirst(2), radix: 16).map(Slot.unique) }
        return nil
    }

    /// The SimplePush version this message carries, if it is one.
    public var version: Version? {
        if case .version(let version) = slot { return version }
        return nil
    }

    /// Whether `limit` counts it: SimplePush versions are bounded by the channel count instead.
    public var countsAgainstLimit: Bool { version == nil }

    public func isExpired(now: Int64) -> Bool {
        expiry.map { $0 <= now } ?? false
    }

    /// Queue order: oldest first, then by slot so equal timestamps still sort one way.
    public static func queueOrder(_ a: StoredMessage, _ b: StoredMessage) -> Bool {
        (a.timestamp, a.channel, a.slotKey) < (b.timestamp, b.channel, b.slotKey)
    }
}

/// Names one stored message for deletion: its slot, and which occupant of the slot is meant, so
/// an ack for a message that a newer one has replaced since does not delete the newer one.
public struct MessageReference: Equatable, Sendable {
    public enum Match: Equatable, Sendable {
        /// The occupant accepted at exactly this timestamp (WebPush message ids).
        case timestamp(UInt64)
        /// A SimplePush version not greater than this (an ack of a version covers older ones).
        case versionAtMost(Version)
    }

    public var channel: ChannelID
    public var slotKey: String
    public var match: Match

    public init(channel: ChannelID, slotKey: String, match: Match) {
        self.channel = channel
        self.slotKey = slotKey
        self.match = match
    }

    /// Whether `message` is the one referred to.
    public func matches(_ message: StoredMessage) -> Bool {
        guard message.channel == channel, message.slotKey == slotKey else { return false }
        switch match {
        case .timestamp(let timestamp): return message.timestamp == timestamp
        case .versionAtMost(let version): return message.version.map { $0 <= version } ?? false
        }
    }
}
