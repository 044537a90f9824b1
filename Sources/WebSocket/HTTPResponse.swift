/// Serialises the few HTTP/1.1 responses the WebSocket port sends. Everything but the 101 closes the
/// connection afterwards, so no keep-alive handling is needed.
enum HTTPResponse {
    static func bytes(status: Int, reason: String, headers: [(String, String)], body: String?) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(sanitized(reason))\r\n"
        for (name, value) in headers {
            text += "\(sanitized(name)): \(sanitized(value))\r\n"
        }
        if let body {
            text += "Content-Length: \(body.utf8.count)\r\n"
            text += "Connection: close\r\n\r\n"
            text += body
        } else {
            text += "\r\n"
        }
        return Array(text.utf8)
    }

    /// Header text must not be able to end the line it is on (response splitting).
    private static func sanitized(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return text }
        return String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
    }
}
