import JSON
import PushCore

/// A decoded client message, or the error it must be answered with.
public enum ClientMessage {
    case ping
    /// `requested` is nil when the uaid was missing, empty or invalid; `gaveUAID` tells a
    /// non-empty uaid (valid or not) from a missing or empty one. `spelling` is how a valid
    /// uaid was written, so the reply can echo it exactly.
    case hello(requested: UAID?, channelCount: Int, gaveUAID: Bool, spelling: UAID.Spelling)
    case register(ChannelID)
    /// Unregister answers 200 for any channel id, valid or not, so the text is kept as sent.
    case unregister(String)
    case ack([(ChannelID, Version)])
    case purge

    /// The JSON object the client sent, kept to echo in error replies.
    public typealias Object = [(key: String, value: JSONValue)]

    public enum DecodeFailure: Error {
        /// Not JSON, or not an object: the socket is closed without a reply.
        case notAnObject
        /// A protocol error, answered with the client's object plus status and error.
        case protocolError(ProtocolError, Object)
    }

    /// Parses one text or binary frame. Message types and field names are matched
    /// case-insensitively. Before hello (`afterHello` false) a message that needs the handshake is
    /// refused with 201 before any of its fields is checked, as pushgo does.
    public static func decode(_ bytes: [UInt8], afterHello: Bool = true) -> Result<(ClientMessage, Object), DecodeFailure> {
        guard let object = JSONParser.parse(bytes)?.objectMembers else { return .failure(.notAnObject) }
        if object.isEmpty { return .success((.ping, object)) }
        do {
            return .success((try decode(fields: object, afterHello: afterHello), object))
        } catch let error as ProtocolError {
            return .failure(.protocolError(error, object))
        } catch {
            return .failure(.protocolError(.internalError, object))
        }
    }

    private static func decode(fields: Object, afterHello: Bool) throws -> ClientMessage {
        guard let type = fields.value(forCaseInsensitiveKey: "messagetype")?.stringValue else {
            throw ProtocolError.invalidHeader
        }
        let kind = type.lowercased()
        if !afterHello && (kind == "register" || kind == "unregister" || kind == "ack") {
            throw ProtocolError.requiresHandshake
        }
        switch kind {
        case "ping": return .ping
        case "purge": return .purge
        case "hello": return try hello(fields)
        case "register": return .register(try channel(fields))
        case "unregister": return .unregister(try channelText(fields))
        case "ack": return .ack(try acks(fields))
        default: throw ProtocolError.unsupportedType
        }
    }

    private static func hello(_ fields: Object) throws -> ClientMessage {
        let text = fields.value(forCaseInsensitiveKey: "uaid")?.stringValue
        let requested = text.flatMap(UAID.init)
        var count = 0
        switch fields.value(forCaseInsensitiveKey: "channelids") {
        case nil, .null?: break
        case .array(let list)?:
            guard list.allSatisfy({ $0.stringValue != nil }) else { throw ProtocolError.invalidFields }
            count = list.count
        default: throw ProtocolError.invalidFields
        }
        let spelling = requested == nil ? UAID.Spelling.canonical : UAID.Spelling(of: text ?? "")
        return .hello(requested: requested, channelCount: count, gaveUAID: !(text ?? "").isEmpty, spelling: spelling)
    }

    private static func channel(_ fields: Object) throws -> ChannelID {
        guard let id = ChannelID(try channelText(fields)) else { throw ProtocolError.invalidFields }
        return id
    }

    private static func channelText(_ fields: Object) throws -> String {
        switch fields.value(forCaseInsensitiveKey: "channelid") {
        case nil, .null?: throw ProtocolError.missingChannelID
        case .string(let text)?:
            guard !text.isEmpty else { throw ProtocolError.missingChannelID }
            return text
        default: throw ProtocolError.invalidFields
        }
    }

    /// Entries that are not {channelID, version ≥ 0} are skipped, as pushgo does.
    private static func acks(_ fields: Object) throws -> [(ChannelID, Version)] {
        switch fields.value(forCaseInsensitiveKey: "updates") {
        case nil, .null?: throw ProtocolError.missingFields
        case .array(let list)?:
            guard !list.isEmpty else { throw ProtocolError.missingFields }
            return list.compactMap { entry in
                guard let update = entry.objectMembers,
                      let text = update.value(forCaseInsensitiveKey: "channelid")?.stringValue,
                      let id = ChannelID(text),
                      let version = integerVersion(update.value(forCaseInsensitiveKey: "version")) else { return nil }
                return (id, version)
            }
        default: throw ProtocolError.invalidFields
        }
    }

    /// A JSON number that is a whole value in 0...Int64.max (`5`, `5.0` and `5e0` alike).
    /// Booleans and strings are not versions.
    static func integerVersion(_ value: JSONValue?) -> Version? {
        guard let version = value?.integerValue, version >= 0 else { return nil }
        return version
    }
}
