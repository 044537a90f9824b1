import Hummingbird
import JSON

/// A whole response in memory: what the inline routes write, and what the JSON helpers build.
public struct PlainResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteBuffer

    public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// An `application/json` response.
    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> PlainResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return PlainResponse(status: status, headers: headers, body: ByteBuffer(string: value.serialized))
    }

    /// `{"status":<code>,["errno":<n>,]"error":"<message>"}`; errno only where the protocol's
    /// error table has a matching entry.
    public static func jsonError(
        _ status: HTTPResponse.Status, errno: Int? = nil, message: String, headers: HTTPFields = [:]
    ) -> PlainResponse {
        var members: [(String, JSONValue)] = [("status", .int(status.code))]
        if let errno { members.append(("errno", .int(errno))) }
        members.append(("error", .string(message)))
        return .json(status, .object(members), headers: headers)
    }

    /// The `{}` body of an accepted update.
    public static func emptyJSON(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> PlainResponse {
        .json(status, .object([]), headers: headers)
    }
}

extension Response {
    public init(_ plain: PlainResponse) {
        self.init(status: plain.status, headers: plain.headers, body: .init(byteBuffer: plain.body))
    }

    /// An `application/json` response.
    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        Response(PlainResponse.json(status, value, headers: headers))
    }

    /// `PlainResponse.jsonError` as a Hummingbird response.
    public static func jsonError(
        _ status: HTTPResponse.Status, errno: Int? = nil, message: String, headers: HTTPFields = [:]
    ) -> Response {
        Response(PlainResponse.jsonError(status, errno: errno, message: message, headers: headers))
    }

    /// The `{}` body of an accepted update.
    public static func emptyJSON(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(PlainResponse.emptyJSON(status, headers: headers))
    }
}
