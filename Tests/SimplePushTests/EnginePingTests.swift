import PushCore
import SimplePush
import XCTest

final class EnginePingTests: XCTestCase {
    private func assertPong(_ outcome: SessionEngine.Outcome, file: StaticString = #filePath, line: UInt = #line) {
        guard case .reply(let text) = outcome else { return XCTFail("expected {}, got \(outcome)", file: file, line: line) }
        XCTAssertEqual(text, "{}", file: file, line: line)
    }

    func testPingsAreAllowedBeforeHello() {
        var harness = EngineHarness()
        assertPong(harness.send("{}", at: 5))
        assertPong(harness.send(#"{"messageType":"ping"}"#, at: 30))
        XCTAssertEqual(harness.session.phase, .awaitingHello)
    }

    func testASecondPingWithinTheIntervalIsRefused() {
        var harness = EngineHarness.ready()
        assertPong(harness.send("{}", at: 1000))
        let reply = errorReply(harness.send("{}", at: 1019.5))
        assertError(reply, is: .tooManyPings)
        XCTAssertEqual(reply["status"] as? Int, 401)
    }

    func testTheRefusalEchoesThePingObject() {
        var harness = EngineHarness()
        assertPong(harness.send(#"{"messageType":"PING"}"#, at: 0))
        let reply = errorReply(harness.send(#"{"messageType":"PING"}"#, at: 1))
        XCTAssertEqual(reply["messageType"] as? String, "ping")
        assertError(reply, is: .tooManyPings)
    }

    func testPingsSpacedByTheIntervalAreAccepted() {
        var harness = EngineHarness.ready()
        for now in [0.0, 20, 40.5, 100] {
            assertPong(harness.send("{}", at: now))
        }
    }

    func testTheIntervalIsTheConfiguredOne() {
        var strict = EngineHarness(minPingInterval: 60)
        assertPong(strict.send("{}", at: 0))
        assertError(errorReply(strict.send("{}", at: 59)), is: .tooManyPings)

        var lenient = EngineHarness(minPingInterval: 1)
        assertPong(lenient.send("{}", at: 0))
        assertPong(lenient.send("{}", at: 1.5))
    }

    func testTheFirstPingIsAcceptedAtAnyClockValue() {
        // The engine gets a monotonic clock that may start at zero.
        var harness = EngineHarness()
        assertPong(harness.send("{}", at: 0))
    }

    func testOtherCommandsDoNotCountAsPings() {
        var harness = EngineHarness.ready()
        assertPong(harness.send("{}", at: 0))
        _ = harness.send(#"{"messageType":"register","channelID":"\#(Sample.channel)"}"#, at: 10)
        assertPong(harness.send("{}", at: 21))
    }
}
