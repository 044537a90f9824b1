/// Parses an HTTP/1.x request head from the front of a byte buffer: the WebSocket upgrade, and plain
/// GETs (such as status pages) arriving on the same port.
public enum RequestHeadParser {
    public static let maxRequestLine = 2048
    public static let maxHeaderFields = 64

    /// Limits: the whole head ≤ `maxHeadBytes` (else 431), at most 64 header fields (431), a request
    /// line of at most 2048 bytes (414). A malformed request line or header field, or a version
    /// other than HTTP/1.x, gives 400.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxHeadBytes: Int = 8192) -> RequestHeadParseResult {
        let scanner = HeadScanner(maxHeadBytes: maxHeadBytes, maxStartLine: maxRequestLine, maxFields: maxHeaderFields)
        switch scanner.scan(bytes) {
        case .needMore: return .needMore
        case .failure(let failure): return .failure(failure)
        case .complete(let lines):
            guard let (method, target, version) = requestLine(bytes, lines.startLine) else {
                return .failure(.badRequest("malformed request line"))
            }
            var headers: [(name: String, value: String)] = []
            headers.reserveCapacity(lines.fieldLines.count)
            for line in lines.fieldLines {
                guard let field = HeadScanner.field(bytes, line) else {
                    return .failure(.badRequest("malformed header field"))
                }
                headers.append(field)
            }
            return .head(RequestHead(method: method, target: target, version: version, headers: headers), consumed: lines.consumed)
        }
    }

    /// `method SP request-target SP HTTP-version`, single spaces, target of visible ASCII only.
    private static func requestLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> (String, String, String)? {
        let spaces = line.filter { bytes[$0] == 0x20 }
        guard spaces.count == 2 else { return nil }
        let method = line.lowerBound ..< spaces[0]
        let target = spaces[0] + 1 ..< spaces[1]
        let version = spaces[1] + 1 ..< line.upperBound
        guard !method.isEmpty, method.allSatisfy({ HeadScanner.isTokenByte(bytes[$0]) }),
              !target.isEmpty, target.allSatisfy({ bytes[$0] > 0x20 && bytes[$0] < 0x7F }),
              HeadScanner.isHTTP1(bytes, version) else { return nil }
        return (HeadScanner.string(bytes, method), HeadScanner.string(bytes, target), HeadScanner.string(bytes, version))
    }
}
