import Hummingbird
import PushCore

/// A JSON value with object keys kept in the order written, so responses read the way the
/// contract shows them.
enum JSONValue: Sendable {
    case string(String)
    case int(Int)
    case object([(String, JSONValue)])

    var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .string(let text): JSONValue.writeString(text, into: &out)
        case .int(let number): out += String(number)
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                JSONValue.writeString(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ text: String, into out: inout String) {
        out += "\""
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
        out += "\""
    }
}

extension Response {
    /// An `application/json` response.
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized)))
    }

    /// `{"status":<code>,["errno":<n>,]"error":"<message>"}`; errno only where the SimplePush
    /// error table has a matching entry.
    static func jsonError(
        _ status: HTTPResponse.Status, errno: ProtocolError? = nil, message: String, headers: HTTPFields = [:]
    ) -> Response {
        var members: [(String, JSONValue)] = [("status", .int(status.code))]
        if let errno { members.append(("errno", .int(errno.rawValue))) }
        members.append(("error", .string(message)))
        return .json(status, .object(members), headers: headers)
    }

    /// The `{}` body of an accepted update.
    static func emptyJSON(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        .json(status, .object([]), headers: headers)
    }
}
