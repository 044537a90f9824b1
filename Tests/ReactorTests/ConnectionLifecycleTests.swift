import CEpoll
import Foundation
import LoopbackClient
@testable import Reactor
import WebSocket
import XCTest

/// One close, one report; failed sockets released only after the callback; no SIGPIPE.
final class ConnectionLifecycleTests: XCTestCase {
    func testAFailedCloseFrameReportsTheCloseOnceWithTheConnectionsOwnID() throws {
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        client.reset()
        usleep(50_000)
        // The close frame's write fails on the reset socket.
        harness.reactor.close(id, code: .normal)
        harness.reactor.releaseFailed()
        XCTAssertEqual(harness.closed, [id])
        XCTAssertEqual(harness.reactor.openConnections, 0)
    }

    func testAFailedWriteKeepsTheSlotUntilTheCallbackReturns() throws {
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        client.reset()
        usleep(50_000)
        harness.reactor.send("one", to: id)
        XCTAssertFalse(harness.reactor.isOpen(id), "a connection whose write failed is not open")
        XCTAssertTrue(harness.closed.isEmpty, "the close is reported after the callback, not inside the write")
        // A second client must not be given the failed slot while the callback still runs.
        let other = try RawClient(port: harness.port)
        try other.upgrade()
        harness.reactor.acceptConnections()
        XCTAssertNotEqual(harness.reactor.slots.count, 1, "the failed slot was handed out again")
        harness.reactor.releaseFailed()
        XCTAssertEqual(harness.closed, [id])
        XCTAssertEqual(harness.reactor.openConnections, 0)
    }

    func testWritingToAClosedPeerRaisesNoSIGPIPE() throws {
        // The default action of SIGPIPE ends the process: this test dies if a write raises it.
        let previous = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, previous) }
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        client.closeNormally()
        usleep(50_000)
        harness.reactor.send("first", to: id)  // accepted by the kernel; the peer answers with a reset
        usleep(50_000)
        harness.reactor.send("second", to: id)  // EPIPE
        harness.reactor.send("third", to: id)
        harness.reactor.releaseFailed()
        XCTAssertEqual(harness.closed, [id])
    }

    func testTheCloseIsReportedBeforeThePeerCanSeeTheCloseFrame() throws {
        // A device that sees the close frame may at once be the target of a PUT, which must find
        // it offline: the registry is released in didClose, so didClose comes first.
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        var bytesWaitingAtReport = -1
        harness.onClose = { _ in
            var byte: UInt8 = 0
            bytesWaitingAtReport = recv(client.fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        }
        harness.reactor.close(id, code: .normal)
        XCTAssertEqual(harness.closed, [id])
        XCTAssertEqual(bytesWaitingAtReport, -1, "the close frame was already on the wire when the close was reported")
        XCTAssertEqual(client.readFrame()?.opcode, .close)
    }

    func testAClosingConnectionIsNotOpen() throws {
        let harness = try ReactorHarness()
        let (client, id) = try harness.openClient()
        harness.reactor.close(id, code: .normal)
        XCTAssertTrue(harness.reactor.isCurrent(id), "still lingering for the peer's close")
        XCTAssertFalse(harness.reactor.isOpen(id))
        XCTAssertEqual(harness.closed, [id])
        let frame = client.readFrame()
        XCTAssertEqual(frame?.opcode, .close)
        client.closeNormally()
        harness.run(until: { !harness.reactor.isCurrent(id) })
        XCTAssertEqual(harness.closed, [id], "releasing a closing connection reports nothing more")
    }

    func testTheLoopTellsAnInterruptionFromAFatalError() {
        XCTAssertEqual(Reactor.WaitOutcome(3), .events(3))
        XCTAssertEqual(Reactor.WaitOutcome(-EINTR), .interrupted)
        XCTAssertEqual(Reactor.WaitOutcome(-EBADF), .failed(errno: EBADF))
        var events = [cepoll_event](repeating: cepoll_event(), count: 1)
        // The shim reports the error itself, so nothing between the call and errno can change it.
        XCTAssertEqual(cepoll_wait(-1, &events, 1, 0), -EBADF)
    }
}
