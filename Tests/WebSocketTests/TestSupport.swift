import WebSocket
import XCTest

/// A small seeded generator so that randomized tests are reproducible from their seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ count: Int, using generator: inout SplitMix64) -> [UInt8] {
    (0 ..< count).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
}

/// Parses as a server (masked frames required) unless told otherwise.
func parseFrame(_ bytes: [UInt8], requireMask: Bool = true, maxPayload: Int = 1 << 20) -> FrameParseResult {
    bytes.withUnsafeBytes { FrameParser.parse($0, requireMask: requireMask, maxPayload: maxPayload) }
}

/// Builds a frame header by hand, so tests can produce encodings the encoder never would.
func rawHeader(first: UInt8, maskBit: Bool, lengthField: UInt8, extended: [UInt8] = [], maskKey: [UInt8] = []) -> [UInt8] {
    [first, (maskBit ? 0x80 : 0) | lengthField] + extended + maskKey
}

func masked(_ payload: [UInt8], key: [UInt8]) -> [UInt8] {
    payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
}

func parseHead(_ text: String, maxHeadBytes: Int = 8192) -> RequestHeadParseResult {
    Array(text.utf8).withUnsafeBytes { RequestHeadParser.parse($0, maxHeadBytes: maxHeadBytes) }
}

func parseResponse(_ bytes: [UInt8]) -> (ResponseHead, body: String)? {
    bytes.withUnsafeBytes { raw -> (ResponseHead, body: String)? in
        guard case .head(let head, let consumed) = ResponseHeadParser.parse(raw) else { return nil }
        return (head, String(decoding: raw[consumed...], as: UTF8.self))
    }
}

func XCTAssertFrame(_ result: FrameParseResult, fin: Bool = true, opcode: Opcode, payload: [UInt8], consumed: Int,
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(result, .frame(Frame(fin: fin, opcode: opcode, payload: payload), consumed: consumed), file: file, line: line)
}

func XCTAssertHeadFailure(_ result: RequestHeadParseResult, status: Int, file: StaticString = #filePath, line: UInt = #line) {
    guard case .failure(let failure) = result else {
        return XCTFail("expected failure \(status), got \(result)", file: file, line: line)
    }
    XCTAssertEqual(failure.status, status, failure.message, file: file, line: line)
}

extension RequestHeadParseResult {
    var head: RequestHead? {
        if case .head(let head, _) = self { return head }
        return nil
    }
}
