import WebSocket
import XCTest

final class MessageAssemblerTests: XCTestCase {
    func frame(_ opcode: Opcode, _ text: String, fin: Bool = true) -> Frame {
        Frame(fin: fin, opcode: opcode, payload: Array(text.utf8))
    }

    func testSingleFrameMessage() {
        var assembler = MessageAssembler(maxMessage: 100)
        XCTAssertEqual(assembler.push(frame(.text, "{}")), .message(.text, Array("{}".utf8)))
        XCTAssertEqual(assembler.push(frame(.binary, "ab")), .message(.binary, [0x61, 0x62]))
        XCTAssertTrue(assembler.isIdle)
    }

    func testFragmentedMessageIsJoined() {
        var assembler = MessageAssembler(maxMessage: 100)
        XCTAssertEqual(assembler.push(frame(.text, "{\"a\"", fin: false)), AssemblerEvent.none)
        XCTAssertFalse(assembler.isIdle)
        XCTAssertEqual(assembler.push(frame(.continuation, ":", fin: false)), AssemblerEvent.none)
        XCTAssertEqual(assembler.push(frame(.continuation, "1}")), .message(.text, Array("{\"a\":1}".utf8)))
        XCTAssertTrue(assembler.isIdle)
        // The assembler is reusable for the next message.
        XCTAssertEqual(assembler.push(frame(.binary, "x", fin: false)), AssemblerEvent.none)
        XCTAssertEqual(assembler.push(frame(.continuation, "y")), .message(.binary, Array("xy".utf8)))
    }

    func testControlFramesBetweenFragments() {
        var assembler = MessageAssembler(maxMessage: 100)
        XCTAssertEqual(assembler.push(frame(.text, "ab", fin: false)), AssemblerEvent.none)
        XCTAssertEqual(assembler.push(frame(.ping, "p")), .ping([0x70]))
        XCTAssertEqual(assembler.push(frame(.pong, "q")), .pong([0x71]))
        XCTAssertFalse(assembler.isIdle)
        XCTAssertEqual(assembler.push(frame(.continuation, "cd")), .message(.text, Array("abcd".utf8)))
    }

    func testContinuationWithoutStartFails() {
        var assembler = MessageAssembler(maxMessage: 100)
        XCTAssertEqual(assembler.push(frame(.continuation, "x")), .failure(.protocolError))
        XCTAssertEqual(assembler.push(frame(.continuation, "x", fin: false)), .failure(.protocolError))
    }

    func testNewMessageWhileFragmentedFails() {
        for opcode in [Opcode.text, .binary] {
            var assembler = MessageAssembler(maxMessage: 100)
            _ = assembler.push(frame(.text, "a", fin: false))
            XCTAssertEqual(assembler.push(frame(opcode, "b")), .failure(.protocolError), "\(opcode)")
        }
    }

    func testMessageSizeLimit() {
        var assembler = MessageAssembler(maxMessage: 4)
        XCTAssertEqual(assembler.push(frame(.text, "abcd")), .message(.text, Array("abcd".utf8)))
        XCTAssertEqual(assembler.push(frame(.text, "abcde")), .failure(.messageTooBig))

        var fragmented = MessageAssembler(maxMessage: 4)
        XCTAssertEqual(fragmented.push(frame(.binary, "ab", fin: false)), AssemblerEvent.none)
        XCTAssertEqual(fragmented.push(frame(.continuation, "cd", fin: false)), AssemblerEvent.none)
        XCTAssertEqual(fragmented.push(frame(.continuation, "e")), .failure(.messageTooBig))
        XCTAssertTrue(fragmented.isIdle)

        var exact = MessageAssembler(maxMessage: 4)
        _ = exact.push(frame(.binary, "ab", fin: false))
        XCTAssertEqual(exact.push(frame(.continuation, "cd")), .message(.binary, Array("abcd".utf8)))
    }

    func testTextMustBeValidUTF8() {
        var assembler = MessageAssembler(maxMessage: 100)
        XCTAssertEqual(assembler.push(Frame(opcode: .text, payload: [0x61, 0xFF])), .failure(.invalidPayload))
        XCTAssertEqual(assembler.push(Frame(opcode: .binary, payload: [0x61, 0xFF])), .message(.binary, [0x61, 0xFF]))
    }

    func testCharacterSplitAcrossFragmentsIsValid() {
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        var assembler = MessageAssembler(maxMessage: 100)
        XCTAssertEqual(assembler.push(Frame(fin: false, opcode: .text, payload: Array(euro[..<1]))), AssemblerEvent.none)
        XCTAssertEqual(assembler.push(Frame(fin: true, opcode: .continuation, payload: Array(euro[1...]))), .message(.text, euro))
    }

    func testInvalidUTF8AcrossFragmentsFails() {
        var assembler = MessageAssembler(maxMessage: 100)
        _ = assembler.push(Frame(fin: false, opcode: .text, payload: [0xE2, 0x82]))
        XCTAssertEqual(assembler.push(Frame(fin: true, opcode: .continuation, payload: [0x41])), .failure(.invalidPayload))
    }
}
