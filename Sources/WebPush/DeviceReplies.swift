import JSON
import PushCore
import Routing

/// The server's messages to a WebPush device, as JSON text.
public enum DeviceReplies {
    public static let ping = "{}"

    public static func hello(_ uaid: UAID) -> String {
        JSONValue.object([
            ("messageType", .string("hello")), ("uaid", .string(uaid.hex)), ("status", .int(200)),
            ("use_webpush", .bool(true)), ("broadcasts", .object([])),
        ]).serialized
    }

    public static func register(_ channel: ChannelID, endpoint: String) -> String {
        JSONValue.object([
            ("messageType", .string("register")), ("channelID", .string(channel.value)), ("status", .int(200)),
            ("pushEndpoint", .string(endpoint)),
        ]).serialized
    }

    /// A register refused with `status` (400: bad channel id or key; 413: too many channels).
    public static func registerFailed(_ channel: String, status: Int) -> String {
        JSONValue.object([
            ("messageType", .string("register")), ("channelID", .string(channel)), ("status", .int(status)),
        ]).serialized
    }

    public static func unregister(_ channel: ChannelID) -> String {
        JSONValue.object([
            ("messageType", .string("unregister")), ("channelID", .string(channel.value)), ("status", .int(200)),
        ]).serialized
    }

    public static func notification(_ notification: WebPushNotification) -> String {
        var members: [(String, JSONValue)] = [
            ("messageType", .string("notification")), ("channelID", .string(notification.channel.value)),
            ("version", .string(notification.messageID)), ("ttl", .int(notification.ttl)),
        ]
        if let data = notification.data {
            members.append(("data", .string(data)))
            members.append(("headers", .object(notification.headers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        return JSONValue.object(members).serialized
    }
}
