import Crypto
import Foundation

/// The opening handshake (RFC 6455 section 4) for both sides, plus the small HTTP responses a
/// server on the WebSocket port needs.
public enum Handshake {
    /// Appended to the client's key before hashing (RFC 6455 section 1.3).
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// base64(SHA-1(key + GUID)), the `Sec-WebSocket-Accept` value.
    public static func acceptValue(forKey key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + acceptGUID).utf8))
        return Data(digest).base64EncodedString()
    }

    /// True when the request asks for a WebSocket upgrade at all, which tells a plain GET apart.
    public static func isUpgradeRequest(_ head: RequestHead) -> Bool {
        HeaderFields.contains(token: "websocket", in: head.header("Upgrade"))
    }

    /// Checks a client's upgrade request (RFC 6455 section 4.2.1) and returns its key.
    public static func validate(_ head: RequestHead) -> Result<String, HTTPFailure> {
        guard head.method == "GET" else {
            return .failure(HTTPFailure(status: 405, message: "WebSocket upgrade requires GET", extraHeaders: [("Allow", "GET")]))
        }
        guard head.version != "HTTP/1.0" else {
            return .failure(.badRequest("WebSocket upgrade requires HTTP/1.1"))
        }
        guard isUpgradeRequest(head) else {
            return .failure(.badRequest("missing Upgrade: websocket"))
        }
        guard HeaderFields.contains(token: "upgrade", in: head.header("Connection")) else {
            return .failure(.badRequest("missing Connection: Upgrade"))
        }
        guard head.header("Sec-WebSocket-Version")?.trimmingHTTPWhitespace() == "13" else {
            return .failure(HTTPFailure(status: 426, message: "unsupported Sec-WebSocket-Version, expected 13",
                                        extraHeaders: [("Sec-WebSocket-Version", "13")]))
        }
        guard let key = head.header("Sec-WebSocket-Key") else {
            return .failure(.badRequest("missing Sec-WebSocket-Key"))
        }
        guard isValidKey(key) else {
            return .failure(.badRequest("Sec-WebSocket-Key is not base64 of 16 bytes"))
        }
        return .success(key)
    }

    /// A key is the base64 encoding of 16 random bytes (always 24 characters with padding).
    static func isValidKey(_ key: String) -> Bool {
        key.utf8.count == 24 && Data(base64Encoded: key)?.count == 16
    }

    /// The complete 101 response accepting the upgrade for the client's `key`.
    public static func switchingProtocols(key: String) -> [UInt8] {
        HTTPResponse.bytes(status: 101, reason: HTTPFailure.reasonPhrase(for: 101), headers: [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", acceptValue(forKey: key)),
        ], body: nil)
    }

    /// A plain-text error response that closes the connection.
    public static func errorResponse(_ failure: HTTPFailure) -> [UInt8] {
        HTTPResponse.bytes(status: failure.status, reason: failure.reason,
                           headers: [("Content-Type", "text/plain; charset=utf-8")] + failure.extraHeaders,
                           body: failure.message + "\n")
    }

    /// A plain response with a body, for non-upgrade GETs on the WebSocket port; closes the connection.
    public static func response(status: Int, reason: String, contentType: String, body: String) -> [UInt8] {
        HTTPResponse.bytes(status: status, reason: reason, headers: [("Content-Type", contentType)], body: body)
    }

    // MARK: Client side

    /// An upgrade request as a client sends it.
    public static func clientRequest(host: String, path: String, key: String, origin: String?) -> [UInt8] {
        var text = "GET \(path) HTTP/1.1\r\n"
        text += "Host: \(host)\r\n"
        text += "Upgrade: websocket\r\n"
        text += "Connection: Upgrade\r\n"
        text += "Sec-WebSocket-Key: \(key)\r\n"
        text += "Sec-WebSocket-Version: 13\r\n"
        if let origin { text += "Origin: \(origin)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// A fresh random client key.
    public static func generateKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0 ..< 16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
    }

    /// Whether a server's response accepts the upgrade requested with `key` (RFC 6455 section 4.1).
    public static func isAccepted(_ response: ResponseHead, key: String) -> Bool {
        response.status == 101
            && HeaderFields.contains(token: "websocket", in: response.header("Upgrade"))
            && HeaderFields.contains(token: "upgrade", in: response.header("Connection"))
            && response.header("Sec-WebSocket-Accept") == acceptValue(forKey: key)
    }
}
