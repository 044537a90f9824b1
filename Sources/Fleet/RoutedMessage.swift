import Foundation
import PushCore
import Routing

/// A message as one node hands it to another (`PUT /push/<uaid>` on the router listener): JSON,
/// one shape for both protocols, told apart by `kind`.
struct RoutedMessage: Codable, Equatable {
    var kind: String
    var channelID: String
    // SimplePush
    var version: Int64?
    var data: String?
    // WebPush
    var messageID: String?
    var slotKey: String?
    var timestamp: UInt64?
    var ttl: Int?
    var urgency: String?
    var headers: [String: String]?

    init(_ message: PushMessage) {
        switch message {
        case .simplePush(let update):
            self.init(kind: "simplepush", channelID: update.channelID.value, version: update.version, data: update.data)
        case .webPush(let notification):
            self.init(kind: "webpush", channelID: notification.channel.value, data: notification.data,
                      messageID: notification.messageID, slotKey: notification.key.slotKey, timestamp: notification.key.timestamp,
                      ttl: notification.ttl, urgency: notification.urgency.rawValue, headers: notification.headers)
        }
    }

    private init(kind: String, channelID: String, version: Int64? = nil, data: String? = nil, messageID: String? = nil,
                 slotKey: String? = nil, timestamp: UInt64? = nil, ttl: Int? = nil, urgency: String? = nil,
                 headers: [String: String]? = nil) {
        (self.kind, self.channelID, self.version, self.data) = (kind, channelID, version, data)
        (self.messageID, self.slotKey, self.timestamp, self.ttl, self.urgency, self.headers) = (messageID, slotKey, timestamp, ttl, urgency, headers)
    }

    /// The message again; nil for a body that is not one.
    var message: PushMessage? {
        guard let channel = ChannelID(channelID) else { return nil }
        switch kind {
        case "simplepush":
            guard let version, version >= 0 else { return nil }
            return .simplePush(Update(channelID: channel, version: version, data: data))
        case "webpush":
            guard let messageID, let slotKey, let timestamp, let ttl, let urgency = urgency.flatMap(Urgency.init(rawValue:)) else { return nil }
            return .webPush(WebPushNotification(channel: channel, messageID: messageID,
                                                key: MessageKey(channel: channel, slotKey: slotKey, timestamp: timestamp),
                                                ttl: ttl, urgency: urgency, data: data, headers: headers ?? [:]))
        default:
            return nil
        }
    }

    var encoded: Data { (try? JSONEncoder().encode(self)) ?? Data() }

    static func decode(_ bytes: Data) -> PushMessage? {
        (try? JSONDecoder().decode(RoutedMessage.self, from: bytes))?.message
    }
}
