import JSON
import PushCore

/// Server → client messages. Built as text directly: the fields are ours, and only `data` and
/// echoed client objects need JSON escaping.
public enum Replies {
    public static let ping = "{}"

    /// The UAID is written the way the device spelled it.
    public static func hello(_ uaid: UAID, spelling: UAID.Spelling = .canonical) -> String {
        #"{"messageType":"hello","uaid":"\#(uaid.text(spelling))","status":200}"#
    }

    public static func register(_ channel: ChannelID, endpoint: String) -> String {
        #"{"messageType":"register","channelID":"\#(channel.value)","status":200,"pushEndpoint":\#(quoted(endpoint))}"#
    }

    public static func tooManyChannels(_ channel: ChannelID) -> String {
        #"{"messageType":"register","channelID":"\#(channel.value)","status":503,"error":"Too many channels"}"#
    }

    /// Any text the device sent as channel id: unregister always answers 200.
    public static func unregister(_ channel: String) -> String {
        #"{"messageType":"unregister","channelID":\#(quoted(channel)),"status":200}"#
    }

    /// One message with every update; `data` only where there is some.
    public static func notification(_ updates: [Update]) -> String {
        let items = updates.map { update -> String in
            var item = #"{"channelID":"\#(update.channelID.value)","version":\#(update.version)"#
            if let data = update.data { item += #","data":\#(quoted(data))"# }
            return item + "}"
        }
        return #"{"messageType":"notification","updates":["# + items.joined(separator: ",") + "]}"
    }

    /// The client's own object plus status and error, keys sorted. The message type is written
    /// in its canonical lower-case form whatever the client's spelling.
    public static func error(_ error: ProtocolError, echoing object: ClientMessage.Object) -> String {
        var members: [String: JSONValue] = [:]
        for member in object where member.key.lowercased() != "messagetype" { members[member.key] = member.value }
        if let type = object.value(forCaseInsensitiveKey: "messagetype") {
            members["messageType"] = type.stringValue.map { .string($0.lowercased()) } ?? type
        }
        members["status"] = .int(error.status)
        members["error"] = .string(error.message)
        return JSONValue.object(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }).serialized
    }

    static func quoted(_ text: String) -> String { JSONValue.quoted(text) }
}
