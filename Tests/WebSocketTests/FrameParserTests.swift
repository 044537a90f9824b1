import WebSocket
import XCTest

final class FrameParserTests: XCTestCase {
    let hello = Array("Hello".utf8)

    func testUnmaskedFrameOnClientSide() {
        // RFC 6455 5.7: a single-frame unmasked text message.
        XCTAssertFrame(parseFrame([0x81, 0x05] + hello, requireMask: false), opcode: .text, payload: hello, consumed: 7)
    }

    func testMaskedFrameIsUnmasked() {
        // RFC 6455 5.7: the same message masked with 37 fa 21 3d.
        let wire: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        XCTAssertFrame(parseFrame(wire), opcode: .text, payload: hello, consumed: 11)
    }

    func testLongMaskedPayloadUnmasksEveryByte() {
        var rng = SplitMix64(seed: 1)
        let key = randomBytes(4, using: &rng)
        let payload = randomBytes(61, using: &rng) // not a multiple of 8: exercises the tail loop
        let wire = rawHeader(first: 0x82, maskBit: true, lengthField: 61, maskKey: key) + masked(payload, key: key)
        XCTAssertFrame(parseFrame(wire), opcode: .binary, payload: payload, consumed: wire.count)
    }

    func testEmptyMaskedFrame() {
        let wire = rawHeader(first: 0x8A, maskBit: true, lengthField: 0, maskKey: [1, 2, 3, 4])
        XCTAssertFrame(parseFrame(wire), opcode: .pong, payload: [], consumed: 6)
    }

    func testNonFinalFrameKeepsFinCleared() {
        let wire = rawHeader(first: 0x01, maskBit: true, lengthField: 2, maskKey: [0, 0, 0, 0]) + [0x61, 0x62]
        XCTAssertFrame(parseFrame(wire), fin: false, opcode: .text, payload: [0x61, 0x62], consumed: 8)
    }

    func testUnmaskedClientFrameRejectedByServer() {
        XCTAssertEqual(parseFrame([0x81, 0x05] + hello, requireMask: true), .failure(.protocolError))
    }

    func testMaskedFrameRejectedByClient() {
        let wire = rawHeader(first: 0x81, maskBit: true, lengthField: 0, maskKey: [1, 2, 3, 4])
        XCTAssertEqual(parseFrame(wire, requireMask: false), .failure(.protocolError))
    }

    func testSixteenBitLength() {
        // RFC 6455 5.7: 256 bytes of binary data in one unmasked frame.
        var rng = SplitMix64(seed: 2)
        let payload = randomBytes(256, using: &rng)
        let wire = rawHeader(first: 0x82, maskBit: false, lengthField: 126, extended: [0x01, 0x00]) + payload
        XCTAssertFrame(parseFrame(wire, requireMask: false), opcode: .binary, payload: payload, consumed: 260)
    }

    func testSixtyFourBitLength() {
        // RFC 6455 5.7: 64 KiB in one unmasked frame; here masked as a client would send it.
        var rng = SplitMix64(seed: 3)
        let payload = randomBytes(65536, using: &rng)
        let key: [UInt8] = [0xA1, 0xB2, 0xC3, 0xD4]
        let wire = rawHeader(first: 0x82, maskBit: true, lengthField: 127, extended: [0, 0, 0, 0, 0, 1, 0, 0], maskKey: key)
            + masked(payload, key: key)
        XCTAssertFrame(parseFrame(wire), opcode: .binary, payload: payload, consumed: 14 + 65536)
    }

    func testNonMinimalLengthEncodingsAccepted() {
        let sixteen = rawHeader(first: 0x81, maskBit: false, lengthField: 126, extended: [0, 5]) + hello
        XCTAssertFrame(parseFrame(sixteen, requireMask: false), opcode: .text, payload: hello, consumed: 9)
        let sixtyFour = rawHeader(first: 0x81, maskBit: false, lengthField: 127, extended: [0, 0, 0, 0, 0, 0, 0, 5]) + hello
        XCTAssertFrame(parseFrame(sixtyFour, requireMask: false), opcode: .text, payload: hello, consumed: 15)
    }

    func testSixtyFourBitLengthWithTopBitRejected() {
        let wire = rawHeader(first: 0x82, maskBit: true, lengthField: 127, extended: [0x80, 0, 0, 0, 0, 0, 0, 1])
        XCTAssertEqual(parseFrame(wire, maxPayload: .max), .failure(.protocolError))
    }

    func testReservedBitsRejected() {
        for bit: UInt8 in [0x40, 0x20, 0x10] {
            let wire = rawHeader(first: 0x80 | bit | 0x01, maskBit: true, lengthField: 0, maskKey: [0, 0, 0, 0])
            XCTAssertEqual(parseFrame(wire), .failure(.protocolError), "RSV bit \(bit)")
        }
    }

    func testUnknownOpcodesRejected() {
        for opcode: UInt8 in [3, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
            let wire = rawHeader(first: 0x80 | opcode, maskBit: true, lengthField: 0, maskKey: [0, 0, 0, 0])
            XCTAssertEqual(parseFrame(wire), .failure(.protocolError), "opcode \(opcode)")
        }
    }

    func testControlFrameLongerThan125Rejected() {
        let ping125 = rawHeader(first: 0x89, maskBit: true, lengthField: 125, maskKey: [0, 0, 0, 0]) + [UInt8](repeating: 7, count: 125)
        XCTAssertFrame(parseFrame(ping125), opcode: .ping, payload: [UInt8](repeating: 7, count: 125), consumed: 131)
        // Rejected from the first two bytes, without waiting for the payload.
        let ping126 = rawHeader(first: 0x89, maskBit: true, lengthField: 126)
        XCTAssertEqual(parseFrame(ping126), .failure(.protocolError))
        let close127 = rawHeader(first: 0x88, maskBit: true, lengthField: 127)
        XCTAssertEqual(parseFrame(close127), .failure(.protocolError))
    }

    func testFragmentedControlFrameRejected() {
        for opcode: UInt8 in [0x8, 0x9, 0xA] {
            let wire = rawHeader(first: opcode, maskBit: true, lengthField: 0, maskKey: [0, 0, 0, 0])
            XCTAssertEqual(parseFrame(wire), .failure(.protocolError), "opcode \(opcode)")
        }
    }

    func testOversizedFrameFailsAsSoonAsLengthIsKnown() {
        let header16 = rawHeader(first: 0x82, maskBit: true, lengthField: 126, extended: [0x03, 0xE8]) // 1000 bytes
        XCTAssertEqual(parseFrame(header16, maxPayload: 999), .failure(.messageTooBig))
        XCTAssertEqual(parseFrame(header16, maxPayload: 1000), .needMore)
        let header64 = rawHeader(first: 0x82, maskBit: true, lengthField: 127, extended: [0, 0, 0, 1, 0, 0, 0, 0])
        XCTAssertEqual(parseFrame(header64, maxPayload: 1 << 20), .failure(.messageTooBig))
        let short = rawHeader(first: 0x81, maskBit: true, lengthField: 10)
        XCTAssertEqual(parseFrame(short, maxPayload: 9), .failure(.messageTooBig))
    }

    func testIncompleteInputNeedsMore() {
        XCTAssertEqual(parseFrame([]), .needMore)
        XCTAssertEqual(parseFrame([0x81]), .needMore)
        XCTAssertEqual(parseFrame([0x81, 0xFE, 0x01]), .needMore) // 16-bit length cut short
        XCTAssertEqual(parseFrame([0x81, 0xFF, 0, 0, 0, 0, 0, 0, 1]), .needMore) // 64-bit length cut short
        XCTAssertEqual(parseFrame([0x81, 0x85, 0x37, 0xFA]), .needMore) // mask key cut short
    }

    func testConsumedStopsAtFrameEnd() {
        let first = [0x81, 0x05] + hello
        let second: [UInt8] = [0x8A, 0x00]
        let stream = first + second
        guard case .frame(_, let consumed) = parseFrame(stream, requireMask: false) else { return XCTFail() }
        XCTAssertEqual(consumed, first.count)
        XCTAssertFrame(parseFrame(Array(stream[consumed...]), requireMask: false), opcode: .pong, payload: [], consumed: 2)
    }
}
