import Hummingbird
import JSON

extension Response {
    /// An `application/json` response.
    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized)))
    }

    /// `{"status":<code>,["errno":<n>,]"error":"<message>"}`; errno only where the protocol's
    /// error table has a matching entry.
    public static func jsonError(
        _ status: HTTPResponse.Status, errno: Int? = nil, message: String, headers: HTTPFields = [:]
    ) -> Response {
        var members: [(String, JSONValue)] = [("status", .int(status.code))]
        if let errno { members.append(("errno", .int(errno))) }
        members.append(("error", .string(message)))
        return .json(status, .object(members), headers: headers)
    }

    /// The `{}` body of an accepted update.
    public static func emptyJSON(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        .json(status, .object([]), headers: headers)
    }
}
