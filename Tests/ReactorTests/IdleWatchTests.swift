import Foundation
import LoopbackClient
@testable import Reactor
import WebSocket
import XCTest

/// A watched connection that goes silent is pinged, then dropped; one that answers stays.
final class IdleWatchTests: XCTestCase {
    private func watchedHarness() throws -> (ReactorHarness, RawClient, ConnectionID) {
        let harness = try ReactorHarness { settings in
            settings.idleTimeout = 1
            settings.pongTimeout = 1
        }
        let (client, id) = try harness.openClient()
        harness.reactor.watchIdle(id)
        return (harness, client, id)
    }

    func testASilentPeerIsPingedThenDropped() throws {
        let (harness, client, id) = try watchedHarness()
        harness.run(until: { harness.closed == [id] }, timeout: 6)
        XCTAssertEqual(client.readFrame()?.opcode, .ping)
        XCTAssertEqual(harness.reactor.openConnections, 0)
    }

    func testAPeerThatAnswersThePingStays() throws {
        let (harness, client, id) = try watchedHarness()
        for _ in 0..<3 {
            var ping: Frame?
            while ping == nil {
                harness.reactor.runOnce(timeoutMilliseconds: 50)
                ping = harness.closed.isEmpty ? client.readFrameIfReady() : nil
                if !harness.closed.isEmpty { return XCTFail("dropped although it answered") }
            }
            XCTAssertEqual(ping?.opcode, .ping)
            client.sendFrame(.pong)
        }
        XCTAssertTrue(harness.reactor.isOpen(id))
    }

    func testTheHelloDeadlineIsTheDelegatesNotAnIdlePing() throws {
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        harness.reactor.setDeadline(id, after: 1)
        harness.run(until: { harness.deadlines == [id] }, timeout: 4)
        XCTAssertTrue(harness.reactor.isOpen(id))
        XCTAssertNil(client.readFrameIfReady(), "no idle ping for a delegate's deadline")
    }
}

