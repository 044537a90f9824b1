import WebSocket
import XCTest

final class ClosePayloadTests: XCTestCase {
    func close(_ payload: [UInt8]) -> AssemblerEvent {
        var assembler = MessageAssembler(maxMessage: 100)
        return assembler.push(Frame(opcode: .close, payload: payload))
    }

    func payload(code: UInt16, reason: [UInt8] = []) -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xFF)] + reason
    }

    func testEmptyCloseHasNoCode() {
        XCTAssertEqual(close([]), .close(code: nil, reason: []))
    }

    func testOneBytePayloadRejected() {
        XCTAssertEqual(close([0x03]), .failure(.protocolError))
    }

    func testAllowedCodes() {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
            XCTAssertEqual(close(payload(code: code, reason: Array("ok".utf8))),
                           .close(code: CloseCode(code), reason: Array("ok".utf8)), "code \(code)")
        }
    }

    func testForbiddenCodes() {
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            XCTAssertEqual(close(payload(code: code)), .failure(.protocolError), "code \(code)")
        }
    }

    func testReasonMustBeUTF8() {
        XCTAssertEqual(close(payload(code: 1000, reason: [0xCE, 0xBA, 0xE1, 0xBD, 0xB9])),
                       .close(code: .normal, reason: [0xCE, 0xBA, 0xE1, 0xBD, 0xB9]))
        XCTAssertEqual(close(payload(code: 1000, reason: [0xCE, 0xBA, 0xED, 0xA0, 0x80])), .failure(.protocolError))
    }

    func testEncodedCloseParsesBack() {
        let wire = FrameEncoder.close(.goingAway, reason: "bye")
        guard case .frame(let frame, let consumed) = parseFrame(wire, requireMask: false) else { return XCTFail() }
        XCTAssertEqual(consumed, wire.count)
        var assembler = MessageAssembler(maxMessage: 10)
        XCTAssertEqual(assembler.push(frame), .close(code: .goingAway, reason: Array("bye".utf8)))
    }

    func testLongReasonIsCutAtCharacterBoundary() {
        let reason = String(repeating: "é", count: 100) // 200 UTF-8 bytes
        let payload = FrameEncoder.closePayload(.policyViolation, reason: reason)
        XCTAssertEqual(payload.count, 125 - 1, "2 code bytes + 61 two-byte characters")
        XCTAssertTrue(UTF8Validator.isValid(Array(payload[2...])))
        guard case .frame(let frame, _) = parseFrame(FrameEncoder.close(.policyViolation, reason: reason), requireMask: false) else {
            return XCTFail("a cut reason must still fit a control frame")
        }
        XCTAssertEqual(frame.payload, payload)
    }
}
