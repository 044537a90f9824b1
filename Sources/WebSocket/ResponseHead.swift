/// The status line and header fields of an HTTP/1.x response; clients (tests, load tools) use it
/// to read the answer to their upgrade request.
public struct ResponseHead: Sendable {
    public var version: String
    public var status: Int
    public var reason: String
    public var headers: [(name: String, value: String)]

    public init(version: String, status: Int, reason: String, headers: [(name: String, value: String)]) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// Case-insensitive; repeated fields are joined with ", ".
    public func header(_ name: String) -> String? {
        HeaderFields.value(of: name, in: headers)
    }
}

public enum ResponseHeadParseResult: Sendable {
    case needMore
    case head(ResponseHead, consumed: Int)
    case invalid(String)
}

public enum ResponseHeadParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxHeadBytes: Int = 8192) -> ResponseHeadParseResult {
        let scanner = HeadScanner(maxHeadBytes: maxHeadBytes, maxStartLine: maxHeadBytes, maxFields: RequestHeadParser.maxHeaderFields)
        switch scanner.scan(bytes) {
        case .needMore: return .needMore
        case .failure(let failure): return .invalid(failure.message)
        case .complete(let lines):
            guard let (version, status, reason) = statusLine(bytes, lines.startLine) else {
                return .invalid("malformed status line")
            }
            var headers: [(name: String, value: String)] = []
            for line in lines.fieldLines {
                guard let field = HeadScanner.field(bytes, line) else { return .invalid("malformed header field") }
                headers.append(field)
            }
            return .head(ResponseHead(version: version, status: status, reason: reason, headers: headers), consumed: lines.consumed)
        }
    }

    /// `HTTP-version SP 3DIGIT SP reason-phrase`; the reason may be empty or hold spaces.
    private static func statusLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> (String, Int, String)? {
        guard line.count >= 12 else { return nil }
        let version = line.lowerBound ..< line.lowerBound + 8
        let code = version.upperBound + 1 ..< version.upperBound + 4
        guard HeadScanner.isHTTP1(bytes, version), bytes[version.upperBound] == 0x20,
              code.allSatisfy({ (0x30...0x39).contains(bytes[$0]) }),
              let status = Int(HeadScanner.string(bytes, code)) else { return nil }
        // Some servers drop the space before an empty reason; tolerate that.
        guard code.upperBound == line.upperBound || bytes[code.upperBound] == 0x20 else { return nil }
        let reason = min(code.upperBound + 1, line.upperBound) ..< line.upperBound
        return (HeadScanner.string(bytes, version), status, HeadScanner.string(bytes, reason))
    }
}
