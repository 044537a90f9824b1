/// An HTTP error to answer a bad request head or upgrade with, before closing the connection.
public struct HTTPFailure: Error, Equatable, Sendable {
    public var status: Int
    public var reason: String
    /// Human-readable text for the response body.
    public var message: String
    /// Headers the status requires, e.g. `Allow` with 405 or `Sec-WebSocket-Version` with 426.
    public var extraHeaders: [(String, String)]

    public init(status: Int, reason: String? = nil, message: String, extraHeaders: [(String, String)] = []) {
        self.status = status
        self.reason = reason ?? HTTPFailure.reasonPhrase(for: status)
        self.message = message
        self.extraHeaders = extraHeaders
    }

    public static func == (lhs: HTTPFailure, rhs: HTTPFailure) -> Bool {
        lhs.status == rhs.status && lhs.reason == rhs.reason && lhs.message == rhs.message
            && lhs.extraHeaders.elementsEqual(rhs.extraHeaders, by: { $0 == $1 })
    }

    public static func badRequest(_ message: String) -> HTTPFailure {
        HTTPFailure(status: 400, message: message)
    }

    public static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 414: return "URI Too Long"
        case 426: return "Upgrade Required"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Error"
        }
    }
}
