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

/// One WebPush notification: the version is the server's message id, a string.
public struct WebPushUpdate: Equatable, Sendable {
    public var channelID: String
    public var messageID: String

    public init(channelID: String, messageID: String) {
        self.channelID = channelID
        self.messageID = messageID
    }
}

/// What the server can say to a device, reduced to what the load tester acts on.
public enum ServerMessage: Equatable, Sendable {
    case hello(status: Int, uaid: String)
    case register(status: Int, channelID: String, pushEndpoint: String?)
    case notification([UpdateRef])
    case webPushNotification(WebPushUpdate)
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
            // SimplePush's `updates` list is looked for first, so that mode pays for nothing new.
            if let list = value[caseInsensitive: "updates"]?.arrayValue {
                self = .notification(list.compactMap { item -> UpdateRef? in
                    guard let channel = item[caseInsensitive: "channelID"]?.stringValue, let version = item[caseInsensitive: "version"]?.integerValue else { return nil }
                    return UpdateRef(channelID: channel, version: version)
                })
            } else if let channel = value[caseInsensitive: "channelID"]?.stringValue,
                      let messageID = value[caseInsensitive: "version"]?.stringValue, !messageID.isEmpty {
                self = .webPushNotification(WebPushUpdate(channelID: channel, messageID: messageID))
            } else {
                self = .notification([])
            }
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

    /// WebPush's hello: the server keeps the channels, so a resume names only the UAID.
    public static func webPushHello(uaid: String) -> [UInt8] {
        let resume = uaid.isEmpty ? "" : #","uaid":""# + uaid + "\""
        return Array((#"{"messageType":"hello","use_webpush":true,"broadcasts":{}"# + resume + "}").utf8)
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

    /// Acknowledges one WebPush notification as delivered (code 100). The id is the server's, so
    /// it is quoted as JSON rather than trusted to need no escaping.
    public static func webPushAck(_ update: WebPushUpdate) -> [UInt8] {
        Array((#"{"messageType":"ack","updates":[{"channelID":""# + update.channelID + #"","version":"#
            + JSONValue.quoted(update.messageID) + #","code":100}]}"#).utf8)
    }
}
