import Foundation
import PushCore

/// A decoded client message, or the error it must be answered with.
public enum ClientMessage {
    case ping
    /// `requested` is nil when the uaid was missing, empty or invalid; `gaveUAID` tells a
    /// non-empty uaid (valid or not) from a missing or empty one.
    case hello(requested: UAID?, channelCount: Int, gaveUAID: Bool)
    case register(ChannelID)
    /// Unregister answers 200 for any channel id, valid or not, so the text is kept as sent.
    case unregister(String)
    case ack([(ChannelID, Version)])
    case purge

    /// The JSON object the client sent, kept to echo in error replies.
    public typealias Object = [String: Any]

    public enum DecodeFailure: Error {
        /// Not JSON, or not an object: the socket is closed without a reply.
        case notAnObject
        /// A protocol error, answered with the client's object plus status and error.
        case protocolError(ProtocolError, Object)
    }

    /// Parses one text or binary frame. Message types and field names are matched case-insensitively.
    public static func decode(_ bytes: [UInt8]) -> Result<(ClientMessage, Object), DecodeFailure> {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
              let object = parsed as? Object else {
            return .failure(.notAnObject)
        }
        if object.isEmpty { return .success((.ping, object)) }
        var fields: [String: Any] = [:]
        for (key, value) in object { fields[key.lowercased()] = value }
        do {
            return .success((try decode(fields: fields), object))
        } catch let error as ProtocolError {
            return .failure(.protocolError(error, object))
        } catch {
            return .failure(.protocolError(.internalError, object))
        }
    }

    private static func decode(fields: [String: Any]) throws -> ClientMessage {
        guard let type = fields["messagetype"] as? String else { throw ProtocolError.invalidHeader }
        switch type.lowercased() {
        case "ping": return .ping
        case "purge": return .purge
        case "hello": return try hello(fields)
        case "register": return .register(try channel(fields))
        case "unregister": return .unregister(try channelText(fields))
        case "ack": return .ack(try acks(fields))
        default: throw ProtocolError.unsupportedType
        }
    }

    private static func hello(_ fields: [String: Any]) throws -> ClientMessage {
        let text = fields["uaid"] as? String
        let requested = text.flatMap(UAID.init)
        var count = 0
        if let ids = fields["channelids"], !(ids is NSNull) {
            guard let list = ids as? [Any], list.allSatisfy({ $0 is String }) else { throw ProtocolError.invalidFields }
            count = list.count
        }
        return .hello(requested: requested, channelCount: count, gaveUAID: !(text ?? "").isEmpty)
    }

    private static func channel(_ fields: [String: Any]) throws -> ChannelID {
        guard let id = ChannelID(try channelText(fields)) else { throw ProtocolError.invalidFields }
        return id
    }

    private static func channelText(_ fields: [String: Any]) throws -> String {
        guard let value = fields["channelid"], !(value is NSNull) else { throw ProtocolError.missingChannelID }
        guard let text = value as? String else { throw ProtocolError.invalidFields }
        guard !text.isEmpty else { throw ProtocolError.missingChannelID }
        return text
    }

    /// Entries that are not {channelID, version ≥ 0} are skipped, as pushgo does.
    private static func acks(_ fields: [String: Any]) throws -> [(ChannelID, Version)] {
        guard let value = fields["updates"], !(value is NSNull) else { throw ProtocolError.missingFields }
        guard let list = value as? [Any] else { throw ProtocolError.invalidFields }
        guard !list.isEmpty else { throw ProtocolError.missingFields }
        return list.compactMap { entry in
            guard let update = entry as? [String: Any] else { return nil }
            var lowered: [String: Any] = [:]
            for (key, value) in update { lowered[key.lowercased()] = value }
            guard let text = lowered["channelid"] as? String, let id = ChannelID(text),
                  let version = integerVersion(lowered["version"]) else { return nil }
            return (id, version)
        }
    }

    /// A JSON number that is a whole value in 0...Int64.max. Booleans (NSNumbers of type "c"
    /// on Linux) are not versions.
    static func integerVersion(_ value: Any?) -> Version? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        let double = number.doubleValue
        guard double >= 0, double.rounded() == double, double < 9.3e18 else { return nil }
        // Past Int64.max the conversion wraps negative: those are rejected here.
        let version = number.int64Value
        return version >= 0 ? version : nil
    }
}
