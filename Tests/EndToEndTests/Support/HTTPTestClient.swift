import Foundation

/// A minimal HTTP/1.1 client over a fresh TCP connection per request ("Connection: close"),
/// so the bytes on the wire are exactly what a test wrote.
enum HTTPTestClient {
    static let defaultTimeout = 5.0

    static func request(_ method: String, port: Int, path: String, headers: [(String, String)] = [],
                        body: [UInt8] = [], timeout: Double = defaultTimeout) throws -> HTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || ["PUT", "POST"].contains(method) { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try exchange(port: port, rawRequest: Array(head.utf8) + body, timeout: timeout)
    }

    /// Sends `url`'s method to an absolute `http(s)://127.0.0.1:<port>/...` URL (the connection
    /// speaks TLS when the port is a TLS port).
    static func request(_ method: String, url: String, headers: [(String, String)] = [],
                        body: [UInt8] = [], timeout: Double = defaultTimeout) throws -> HTTPResponse {
        guard let components = URLComponents(string: url), components.scheme == "http" || components.scheme == "https",
              let port = components.port else { throw TestFailure("not an http(s) URL with a port: \(url)") }
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        return try request(method, port: port, path: path, headers: headers, body: body, timeout: timeout)
    }

    /// PUT with a form body, the way app servers notify: `version=N&data=…` (only the given fields).
    static func put(_ url: String, version: String? = nil, data: String? = nil) throws -> HTTPResponse {
        var fields: [String] = []
        if let version { fields.append("version=" + formEncode(version)) }
        if let data { fields.append("data=" + formEncode(data)) }
        return try request("PUT", url: url, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                           body: Array(fields.joined(separator: "&").utf8))
    }

    static func get(_ url: String) throws -> HTTPResponse {
        try request("GET", url: url)
    }

    /// Writes raw request bytes and reads one response: body by Content-Length, chunked encoding,
    /// or up to the close.
    static func exchange(port: Int, rawRequest: [UInt8], timeout: Double = defaultTimeout) throws -> HTTPResponse {
        let deadline = Deadline(seconds: timeout)
        let connection = try TCPConnection(port: port)
        defer { connection.close() }
        try connection.write(rawRequest)

        var received: [UInt8] = []
        var peerClosed = false
        func readMore() throws {
            switch try connection.read(until: deadline) {
            case .bytes(let chunk): received += chunk
            case .closed: peerClosed = true
            case .timedOut:
                throw TestFailure("no complete HTTP response within \(timeout) s; got \(String(decoding: received, as: UTF8.self).debugDescription)")
            }
        }

        var headEnd = endOfHTTPHead(in: received)
        while headEnd == nil {
            if peerClosed { throw TestFailure("connection closed before a full HTTP head; got \(String(decoding: received, as: UTF8.self).debugDescription)") }
            try readMore()
            headEnd = endOfHTTPHead(in: received)
        }
        let head = try HTTPResponseHead(parsing: String(decoding: received[..<(headEnd! - 4)], as: UTF8.self))
        var body = Array(received[headEnd!...])

        if let lengthText = head.header("Content-Length") {
            guard let length = Int(lengthText) else { throw TestFailure("bad Content-Length \(lengthText)") }
            while body.count < length {
                if peerClosed { throw TestFailure("body cut short: \(body.count) of \(length) bytes") }
                let before = received.count
                try readMore()
                body += received[before...]
            }
            return HTTPResponse(head: head, body: Array(body.prefix(length)))
        }
        if head.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            while true {
                if let decoded = try decodeChunked(body) { return HTTPResponse(head: head, body: decoded) }
                if peerClosed { throw TestFailure("chunked body cut short") }
                let before = received.count
                try readMore()
                body += received[before...]
            }
        }
        // Neither length nor chunking: the body ends when the server closes.
        while !peerClosed {
            let before = received.count
            try readMore()
            body += received[before...]
        }
        return HTTPResponse(head: head, body: body)
    }

    /// The decoded body once the terminating zero-size chunk has arrived, else nil.
    private static func decodeChunked(_ bytes: [UInt8]) throws -> [UInt8]? {
        var decoded: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = findCRLF(bytes, from: index) else { return nil }
            let sizeText = String(decoding: bytes[index ..< lineEnd], as: UTF8.self)
                .split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw TestFailure("bad chunk size \(sizeText.debugDescription)")
            }
            let dataStart = lineEnd + 2
            if size == 0 { return decoded }
            guard bytes.count >= dataStart + size + 2 else { return nil }
            decoded += bytes[dataStart ..< dataStart + size]
            index = dataStart + size + 2
        }
    }

    private static func findCRLF(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// application/x-www-form-urlencoded value encoding (spaces as %20, which every decoder accepts).
    static func formEncode(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
