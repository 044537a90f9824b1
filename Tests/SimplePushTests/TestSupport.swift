import Foundation
import JSON
import PushCore
import SimplePush
import XCTest

/// Identifiers used across the tests, in the spellings a device may send.
enum Sample {
    static let channel = "2b3a7c1e-4f5d-4e6a-9b8c-0d1e2f3a4b5c"
    static let otherChannel = "9f8e7d6c5b4a49382716a5b4c3d2e1f0"
    static let uaidHex = "0123456789abcdef0123456789abcdef"
    static let uaidDashed = "01234567-89ab-cdef-0123-456789abcdef"
    static let otherUAIDHex = "fedcba9876543210fedcba9876543210"

    static var uaid: UAID { UAID(high: 0x0123_4567_89ab_cdef, low: 0x0123_4567_89ab_cdef) }
}

/// Parses server output the way a device would, failing the test when it is not a JSON object.
func parseObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
    guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
          let object = parsed as? [String: Any] else {
        XCTFail("not a JSON object: \(text)", file: file, line: line)
        return [:]
    }
    return object
}

/// The message a frame decodes to; nil (and a test failure) when it was rejected.
func decoded(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ClientMessage? {
    switch ClientMessage.decode(Array(text.utf8)) {
    case .success(let (message, _)):
        return message
    case .failure(let failure):
        XCTFail("\(text) was rejected: \(failure)", file: file, line: line)
        return nil
    }
}

/// The protocol error a frame is rejected with; nil (and a test failure) otherwise.
func decodeError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ProtocolError? {
    switch ClientMessage.decode(Array(text.utf8)) {
    case .failure(.protocolError(let error, _)):
        return error
    case .failure(.notAnObject):
        XCTFail("\(text) closed the socket instead of a protocol error", file: file, line: line)
        return nil
    case .success(let (message, _)):
        XCTFail("\(text) was accepted as \(message)", file: file, line: line)
        return nil
    }
}

/// Whether a frame is rejected as "not a JSON object" (close, no reply).
func isNotAnObject(_ text: String) -> Bool {
    if case .failure(.notAnObject) = ClientMessage.decode(Array(text.utf8)) { return true }
    return false
}

/// The hello fields a frame decodes to.
func decodedHello(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> (requested: UAID?, count: Int)? {
    guard let message = decoded(text, file: file, line: line) else { return nil }
    guard case .hello(let requested, let count, _, _) = message else {
        XCTFail("\(text) decoded as \(message), not hello", file: file, line: line)
        return nil
    }
    return (requested, count)
}

/// Ack entries as "channel=version" strings, which compare easily.
func describeAcks(_ entries: [(ChannelID, Version)]) -> [String] {
    entries.map { "\($0.0.value)=\($0.1)" }
}

/// A client object as the decoder keeps it for echoing.
func clientObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ClientMessage.Object {
    guard let members = JSONParser.parse(Array(text.utf8))?.objectMembers else {
        XCTFail("not a JSON object: \(text)", file: file, line: line)
        return []
    }
    return members
}
