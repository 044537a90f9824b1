import Foundation
import PushCore

/// Server → client messages. Built as text directly: the fields are ours, and only `data` and
/// echoed client objects need JSON escaping.
public enum Replies {
    public static let ping = "{}"

    public static func hello(_ uaid: UAID) -> String {
        #"{"messageType":"hello","uaid":"\#(uaid.hex)","status":200}"#
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

    /// The client's own object plus status and error. The message type is written in its canonical
    /// lower-case form whatever the client's spelling.
    public static func error(_ error: ProtocolError, echoing object: ClientMessage.Object) -> String {
        var reply: [String: Any] = [:]
        for (key, value) in object where key.lowercased() != "messagetype" { reply[key] = value }
        if let type = object.first(where: { $0.key.lowercased() == "messagetype" })?.value {
            reply["messageType"] = (type as? String)?.lowercased() ?? type
        }
        reply["status"] = error.status
        reply["error"] = error.message
        guard let data = try? JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys]) else {
            return #"{"status":\#(error.status),"error":"\#(error.message)"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
