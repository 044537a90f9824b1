import Foundation

/// The status line and headers of an HTTP/1.1 response.
struct HTTPResponseHead {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]

    /// The first value of a header, matched case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Parses a head (without the blank line that ends it).
    init(parsing text: String) throws {
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else {
            throw TestFailure("not an HTTP/1.x status line: \(statusLine.debugDescription)")
        }
        status = code
        reason = parts.count > 2 ? String(parts[2]) : ""
        headers = try lines.map { line in
            guard let colon = line.firstIndex(of: ":") else { throw TestFailure("malformed header line \(line.debugDescription)") }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }
}

/// A complete HTTP response.
struct HTTPResponse: CustomStringConvertible {
    var head: HTTPResponseHead
    var body: [UInt8]

    var status: Int { head.status }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { head.header(name) }

    /// The body as a JSON object; throws with the body in the message when it is not one.
    func jsonObject() throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestFailure("HTTP \(status) body is not a JSON object: \(text.debugDescription)")
        }
        return object
    }

    var description: String { "HTTP \(status) \(head.reason) body=\(text.debugDescription)" }
}

/// Finds the end of an HTTP head ("\r\n\r\n"); returns the index just past it.
func endOfHTTPHead(in bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0 ... bytes.count - 4
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
        return index + 4
    }
    return nil
}
