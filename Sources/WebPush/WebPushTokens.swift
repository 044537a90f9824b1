import PushCore
import Store
import Routing

/// A WebPush subscription as its endpoint token names it.
public struct Subscription: Equatable, Sendable {
    public var uaid: UAID
    public var channel: ChannelID
    /// SHA-256 of the application server key a v2 (restricted) subscription accepts.
    public var keyHash: [UInt8]?

    public init(uaid: UAID, channel: ChannelID, keyHash: [UInt8]? = nil) {
        self.uaid = uaid
        self.channel = channel
        self.keyHash = keyHash
    }
}

/// WebPush's tokens, sealed with the same keys as SimplePush's: subscription endpoints (v1:
/// UAID ‖ channel; v2: UAID ‖ key hash ‖ channel) and message ids (UAID ‖ timestamp ‖ slot ‖
/// channel), so `DELETE /m/<id>` and the device's ack need no lookup table.
extension EndpointTokenCodec {
    /// The path part of a subscription's endpoint: `v1/<token>` or `v2/<token>`.
    public func endpointPath(for subscription: Subscription) -> String {
        let head = subscription.uaid.bytes
        let channel = Array(subscription.channel.value.utf8)
        if let keyHash = subscription.keyHash {
            return "v2/" + seal(.webPushV2, payload: head + keyHash + channel)
        }
        return "v1/" + seal(.webPushV1, payload: head + channel)
    }

    /// The subscription a token names; `version` is the endpoint's path segment (`v1`, `v2`, or
    /// nil for `/wpush/<token>`, which is v1). Nil for a garbled token or one of another kind.
    public func subscription(token: String, version: String?) -> Subscription? {
        guard let (kind, payload) = open(token: token), payload.count > 16 else { return nil }
        let uaid = UAID(bytes: payload[..<16])
        switch (kind, version) {
        case (.webPushV1, nil), (.webPushV1, "v1"):
            guard let channel = ChannelID(String(decoding: payload[16...], as: UTF8.self)) else { return nil }
            return Subscription(uaid: uaid, channel: channel)
        case (.webPushV2, "v2"):
            guard payload.count > 48, let channel = ChannelID(String(decoding: payload[48...], as: UTF8.self)) else { return nil }
            return Subscription(uaid: uaid, channel: channel, keyHash: Array(payload[16 ..< 48]))
        default:
            return nil
        }
    }

    /// The id a stored (or live) message is acked and deleted by; the same each time it is made
    /// for the same message, so a redelivery carries the id the first delivery had.
    public func messageID(uaid: UAID, message: StoredMessage) -> String {
        let slot = Array(message.slotKey.utf8)
        let timestamp = (0 ..< 8).map { UInt8(truncatingIfNeeded: message.timestamp >> UInt64(56 - 8 * $0)) }
        return sealDeterministically(.messageID, payload: uaid.bytes + timestamp + [UInt8(slot.count)] + slot + Array(message.channel.value.utf8))
    }

    /// The device and the message a message id names; nil for anything else.
    public func openMessageID(_ text: String) -> (UAID, MessageReference)? {
        guard let (kind, payload) = open(token: text), kind == .messageID, payload.count > 25 else { return nil }
        let timestamp = payload[16 ..< 24].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let slotLength = Int(payload[24])
        let slotEnd = 25 + slotLength
        guard payload.count > slotEnd,
              let channel = ChannelID(String(decoding: payload[slotEnd...], as: UTF8.self))
        else { return nil }
        let slotKey = String(decoding: payload[25 ..< slotEnd], as: UTF8.self)
        return (UAID(bytes: payload[..<16]), MessageReference(channel: channel, slotKey: slotKey, match: .timestamp(timestamp)))
    }
}

extension StoredMessage {
    /// Its identity as the connection handler tracks sent, unacked messages.
    public var key: MessageKey { MessageKey(channel: channel, slotKey: slotKey, timestamp: timestamp) }
}
