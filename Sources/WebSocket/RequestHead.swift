/// The parsed start line and header fields of an HTTP/1.x request.
public struct RequestHead: Sendable {
    public var method: String
    public var target: String
    public var version: String
    /// Header fields in arrival order, names as sent.
    public var headers: [(name: String, value: String)]

    public init(method: String, target: String, version: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// The value of a header, matched case-insensitively; repeated fields are joined with ", "
    /// as RFC 9110 section 5.3 allows.
    public func header(_ name: String) -> String? {
        HeaderFields.value(of: name, in: headers)
    }

    /// The request target without its query (and fragment, should a client send one).
    public var path: String {
        guard let end = target.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return target }
        return String(target[..<end])
    }
}

public enum RequestHeadParseResult: Sendable {
    case needMore
    case head(RequestHead, consumed: Int)
    case failure(HTTPFailure)
}

/// Lookups shared by request and response heads, and by the endpoint's header checks.
public enum HeaderFields {
    static func value(of name: String, in headers: [(name: String, value: String)]) -> String? {
        var joined: String?
        for field in headers where equalsIgnoringASCIICase(field.name, name) {
            joined = joined.map { $0 + ", " + field.value } ?? field.value
        }
        return joined
    }

    /// Whether a comma-separated header value lists `token` (case-insensitive), e.g.
    /// `Connection: keep-alive, Upgrade` contains `upgrade`.
    static func contains(token: String, in value: String?) -> Bool {
        guard let value else { return false }
        return value.split(separator: ",").contains { item in
            equalsIgnoringASCIICase(item.trimmingHTTPWhitespace(), token)
        }
    }

    public static func equalsIgnoringASCIICase<A: StringProtocol, B: StringProtocol>(_ lhs: A, _ rhs: B) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8) { asciiLowercase($0) == asciiLowercase($1) }
    }

    private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }
}

extension StringProtocol {
    /// Drops leading and trailing spaces and tabs (HTTP's optional whitespace). On the UTF-8
    /// view: the endpoint trims on every request. Both ends are ASCII bytes, so the indices found
    /// there are character boundaries.
    public func trimmingHTTPWhitespace() -> SubSequence {
        let isWhitespace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        // A Substring's UTF-8 view runs both ways and shares this value's indices.
        let bytes = Substring(self).utf8
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
              let last = bytes.lastIndex(where: { !isWhitespace($0) }) else { return self[endIndex...] }
        return self[first..<bytes.index(after: last)]
    }
}
