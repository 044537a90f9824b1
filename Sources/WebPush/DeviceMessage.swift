import JSON
import PushCore
import VAPID

/// A message from a WebPush device (Firefox's push service), decoded. Field names and message
/// types are matched case-insensitively, as on the SimplePush side.
public enum DeviceMessage: Equatable, Sendable {
    case ping
    /// `uaid` is nil when missing or not a UAID.
    case hello(uaid: UAID?)
    /// `key` is the raw P-256 application server key of a restricted subscription.
    case register(ChannelID, key: [UInt8]?)
    /// A register the server answers with status 400 (bad channel id or key), echoing `channel`.
    case badRegister(channel: String)
    case unregister(ChannelID)
    /// The message ids (`version`) the device acknowledges.
    case ack([String])
    case nack
    case broadcastSubscribe
    /// Not an object, no known `messageType`, or fields of the wrong kind: the connection closes.
    case invalid

    public static func decode(_ bytes: [UInt8]) -> DeviceMessage {
        guard let fields = JSONParser.parse(bytes)?.objectMembers else { return .invalid }
        if fields.isEmpty { return .ping }
        guard let type = fields.value(forCaseInsensitiveKey: "messagetype")?.stringValue else { return .invalid }
        switch type.lowercased() {
        case "hello":
            return .hello(uaid: fields.value(forCaseInsensitiveKey: "uaid")?.stringValue.flatMap(UAID.init))
        case "register":
            return register(fields)
        case "unregister":
            guard let channel = fields.value(forCaseInsensitiveKey: "channelid")?.stringValue.flatMap(ChannelID.init) else {
                return .invalid
            }
            return .unregister(channel)
        case "ack":
            guard let updates = fields.value(forCaseInsensitiveKey: "updates")?.arrayValue else { return .invalid }
            var versions: [String] = []
            for update in updates {
                guard let version = update.objectMembers?.value(forCaseInsensitiveKey: "version")?.stringValue else { return .invalid }
                versions.append(version)
            }
            return .ack(versions)
        case "nack": return .nack
        case "broadcast_subscribe": return .broadcastSubscribe
        case "ping": return .ping
        default: return .invalid
        }
    }

    /// Whether a connection's first message is a WebPush hello (`"use_webpush": true`).
    public static func isWebPushHello(_ bytes: [UInt8]) -> Bool {
        guard let fields = JSONParser.parse(bytes)?.objectMembers,
              fields.value(forCaseInsensitiveKey: "messagetype")?.stringValue?.lowercased() == "hello",
              case .bool(true) = fields.value(forCaseInsensitiveKey: "use_webpush")
        else { return false }
        return true
    }

    private static func register(_ fields: [(key: String, value: JSONValue)]) -> DeviceMessage {
        let text = fields.value(forCaseInsensitiveKey: "channelid")?.stringValue ?? ""
        guard let channel = ChannelID(text) else { return .badRegister(channel: text) }
        guard let keyValue = fields.value(forCaseInsensitiveKey: "key") else { return .register(channel, key: nil) }
        // Firefox sends the key base64url with '=' padding; either form is taken.
        guard let keyText = keyValue.stringValue, let key = try? VAPIDCredentials.decodeKey(keyText) else {
            return .badRegister(channel: text)
        }
        return .register(channel, key: key)
    }
}
