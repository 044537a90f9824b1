import JSON
/// One update inside a notification or an ack.
public struct UpdateRef: Equatable, Sendable {
    public var channelID: String
    public var version: Int64

    public init(channelID: String, version: Int64) {
        self.channelID = channelID
        self.version = version
    }
}

/// What the server can say to a device, reduced to what the load tester acts on.
public enum ServerMessage: Equatable, Sendable {
    case hello(status: Int, uaid: String)
    case register(status: Int, channelID: String, pushEndpoint: String?)
    case notification([UpdateRef])
    /// The `{}` reply to a ping.
    case pong
    /// Anything else, including error replies; `status` is nil when absent.
    case other(messageType: String, status: Int?)

    /// Decodes one text message; nil when it is not a JSON object.
    public init?(json bytes: UnsafeRawBufferPointer) {
        guard let value = JSONParser.parse(bytes), let members = value.objectMembers else { return nil }
        if members.isEmpty {
            self = .pong
            return
        }
        let type = value[caseInsensitive: "messageType"]?.stringValue?.lowercased() ?? ""
        let status = value[caseInsensitive: "status"]?.integerValue.map { Int(clamping: $0) }
        switch type {
        case "hello":
            self = .hello(status: status ?? 0, uaid: value[caseInsensitive: "uaid"]?.stringValue ?? "")
        case "register":
            self = .register(status: status ?? 0, channelID: value[caseInsensitive: "channelID"]?.stringValue ?? "",
                             pushEndpoint: value[caseInsensitive: "pushEndpoint"]?.stringValue)
        case "notification":
            let updates = (value[caseInsensitive: "updates"]?.arrayValue ?? []).compactMap { item -> UpdateRef? in
                guard let channel = item[caseInsensitive: "channelID"]?.stringValue, let version = item[caseInsensitive: "version"]?.integerValue else { return nil }
                return UpdateRef(channelID: channel, version: version)
            }
            self = .notification(updates)
        default:
            self = .other(messageType: type, status: status)
        }
    }
}

/// The JSON a device sends. Channel IDs and UAIDs are hex and dashes, so nothing needs escaping.
public enum ClientMessage {
    public static func hello(uaid: String, channelIDs: [String]) -> [UInt8] {
        var text = #"{"messageType":"hello","uaid":""# + uaid + #"","channelIDs":["#
        text += channelIDs.map { "\"\($0)\"" }.joined(separator: ",")
        text += "]}"
        return Array(text.utf8)
    }

    public static func register(channelID: String) -> [UInt8] {
        Array((#"{"messageType":"register","channelID":""# + channelID + #""}"#).utf8)
    }

    public static func ack(_ updates: [UpdateRef]) -> [UInt8] {
        var text = #"{"messageType":"ack","updates":["#
        text += updates.map { #"{"channelID":""# + $0.channelID + #"","version":\#($0.version)}"# }.joined(separator: ",")
        text += "]}"
        return Array(text.utf8)
    }
}
