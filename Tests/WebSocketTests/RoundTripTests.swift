import WebSocket
import XCTest

final class RoundTripTests: XCTestCase {
    /// Sizes at and around every length-encoding boundary and the 8-byte masking stride.
    let sizes = [0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70001]

    func testEncodeThenParseForEveryLengthEncoding() {
        var rng = SplitMix64(seed: 11)
        for size in sizes {
            let payload = randomBytes(size, using: &rng)
            for maskKey in [nil, UInt32.random(in: 0 ... .max, using: &rng)] {
                let wire = FrameEncoder.encode(.binary, payload: payload, maskKey: maskKey)
                XCTAssertEqual(wire.count, FrameEncoder.headerSize(payloadCount: size, masked: maskKey != nil) + size)
                XCTAssertFrame(parseFrame(wire, requireMask: maskKey != nil, maxPayload: size),
                               opcode: .binary, payload: payload, consumed: wire.count)
            }
        }
    }

    func testMaskKeyGoesOnTheWireInNetworkOrder() {
        let payload: [UInt8] = Array(0 ..< 20)
        let wire = FrameEncoder.encode(.binary, payload: payload, maskKey: 0x0102_0304)
        XCTAssertEqual(Array(wire[2 ..< 6]), [1, 2, 3, 4])
        XCTAssertEqual(Array(wire[6...]), masked(payload, key: [1, 2, 3, 4]))
    }

    func testHeaderBitsAndLengthField() {
        XCTAssertEqual(Array(FrameEncoder.encode(.text, payload: [], fin: false).prefix(2)), [0x01, 0x00])
        XCTAssertEqual(Array(FrameEncoder.encode(.pong, payload: [9]).prefix(2)), [0x8A, 0x01])
        XCTAssertEqual(Array(FrameEncoder.encode(.binary, payload: [UInt8](repeating: 0, count: 300)).prefix(4)), [0x82, 126, 0x01, 0x2C])
        XCTAssertEqual(Array(FrameEncoder.encode(.binary, payload: [UInt8](repeating: 0, count: 65536)).prefix(10)),
                       [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0])
    }

    func testTextHelper() {
        XCTAssertEqual(FrameEncoder.text("{}"), [0x81, 0x02, 0x7B, 0x7D])
        XCTAssertFrame(parseFrame(FrameEncoder.text("héllo"), requireMask: false),
                       opcode: .text, payload: Array("héllo".utf8), consumed: 8)
    }

    func testAppendMatchesEncode() {
        var rng = SplitMix64(seed: 12)
        var output: [UInt8] = [0xEE]
        var expected: [UInt8] = [0xEE]
        for size in sizes {
            let payload = randomBytes(size, using: &rng)
            let key = UInt32.random(in: 0 ... .max, using: &rng)
            payload.withUnsafeBytes { FrameEncoder.append(.binary, payload: $0, fin: false, maskKey: key, to: &output) }
            expected += FrameEncoder.encode(.binary, payload: payload, fin: false, maskKey: key)
        }
        XCTAssertEqual(output, expected)
    }

    func testEveryProperPrefixNeedsMore() {
        var rng = SplitMix64(seed: 13)
        for size in [0, 5, 125, 126, 300] {
            let wire = FrameEncoder.encode(.text, payload: randomBytes(size, using: &rng), maskKey: 0xDEAD_BEEF)
            for end in 0 ..< wire.count {
                XCTAssertEqual(parseFrame(Array(wire[..<end])), .needMore, "size \(size), prefix \(end)")
            }
        }
    }

    func testStreamFedInRandomPiecesYieldsTheSameFrames() {
        var rng = SplitMix64(seed: 14)
        for round in 0 ..< 40 {
            let opcodes: [Opcode] = [.text, .binary, .continuation, .ping, .pong]
            let sent: [Frame] = (0 ..< Int.random(in: 1 ... 8, using: &rng)).map { _ in
                let opcode = opcodes.randomElement(using: &rng)!
                let size = opcode.isControl ? Int.random(in: 0 ... 125, using: &rng)
                                            : [Int.random(in: 0 ... 200, using: &rng), 70000].randomElement(using: &rng)!
                let fin = opcode.isControl || Bool.random(using: &rng)
                return Frame(fin: fin, opcode: opcode, payload: randomBytes(size, using: &rng))
            }
            var stream: [UInt8] = []
            for frame in sent {
                stream += FrameEncoder.encode(frame.opcode, payload: frame.payload, fin: frame.fin,
                                              maskKey: UInt32.random(in: 0 ... .max, using: &rng))
            }
            XCTAssertEqual(feedInPieces(stream, using: &rng), sent, "round \(round)")
        }
    }

    /// Delivers `stream` in random-sized reads, as a socket would, and parses after each read.
    private func feedInPieces(_ stream: [UInt8], using rng: inout SplitMix64) -> [Frame] {
        var buffer: [UInt8] = []
        var received: [Frame] = []
        var position = 0
        while position < stream.count {
            let piece = min(stream.count - position, Int.random(in: 1 ... 9000, using: &rng))
            buffer += stream[position ..< position + piece]
            position += piece
            parsing: while true {
                switch parseFrame(buffer) {
                case .needMore: break parsing
                case .frame(let frame, let consumed):
                    received.append(frame)
                    buffer.removeFirst(consumed)
                case .failure(let code):
                    XCTFail("unexpected failure \(code)")
                    return received
                }
            }
        }
        XCTAssertTrue(buffer.isEmpty, "bytes left over")
        return received
    }
}
