import WebSocket
import XCTest

final class RequestHeadParserTests: XCTestCase {
    let request = "GET /status/?verbose=1 HTTP/1.1\r\nHost: push.example.com\r\nX-Token:  a b \r\nx-token: c\r\n\r\n"

    func testParsesRequestLineAndHeaders() {
        guard case .head(let head, let consumed) = parseHead(request + "trailing body") else { return XCTFail() }
        XCTAssertEqual(consumed, request.utf8.count)
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.target, "/status/?verbose=1")
        XCTAssertEqual(head.path, "/status/")
        XCTAssertEqual(head.version, "HTTP/1.1")
        XCTAssertEqual(head.headers.map(\.name), ["Host", "X-Token", "x-token"])
        XCTAssertEqual(head.header("HOST"), "push.example.com")
        XCTAssertEqual(head.header("x-token"), "a b, c", "values trimmed, repeats joined")
        XCTAssertNil(head.header("Origin"))
    }

    func testBareLineFeedsAndLeadingEmptyLines() {
        let head = parseHead("\r\nGET / HTTP/1.0\nHost: a\n\n").head
        XCTAssertEqual(head?.version, "HTTP/1.0")
        XCTAssertEqual(head?.header("host"), "a")
        XCTAssertEqual(head?.path, "/")
    }

    func testEveryPrefixNeedsMore() {
        for end in request.utf8.indices.dropLast() {
            let prefix = String(request.utf8[..<end])!
            guard case .needMore = parseHead(prefix) else { return XCTFail("prefix \(prefix.debugDescription)") }
        }
    }

    func testHeadSizeLimit() {
        let big = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 200) + "\r\n\r\n"
        XCTAssertNotNil(parseHead(big, maxHeadBytes: big.utf8.count).head)
        XCTAssertHeadFailure(parseHead(big, maxHeadBytes: big.utf8.count - 1), status: 431)
        // An unterminated head is refused once it reaches the limit, not buffered forever.
        XCTAssertHeadFailure(parseHead("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 100), maxHeadBytes: 64), status: 431)
    }

    func testHeaderCountLimit() {
        let fields = { (count: Int) in (0 ..< count).map { "H\($0): v\r\n" }.joined() }
        XCTAssertEqual(parseHead("GET / HTTP/1.1\r\n" + fields(64) + "\r\n").head?.headers.count, 64)
        XCTAssertHeadFailure(parseHead("GET / HTTP/1.1\r\n" + fields(65) + "\r\n"), status: 431)
    }

    func testRequestLineLengthLimit() {
        let longPath = "/" + String(repeating: "p", count: 2048)
        XCTAssertHeadFailure(parseHead("GET \(longPath) HTTP/1.1\r\n\r\n"), status: 414)
        XCTAssertHeadFailure(parseHead("GET \(longPath)"), status: 414)
        let fits = "/" + String(repeating: "p", count: 2048 - "GET / HTTP/1.1".utf8.count)
        XCTAssertNotNil(parseHead("GET \(fits) HTTP/1.1\r\n\r\n").head)
    }

    func testMalformedRequestLines() {
        for line in ["GET /", "GET  / HTTP/1.1", "GET / HTTP/1.1 extra", "GET / HTTP/2.0", "GET / HTTP/1.1x",
                     "GET / http/1.1", "G(T / HTTP/1.1", " / HTTP/1.1", "GET /a\u{7F}b HTTP/1.1", "GET /é HTTP/1.1"] {
            XCTAssertHeadFailure(parseHead(line + "\r\nHost: a\r\n\r\n"), status: 400)
        }
    }

    func testMalformedHeaderFields() {
        for field in ["NoColon", ": empty-name", "Space Name: v", "Name : v", " folded: v", "\tfolded", "Bad: a\u{01}b", "Bad: a\rb"] {
            XCTAssertHeadFailure(parseHead("GET / HTTP/1.1\r\n" + field + "\r\n\r\n"), status: 400)
        }
    }
}
