import Foundation
import LoopbackClient
@testable import Reactor
import WebSocket
import XCTest

/// Pausing reads, the output buffer and its cap.
final class FlowControlTests: XCTestCase {
    func testPausedReadingHoldsLaterMessagesUntilResumed() throws {
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        harness.onMessage = { connection, _ in harness.reactor.pauseReading(connection) }
        client.send((1...40).map { "m\($0)" })
        harness.run(until: { !harness.messages.isEmpty })
        harness.run(for: 0.2)
        XCTAssertEqual(harness.messages.map(\.1), ["m1"], "nothing more is handed on while paused")
        for expected in 2...40 {
            harness.reactor.resumeReading(id)
            XCTAssertEqual(harness.messages.last?.1, "m\(expected)")
        }
        XCTAssertEqual(harness.messages.count, 40)
        XCTAssertTrue(harness.reactor.isOpen(id))
    }

    func testAResetWhilePausedEndsTheConnection() throws {
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        harness.reactor.pauseReading(id)
        client.reset()
        harness.run(until: { harness.closed == [id] })
    }

    func testOutputThatWaitsIsSentWholeAndInOrder() throws {
        let harness = try ReactorHarness { $0.maxPendingOutput = 1 << 30 }
        let (client, id) = try harness.openClient()
        let count = 8000
        let payload = String(repeating: "x", count: 4000)
        for index in 0..<count { harness.reactor.send("\(index):\(payload)", to: id) }
        XCTAssertNotNil(harness.reactor.pendingOutput[id.slot], "the socket buffer should have filled")
        var received = 0
        while received < count {
            harness.reactor.runOnce(timeoutMilliseconds: 0)
            guard let frame = client.readFrame() else { return XCTFail("stream ended after \(received) frames") }
            XCTAssertEqual(String(decoding: frame.payload, as: UTF8.self), "\(received):\(payload)")
            received += 1
        }
        XCTAssertNil(harness.reactor.pendingOutput[id.slot])
    }

    func testAReaderThatStopsIsDroppedAtTheOutputCap() throws {
        let harness = try ReactorHarness { $0.maxPendingOutput = 64 * 1024 }
        let (client, id) = try harness.openClient()
        defer { withExtendedLifetime(client) {} }
        let payload = String(repeating: "y", count: 1000)
        for _ in 0..<5000 where harness.reactor.isOpen(id) { harness.reactor.send(payload, to: id) }
        XCTAssertFalse(harness.reactor.isOpen(id))
        harness.reactor.releaseFailed()
        XCTAssertEqual(harness.closed, [id])
    }

    func testTheOutputBufferConsumesByOffsetAndCompacts() {
        var buffer = OutputBuffer(Array(0..<10)[...])
        buffer.consume(4)
        XCTAssertEqual(buffer.count, 6)
        XCTAssertEqual(buffer.withUnsentBytes { Array($0) }, [4, 5, 6, 7, 8, 9])
        buffer.consume(2)
        buffer.append([10, 11])
        XCTAssertEqual(buffer.offset, 0, "compacted once half was consumed")
        XCTAssertEqual(buffer.withUnsentBytes { Array($0) }, [6, 7, 8, 9, 10, 11])
    }
}

final class SlotLayoutTests: XCTestCase {
    func testASlotStaysSixteenBytes() {
        XCTAssertEqual(MemoryLayout<Slot>.stride, 16, "one slot exists per connection")
    }
}
