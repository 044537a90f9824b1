import PushCore

/// A WebPush message on its way to a device: what the device is sent, and what a bridge needs.
public struct WebPushNotification: Equatable, Sendable {
    public var channel: ChannelID
    /// The sealed id the device acks it with (and `DELETE /m/` names it by).
    public var messageID: String
    /// Where it sits in the store, to tell a copy the device already has from a new message.
    public var key: MessageKey
    public var ttl: Int
    public var urgency: Urgency
    /// The encrypted body, base64url without padding; nil without a body.
    public var data: String?
    /// `encoding` and, for `aesgcm`, `encryption` and `crypto_key`.
    public var headers: [String: String]

    public init(channel: ChannelID, messageID: String, key: MessageKey, ttl: Int, urgency: Urgency,
                data: String?, headers: [String: String]) {
        self.channel = channel
        self.messageID = messageID
        self.key = key
        self.ttl = ttl
        self.urgency = urgency
        self.data = data
        self.headers = headers
    }
}

/// One stored message's identity: its channel, its slot and when it was accepted.
public struct MessageKey: Hashable, Sendable {
    public var channel: ChannelID
    public var slotKey: String
    public var timestamp: UInt64

    public init(channel: ChannelID, slotKey: String, timestamp: UInt64) {
        self.channel = channel
        self.slotKey = slotKey
        self.timestamp = timestamp
    }
}
