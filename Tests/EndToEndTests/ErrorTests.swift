import Foundation
import PushCore
import WebSocket
import XCTest

/// Every error the server can produce over the socket: the echoed object with status and error,
/// then a close; and the closes without reply for input that is not a JSON object.
final class ErrorTests: EndToEndTestCase {
    func testAMessageThatNeedsAHandshakeIs201BeforeAnyFieldCheck() throws {
        let server = try startServer()
        // Each of these would be 105 or 107 after hello; before it, the handshake comes first.
        let early: [[String: Any]] = [
            ["messageType": "register"],
            ["messageType": "unregister"],
            ["messageType": "ack"],
            ["messageType": "ack", "updates": [Any]()],
            ["messageType": "register", "channelID": "not-a-uuid"],
        ]
        for sent in early {
            let client = try connect(to: server)
            try client.send(json: sent)
            try assertProtocolError(.requiresHandshake, on: client, after: sent)
        }
    }

    func testATrailingCommaIsInvalidJSONAndClosesWithoutReply() throws {
        let server = try startServer()
        for text in [#"{"messageType":"hello",}"#, #"{"messageType":"hello","channelIDs":["a",]}"#, #"{"a":1 "b":2}"#] {
            let client = try connect(to: server)
            try client.send(text: text)
            let close = try client.expectClose()
            XCTAssertNotNil(close.code, "\(text): \(close)")
        }
    }

    func testMissingMessageTypeIs101() throws {
        let server = try startServer()
        let client = try connect(to: server)
        let sent: [String: Any] = ["uaid": "", "tag": "echo me"]
        try client.send(json: sent)
        try assertProtocolError(.invalidHeader, on: client, after: sent)
    }

    func testUnknownMessageTypeIs102() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let sent: [String: Any] = ["messageType": "subscribe", "tag": "echo me"]
        try client.send(json: sent)
        try assertProtocolError(.unsupportedType, on: client, after: sent)
    }

    func testRegisterWithoutChannelIDIs105() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let sent: [String: Any] = ["messageType": "register", "tag": "echo me"]
        try client.send(json: sent)
        try assertProtocolError(.missingChannelID, on: client, after: sent)
    }

    func testUnregisterWithoutChannelIDIs105() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let sent: [String: Any] = ["messageType": "unregister", "tag": "echo me"]
        try client.send(json: sent)
        try assertProtocolError(.missingChannelID, on: client, after: sent)
    }

    func testAckWithEmptyUpdatesIs107() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let sent: [String: Any] = ["messageType": "ack", "updates": [Any]()]
        try client.send(json: sent)
        try assertProtocolError(.missingFields, on: client, after: sent)
    }

    func testRegisterWithInvalidChannelIDIs108() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let sent: [String: Any] = ["messageType": "register", "channelID": "not-a-uuid"]
        try client.send(json: sent)
        try assertProtocolError(.invalidFields, on: client, after: sent)
    }

    func testHelloWithChannelIDsOfWrongTypeIs108() throws {
        let server = try startServer()
        let wrongTypes: [Any] = ["not-a-list", [1, 2], ["ok": true]]
        for channelIDs in wrongTypes {
            let client = try connect(to: server)
            let sent: [String: Any] = ["messageType": "hello", "uaid": "", "channelIDs": channelIDs]
            try client.send(json: sent)
            try assertProtocolError(.invalidFields, on: client, after: sent)
        }
    }

    func testCommandsBeforeHelloAre201() throws {
        let server = try startServer()
        let commands: [[String: Any]] = [
            ["messageType": "register", "channelID": newChannelID()],
            ["messageType": "unregister", "channelID": newChannelID()],
            ["messageType": "ack", "updates": [["channelID": newChannelID(), "version": 1]]],
        ]
        for sent in commands {
            let client = try connect(to: server)
            try client.send(json: sent)
            try assertProtocolError(.requiresHandshake, on: client, after: sent)
        }
    }

    func testSecondHelloWithDifferentUAIDIs202() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let sent: [String: Any] = ["messageType": "hello", "uaid": unknownUAID(), "channelIDs": [String]()]
        try client.send(json: sent)
        try assertProtocolError(.existingHandshake, on: client, after: sent)
    }

    func testInvalidJSONClosesWithoutReply() throws {
        let server = try startServer()
        for text in [#"{"messageType":"#, "hello", "{}}"] {
            let client = try connect(to: server)
            try client.send(text: text)
            try assertClosedForBadData(client, sent: text)
        }
    }

    func testJSONThatIsNotAnObjectClosesWithoutReply() throws {
        let server = try startServer()
        for text in ["[1,2]", #""hello""#, "42", "null", "[]"] {
            let client = try connect(to: server)
            try client.send(text: text)
            try assertClosedForBadData(client, sent: text)
        }
    }

    func testFrameOverMaxMessageLenClosesWith1009() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_MAX_MESSAGE_LEN": "1024"])
        // Under the limit is fine, so the limit is the configured one.
        let small = try connect(to: server)
        try small.send(json: ["messageType": "hello", "channelIDs": [String](), "padding": String(repeating: "p", count: 900)])
        XCTAssertEqual(jsonInteger(try small.receiveJSON()["status"]), 200)

        let big = try connect(to: server)
        try big.send(json: ["messageType": "hello", "channelIDs": [String](), "padding": String(repeating: "p", count: 2000)])
        let info = try big.expectClose()
        XCTAssertEqual(info.code, CloseCode.messageTooBig.rawValue, "\(info)")
    }

    func testFragmentedMessageOverMaxMessageLenClosesWith1009() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_MAX_MESSAGE_LEN": "1024"])
        let client = try connect(to: server)
        let text = Array(#"{"messageType":"hello","padding":""#.utf8) + Array(repeating: UInt8(ascii: "p"), count: 1400) + Array(#""}"#.utf8)
        // Each fragment is under the limit; the message is not.
        try client.sendFrame(.text, payload: Array(text[..<700]), fin: false)
        try client.sendFrame(.continuation, payload: Array(text[700...]), fin: true)
        let info = try client.expectClose()
        XCTAssertEqual(info.code, CloseCode.messageTooBig.rawValue, "\(info)")
    }

    private func assertClosedForBadData(_ client: WebSocketTestClient, sent: String,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let info = try client.expectClose()
        XCTAssertTrue(info.sawCloseFrame, "sent \(sent.debugDescription): \(info)", file: file, line: line)
        XCTAssertTrue([CloseCode.unsupportedData.rawValue, CloseCode.invalidPayload.rawValue].contains(info.code ?? 0),
                      "sent \(sent.debugDescription): \(info)", file: file, line: line)
    }
}
