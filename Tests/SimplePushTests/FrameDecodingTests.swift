import JSON
import PushCore
import SimplePush
import XCTest

/// Pings, frames that are not JSON objects, and the command header.
final class FrameDecodingTests: XCTestCase {
    func testEmptyObjectIsAPing() {
        for text in ["{}", " { } ", "{\n}"] {
            guard let message = decoded(text) else { continue }
            guard case .ping = message else { return XCTFail("\(text) decoded as \(message)") }
        }
    }

    func testPingMessageTypeIsAPingInAnyCase() {
        for text in [#"{"messageType":"ping"}"#, #"{"messageType":"PING"}"#, #"{"MESSAGETYPE":"Ping"}"#] {
            guard let message = decoded(text) else { continue }
            guard case .ping = message else { return XCTFail("\(text) decoded as \(message)") }
        }
    }

    func testPurgeDecodes() {
        guard let message = decoded(#"{"messageType":"purge"}"#) else { return }
        guard case .purge = message else { return XCTFail("decoded as \(message)") }
    }

    func testFramesThatAreNotJSONObjectsClose() {
        let frames = ["", "not json", "{", #"{"messageType":"hello""#, "[]", #"[{"messageType":"ping"}]"#,
                      #""hello""#, "42", "true", "null", "\u{FF}"]
        for text in frames {
            XCTAssertTrue(isNotAnObject(text), "\(text.debugDescription) should close without a reply")
        }
    }

    func testANonEmptyObjectWithoutMessageTypeIsAnInvalidHeader() {
        XCTAssertEqual(decodeError(#"{"uaid":""}"#), .invalidHeader)
    }

    func testANonStringMessageTypeIsAnInvalidHeader() {
        for value in ["42", "null", "true", "[\"hello\"]", "{\"a\":1}"] {
            XCTAssertEqual(decodeError(#"{"messageType":\#(value)}"#), .invalidHeader, value)
        }
    }

    func testAnUnknownMessageTypeIsUnsupported() {
        XCTAssertEqual(decodeError(#"{"messageType":"subscribe"}"#), .unsupportedType)
        XCTAssertEqual(decodeError(#"{"messageType":""}"#), .unsupportedType)
    }

    func testMessageTypeAndFieldNamesMatchInAnyCase() {
        guard let message = decoded(#"{"MessageType":"REGISTER","CHANNELID":"\#(Sample.channel)"}"#) else { return }
        guard case .register(let channel) = message else { return XCTFail("decoded as \(message)") }
        XCTAssertEqual(channel.value, Sample.channel)
    }

    func testTheClientObjectIsKeptForEchoing() {
        let text = #"{"messageType":"Bogus","extra":[1,2],"Nested":{"k":"v"}}"#
        guard case .failure(.protocolError(let error, let object)) = ClientMessage.decode(Array(text.utf8)) else {
            return XCTFail("expected a protocol error")
        }
        XCTAssertEqual(error, .unsupportedType)
        XCTAssertEqual(JSONValue.object(object).serialized, text)
    }

    func testBinaryFramesWithNonASCIIDecode() {
        // Decoding works on raw bytes, so a binary frame with UTF-8 text is the same as a text frame.
        let text = #"{"messageType":"ping","note":"é✓"}"#
        guard let message = decoded(text) else { return }
        guard case .ping = message else { return XCTFail("decoded as \(message)") }
    }
}
