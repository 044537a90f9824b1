import Foundation
import WebSocket
import XCTest

/// The RFC 6455 upgrade and framing as a device sees them.
final class HandshakeTests: EndToEndTestCase {
    func testUpgradeSucceedsWithValidAcceptAndPingIsAnswered() throws {
        let server = try startServer()
        // connect() fails unless the answer is 101 with the Sec-WebSocket-Accept RFC 6455 derives.
        let client = try connect(to: server)
        try client.send(text: "{}")
        let reply = try client.receiveJSON()
        XCTAssertTrue(reply.isEmpty, "ping answered with \(jsonText(reply))")
    }

    func testUpgradeWithoutKeyIsRejectedWith400() throws {
        let server = try startServer()
        let request = WebSocketTestClient.upgradeRequest(port: server.webSocketPort, key: nil)
        try assertRejected(server, request, status: 400)
    }

    func testUpgradeWithWrongVersionIsRejectedWith426() throws {
        let server = try startServer()
        let request = WebSocketTestClient.upgradeRequest(port: server.webSocketPort, version: "8")
        let response = try assertRejected(server, request, status: 426)
        // RFC 6455 4.4: the refusal names the version the server speaks.
        XCTAssertEqual(response.header("Sec-WebSocket-Version"), "13", "\(response.head.headers)")
    }

    func testUpgradeWithPostIsRejectedWith405() throws {
        let server = try startServer()
        let request = WebSocketTestClient.upgradeRequest(port: server.webSocketPort, method: "POST")
        try assertRejected(server, request, status: 405)
    }

    func testOriginOutsideTheAllowedListIsRejectedWith403() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_ORIGINS": "https://a.example,https://b.example"])
        let request = WebSocketTestClient.upgradeRequest(port: server.webSocketPort, origin: "https://evil.example")
        try assertRejected(server, request, status: 403)
    }

    func testOriginInTheAllowedListIsAccepted() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_ORIGINS": "https://a.example,https://b.example"])
        let client = try connect(to: server, origin: "https://b.example")
        let uaid = try client.hello()
        XCTAssertTrue(isIssuedUAID(uaid), uaid)
    }

    func testBinaryFrameIsHandledLikeText() throws {
        let server = try startServer()
        let client = try connect(to: server)
        try client.sendFrame(.binary, payload: Array(#"{"messageType":"hello","channelIDs":[]}"#.utf8))
        let reply = try client.receiveJSON()
        XCTAssertEqual(reply["messageType"] as? String, "hello", jsonText(reply))
        XCTAssertEqual(jsonInteger(reply["status"]), 200, jsonText(reply))
    }

    func testFragmentedMessageIsReassembled() throws {
        let server = try startServer()
        let client = try connect(to: server)
        let text = Array(#"{"messageType":"hello","channelIDs":[]}"#.utf8)
        try client.sendFrame(.text, payload: Array(text[..<10]), fin: false)
        try client.sendFrame(.continuation, payload: Array(text[10...]), fin: true)
        let reply = try client.receiveJSON()
        XCTAssertEqual(reply["messageType"] as? String, "hello", jsonText(reply))
        XCTAssertEqual(jsonInteger(reply["status"]), 200, jsonText(reply))
    }

    func testWebSocketPingFrameIsAnsweredWithPong() throws {
        let server = try startServer()
        let client = try connect(to: server)
        let payload = Array("are you there".utf8)
        try client.sendFrame(.ping, payload: payload)
        let deadline = Deadline(seconds: 3)
        guard case .pong(let echoed)? = try client.nextEvent(until: deadline) else {
            return XCTFail("no pong for a ping frame")
        }
        XCTAssertEqual(echoed, payload)
    }

    func testClientCloseIsAnsweredWithCloseFrame() throws {
        let server = try startServer()
        let client = try connect(to: server)
        try client.hello()
        try client.sendRaw(FrameEncoder.close(.normal, reason: "bye", maskKey: 0x1234_5678))
        let info = try client.expectClose()
        XCTAssertTrue(info.sawCloseFrame, "\(info)")
        XCTAssertEqual(info.code, CloseCode.normal.rawValue, "\(info)")
    }

    /// Sends a raw upgrade request and checks it is refused with `status` and a readable body.
    @discardableResult
    private func assertRejected(_ server: ServerProcess, _ request: [UInt8], status: Int,
                                file: StaticString = #filePath, line: UInt = #line) throws -> HTTPResponse {
        let response = try HTTPTestClient.exchange(port: server.webSocketPort, rawRequest: request)
        XCTAssertEqual(response.status, status, "\(response)", file: file, line: line)
        XCTAssertFalse(response.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                       "refusal \(response.status) has an empty body", file: file, line: line)
        return response
    }
}
