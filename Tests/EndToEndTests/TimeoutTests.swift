import Foundation
import PushCore
import XCTest

/// Timers and pacing: the hello timeout and the ping forms and rate limit.
final class TimeoutTests: EndToEndTestCase {
    func testSilentConnectionIsClosedAfterHelloTimeout() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_CLIENT_HELLO_TIMEOUT": "1"])
        let client = try connect(to: server)
        let start = ContinuousClock.now
        try client.expectClose(timeout: 4)
        let elapsed = ContinuousClock.now - start
        XCTAssertGreaterThan(elapsed, .milliseconds(800), "closed before the timeout")
    }

    func testHelloStopsTheHelloTimeout() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_CLIENT_HELLO_TIMEOUT": "1"])
        let (client, _) = try connectDevice(to: server)
        // Past the latest moment the timeout could fire (the server checks deadlines about once a second).
        try client.expectNoMessage(for: 2.5)
        try client.send(text: "{}")
        XCTAssertTrue(try client.receiveJSON().isEmpty)
    }

    func testEveryPingFormIsAnsweredWithEmptyObjectBeforeHello() throws {
        let server = try startServer()
        let forms = ["{}", "{ }", " {\n} ", #"{"messageType":"ping"}"#, #"{"MessageType":"PING"}"#]
        for form in forms {
            // One ping per connection: the default minimum interval is 20 s.
            let client = try connect(to: server)
            try client.send(text: form)
            let reply = try client.receiveJSON()
            XCTAssertTrue(reply.isEmpty, "ping \(form.debugDescription) answered with \(jsonText(reply))")
        }
    }

    func testPingsFartherApartThanMinIntervalAreAnswered() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_CLIENT_MIN_PING_INTERVAL": "1"])
        let (client, _) = try connectDevice(to: server)
        try client.send(text: "{}")
        XCTAssertTrue(try client.receiveJSON().isEmpty)
        usleep(1_200_000)
        try client.send(json: ["messageType": "ping"])
        XCTAssertTrue(try client.receiveJSON().isEmpty)
    }

    func testPingsCloserThanMinIntervalAre203() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_CLIENT_MIN_PING_INTERVAL": "2"])
        let (client, _) = try connectDevice(to: server)
        try client.send(text: "{}")
        XCTAssertTrue(try client.receiveJSON().isEmpty)
        let sent: [String: Any] = ["messageType": "ping"]
        try client.send(json: sent)
        try assertProtocolError(.tooManyPings, on: client, after: sent)
    }
}
