import WebSocket
import XCTest

/// Inputs the fuzzers in fuzz/ found (see FUZZING.md), kept once fixed.
final class FuzzRegressionTests: XCTestCase {
    /// A request line of exactly the 2048-byte limit was refused with 414 when the buffer ended
    /// between its CR and LF, though the same bytes in one read were accepted: the pending CR
    /// was counted as part of the line.
    func testRequestLineAtTheLimitSplitBeforeItsLineFeed() {
        let line = "GET /" + String(repeating: "a", count: 2034) + " HTTP/1.1"
        XCTAssertEqual(line.utf8.count, RequestHeadParser.maxRequestLine)
        let request = line + "\r\nHost: a\r\n\r\n"
        guard case .needMore = parseHead(line + "\r") else { return XCTFail("CR before the LF refused") }
        guard case .head(let head, let consumed) = parseHead(request) else { return XCTFail("request refused") }
        XCTAssertEqual(consumed, request.utf8.count)
        XCTAssertEqual(head.target.utf8.count, 2034 + 1)
        // One byte longer is refused however it arrives.
        let long = "GET /" + String(repeating: "a", count: 2035) + " HTTP/1.1"
        XCTAssertHeadFailure(parseHead(long + "\r"), status: 414)
        XCTAssertHeadFailure(parseHead(long + "\r\n\r\n"), status: 414)
    }

    /// Values were trimmed as Characters, so a space followed by a combining mark (one grapheme)
    /// stayed at the front of the value. HTTP's whitespace is the bytes SP and HTAB.
    func testValueTrimmedBeforeACombiningMark() {
        let head = parseHead("GET / HTTP/1.1\r\nX-A: \u{301}b \u{301}\r\nX-B:\t\u{0FAE}\t\r\n\r\n").head
        XCTAssertEqual(head?.header("X-A"), "\u{301}b \u{301}")
        XCTAssertEqual(head?.header("X-A")?.utf8.first, 0xCC)
        XCTAssertEqual(head?.header("X-B"), "\u{0FAE}")
    }
}
