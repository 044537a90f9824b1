import WebSocket
import XCTest

final class HandshakeTests: XCTestCase {
    let key = "dGhlIHNhbXBsZSBub25jZQ=="

    func upgradeHead(method: String = "GET", version: String = "HTTP/1.1", _ fields: [String: String?] = [:]) -> RequestHead {
        var headers: [String: String] = [
            "Host": "push.example.com", "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key,
        ]
        for (name, value) in fields { headers[name] = value }
        let text = "\(method) / \(version)\r\n" + headers.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
        return parseHead(text).head!
    }

    func assertFailure(_ head: RequestHead, status: Int, extra: [(String, String)] = [], file: StaticString = #filePath, line: UInt = #line) {
        guard case .failure(let failure) = Handshake.validate(head) else { return XCTFail("accepted", file: file, line: line) }
        XCTAssertEqual(failure.status, status, failure.message, file: file, line: line)
        XCTAssertEqual(failure.reason, HTTPFailure.reasonPhrase(for: status), file: file, line: line)
        XCTAssertTrue(failure.extraHeaders.elementsEqual(extra, by: ==), "\(failure.extraHeaders)", file: file, line: line)
    }

    func testRFCSampleAcceptValue() {
        XCTAssertEqual(Handshake.acceptValue(forKey: key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testValidUpgradeReturnsKey() {
        XCTAssertEqual(try Handshake.validate(upgradeHead()).get(), key)
        let lenient = upgradeHead(["Upgrade": "WebSocket", "Connection": "keep-alive, upgrade"])
        XCTAssertEqual(try Handshake.validate(lenient).get(), key)
    }

    func testWrongMethodIs405() {
        assertFailure(upgradeHead(method: "POST"), status: 405, extra: [("Allow", "GET")])
    }

    func testHTTP10Is400() {
        assertFailure(upgradeHead(version: "HTTP/1.0"), status: 400)
    }

    func testMissingUpgradeOrConnectionIs400() {
        assertFailure(upgradeHead(["Upgrade": nil]), status: 400)
        assertFailure(upgradeHead(["Upgrade": "h2c"]), status: 400)
        assertFailure(upgradeHead(["Connection": nil]), status: 400)
        assertFailure(upgradeHead(["Connection": "keep-alive"]), status: 400)
        assertFailure(upgradeHead(["Connection": "upgraded"]), status: 400)
    }

    func testWrongVersionIs426() {
        for version in ["8", "12", "13, 8", nil] {
            assertFailure(upgradeHead(["Sec-WebSocket-Version": version]), status: 426, extra: [("Sec-WebSocket-Version", "13")])
        }
    }

    func testBadKeyIs400() {
        for bad in [nil, "", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZQ==", "dGhlIHNhbXBsZSBub25jZ!==", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="] {
            assertFailure(upgradeHead(["Sec-WebSocket-Key": bad]), status: 400)
        }
    }

    func testPlainGetIsNotAnUpgrade() {
        XCTAssertTrue(Handshake.isUpgradeRequest(upgradeHead()))
        XCTAssertFalse(Handshake.isUpgradeRequest(parseHead("GET /status/ HTTP/1.1\r\nHost: a\r\n\r\n").head!))
    }

    func testSwitchingProtocolsResponse() {
        let bytes = Handshake.switchingProtocols(key: key)
        guard let (head, body) = parseResponse(bytes) else { return XCTFail("unparsable") }
        XCTAssertEqual(head.status, 101)
        XCTAssertEqual(head.header("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        XCTAssertEqual(body, "")
        XCTAssertTrue(Handshake.isAccepted(head, key: key))
        XCTAssertFalse(Handshake.isAccepted(head, key: Handshake.generateKey()))
    }

    func testErrorResponse() {
        let failure = HTTPFailure(status: 426, message: "use version 13", extraHeaders: [("Sec-WebSocket-Version", "13")])
        guard let (head, body) = parseResponse(Handshake.errorResponse(failure)) else { return XCTFail("unparsable") }
        XCTAssertEqual(head.status, 426)
        XCTAssertEqual(head.reason, "Upgrade Required")
        XCTAssertEqual(head.header("Sec-WebSocket-Version"), "13")
        XCTAssertEqual(head.header("Connection"), "close")
        XCTAssertEqual(head.header("Content-Type"), "text/plain; charset=utf-8")
        XCTAssertEqual(body, "use version 13\n")
        XCTAssertEqual(head.header("Content-Length"), String(body.utf8.count))
    }

    func testPlainResponse() {
        let json = "{\"status\":\"ok\",\"größe\":1}"
        guard let (head, body) = parseResponse(Handshake.response(status: 200, reason: "OK", contentType: "application/json", body: json))
        else { return XCTFail("unparsable") }
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-type"), "application/json")
        XCTAssertEqual(head.header("Connection"), "close")
        XCTAssertEqual(body, json)
        XCTAssertEqual(head.header("Content-Length"), String(json.utf8.count))
    }

    func testClientRequestPassesServerValidation() {
        let generated = Handshake.generateKey()
        let head = Handshake.clientRequest(host: "h:8080", path: "/", key: generated, origin: "https://o").withUnsafeBytes { RequestHeadParser.parse($0) }.head!
        XCTAssertEqual(try Handshake.validate(head).get(), generated)
        XCTAssertEqual(head.header("Origin"), "https://o")
        XCTAssertEqual(head.header("Host"), "h:8080")
        let bare = Handshake.clientRequest(host: "h", path: "/", key: generated, origin: nil).withUnsafeBytes { RequestHeadParser.parse($0) }.head!
        XCTAssertNil(bare.header("Origin"))
    }
}
