import PushCore
import SimplePush
import XCTest

/// One connection's session driven through the engine, with the caller's part of a hello
/// (storing the resolved UAID and marking the session ready) done by `completeHello`.
struct EngineHarness {
    let engine: SessionEngine
    var session = Session()

    init(minPingInterval: Double = 20) {
        engine = SessionEngine(settings: .init(maxChannels: 200, minPingInterval: minPingInterval))
    }

    mutating func send(_ text: String, at now: Double = 100) -> SessionEngine.Outcome {
        engine.handle(Array(text.utf8), session: &session, now: now)
    }

    mutating func completeHello(_ uaid: UAID) {
        session.uaid = uaid
        session.phase = .ready
    }

    /// A session that has said hello as `uaid`.
    static func ready(as uaid: UAID = Sample.uaid) -> EngineHarness {
        var harness = EngineHarness()
        harness.completeHello(uaid)
        return harness
    }
}

/// The error reply of a `.replyAndClose` outcome, parsed; a test failure for any other outcome.
func errorReply(_ outcome: SessionEngine.Outcome, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
    guard case .replyAndClose(let text) = outcome else {
        XCTFail("expected an error reply and close, got \(outcome)", file: file, line: line)
        return [:]
    }
    return parseObject(text, file: file, line: line)
}

/// Checks that a parsed reply carries the contract's status and error text for `error`.
func assertError(_ reply: [String: Any], is error: ProtocolError, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(reply["status"] as? Int, error.status, file: file, line: line)
    XCTAssertEqual(reply["error"] as? String, error.message, file: file, line: line)
}
