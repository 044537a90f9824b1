import PushCore
import SimplePush
import XCTest

final class EngineHandshakeTests: XCTestCase {
    func testCommandsBeforeHelloRequireTheHandshake() {
        let commands = [
            #"{"messageType":"register","channelID":"\#(Sample.channel)"}"#,
            #"{"messageType":"unregister","channelID":"\#(Sample.channel)"}"#,
            #"{"messageType":"ack","updates":[{"channelID":"\#(Sample.channel)","version":1}]}"#,
        ]
        for command in commands {
            var harness = EngineHarness()
            let reply = errorReply(harness.send(command))
            XCTAssertEqual(reply["status"] as? Int, 401, command)
            XCTAssertEqual(reply["error"] as? String, "Command requires handshake", command)
            XCTAssertEqual(harness.session.phase, .awaitingHello, command)
        }
    }

    func testTheHandshakeErrorEchoesTheClientObject() {
        var harness = EngineHarness()
        let reply = errorReply(harness.send(#"{"messageType":"Register","channelID":"\#(Sample.channel)","extra":{"n":[1,"two"]}}"#))
        XCTAssertEqual(reply["messageType"] as? String, "register")
        XCTAssertEqual(reply["channelID"] as? String, Sample.channel)
        let extra = reply["extra"] as? [String: Any]
        let list = extra?["n"] as? [Any]
        XCTAssertEqual(list?.first as? Int, 1)
        XCTAssertEqual(list?.last as? String, "two")
        assertError(reply, is: .requiresHandshake)
        XCTAssertEqual(reply.count, 5, "\(reply)")
    }

    func testHelloIsHandedToTheResolver() {
        var harness = EngineHarness()
        let outcome = harness.send(#"{"messageType":"hello","uaid":"\#(Sample.uaidDashed)","channelIDs":["\#(Sample.channel)"]}"#)
        guard case .hello(let requested, let count, _) = outcome else { return XCTFail("got \(outcome)") }
        XCTAssertEqual(requested, Sample.uaid)
        XCTAssertEqual(count, 1)
        XCTAssertEqual(harness.session.phase, .helloInFlight)
        XCTAssertNil(harness.session.uaid)
    }

    func testAHelloWithoutAUAIDIsHandedToTheResolverAsNil() {
        var harness = EngineHarness()
        let outcome = harness.send(#"{"messageType":"hello"}"#)
        guard case .hello(let requested, let count, _) = outcome else { return XCTFail("got \(outcome)") }
        XCTAssertNil(requested)
        XCTAssertEqual(count, 0)
    }

    func testARepeatedHelloWithTheSameOrNoUAIDIsAnsweredAgain() {
        let hellos = [
            #"{"messageType":"hello","uaid":"\#(Sample.uaidHex)","channelIDs":[]}"#,
            #"{"messageType":"hello","uaid":"\#(Sample.uaidDashed.uppercased())"}"#,
            #"{"messageType":"hello","uaid":""}"#,
            #"{"messageType":"hello"}"#,
        ]
        for hello in hellos {
            var harness = EngineHarness.ready()
            let outcome = harness.send(hello)
            guard case .repeatHello(let uaid, _) = outcome else { XCTFail("\(hello): got \(outcome)"); continue }
            XCTAssertEqual(uaid, Sample.uaid, hello)
            XCTAssertEqual(harness.session.phase, .ready, hello)
        }
    }

    func testARepeatedHelloWithAnotherUAIDIsRefused() {
        var harness = EngineHarness.ready()
        let reply = errorReply(harness.send(#"{"messageType":"hello","uaid":"\#(Sample.otherUAIDHex)","channelIDs":[]}"#))
        assertError(reply, is: .existingHandshake)
        XCTAssertEqual(reply["status"] as? Int, 503)
        XCTAssertEqual(reply["uaid"] as? String, Sample.otherUAIDHex)
        XCTAssertEqual(reply["messageType"] as? String, "hello")
        XCTAssertEqual(harness.session.uaid, Sample.uaid, "the session keeps its device")
    }

    func testARepeatedHelloWithAnInvalidNonEmptyUAIDIsRefused() {
        var harness = EngineHarness.ready()
        let reply = errorReply(harness.send(#"{"messageType":"hello","uaid":"xyz"}"#))
        assertError(reply, is: .existingHandshake)
        XCTAssertEqual(harness.session.uaid, Sample.uaid)
    }

    func testPurgeBeforeHelloIsAcceptedSilently() {
        var harness = EngineHarness()
        guard case .nothing = harness.send(#"{"messageType":"purge"}"#) else { return XCTFail("purge was not accepted") }
        XCTAssertEqual(harness.session.phase, .awaitingHello)
    }

    func testUnregisteringAnInvalidChannelIDIsAnsweredWithoutTheStore() {
        var harness = EngineHarness.ready()
        guard case .reply(let text) = harness.send(#"{"messageType":"unregister","channelID":"not-a-uuid"}"#) else {
            return XCTFail("expected a direct reply")
        }
        let reply = parseObject(text)
        XCTAssertEqual(reply["status"] as? Int, 200)
        XCTAssertEqual(reply["channelID"] as? String, "not-a-uuid")
    }

    func testCommandsAfterHelloCarryTheSessionsUAID() {
        let uaid = UAID(high: 42, low: 7)
        var harness = EngineHarness.ready(as: uaid)

        let register = harness.send(#"{"messageType":"register","channelID":"\#(Sample.channel)"}"#)
        guard case .register(let registerUAID, let registerChannel) = register else { return XCTFail("got \(register)") }
        XCTAssertEqual(registerUAID, uaid)
        XCTAssertEqual(registerChannel.value, Sample.channel)

        let unregister = harness.send(#"{"messageType":"unregister","channelID":"\#(Sample.otherChannel)"}"#)
        guard case .unregister(let unregisterUAID, let unregisterChannel) = unregister else { return XCTFail("got \(unregister)") }
        XCTAssertEqual(unregisterUAID, uaid)
        XCTAssertEqual(unregisterChannel.value, Sample.otherChannel)

        let ack = harness.send(#"{"messageType":"ack","updates":[{"channelID":"\#(Sample.channel)","version":12}]}"#)
        guard case .ack(let ackUAID, let entries) = ack else { return XCTFail("got \(ack)") }
        XCTAssertEqual(ackUAID, uaid)
        XCTAssertEqual(describeAcks(entries), ["\(Sample.channel)=12"])
    }

    func testPurgeAfterHelloDoesNothing() {
        var harness = EngineHarness.ready()
        let outcome = harness.send(#"{"messageType":"purge"}"#)
        guard case .nothing = outcome else { return XCTFail("got \(outcome)") }
        XCTAssertEqual(harness.session.phase, .ready)
    }

    func testFramesThatAreNotObjectsCloseWithoutReply() {
        for text in ["nope", "[]", "7", #""hello""#] {
            var harness = EngineHarness.ready()
            let outcome = harness.send(text)
            guard case .close = outcome else { XCTFail("\(text): got \(outcome)"); continue }
        }
    }

    func testDecodeErrorsAreAnsweredAndClosed() {
        let cases: [(String, ProtocolError)] = [
            (#"{"uaid":"x"}"#, .invalidHeader),
            (#"{"messageType":7}"#, .invalidHeader),
            (#"{"messageType":"Subscribe"}"#, .unsupportedType),
            (#"{"messageType":"register"}"#, .missingChannelID),
            (#"{"messageType":"register","channelID":"nope"}"#, .invalidFields),
            (#"{"messageType":"ack","updates":[]}"#, .missingFields),
        ]
        for (text, error) in cases {
            var harness = EngineHarness.ready()
            let reply = errorReply(harness.send(text))
            assertError(reply, is: error)
        }
    }
}
