import Foundation
import LoopbackClient
@testable import Reactor
import Synchronization
import XCTest

/// A reactor belongs to one thread: the one that made it, until its loop thread starts. Other
/// threads reach it only through its handle.
final class ThreadOwnershipTests: XCTestCase {
    func testOnlyTheOwningThreadIsInTheReactorThread() throws {
        let harness = try ReactorHarness()
        let handle = harness.reactor.handle
        XCTAssertTrue(handle.inReactorThread, "the making thread owns the reactor until its loop starts")
        let elsewhere = Mutex<Bool?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            elsewhere.withLock { $0 = handle.inReactorThread }
            done.signal()
        }.start()
        done.wait()
        XCTAssertEqual(elsewhere.withLock { $0 }, false)
    }

    func testWorkPostedFromAnotherThreadRunsOnTheLoopThreadAfterStart() throws {
        let harness = try ReactorHarness()
        let bound = LoopBound(harness.reactor, handle: harness.reactor.handle)
        let handle = harness.reactor.handle
        harness.reactor.makeThread().start()
        // The loop thread adopts the reactor as it starts.
        let deadline = Date().addingTimeInterval(5)
        while handle.inReactorThread && Date() < deadline { usleep(1000) }
        XCTAssertFalse(handle.inReactorThread, "after start the making thread no longer owns the reactor")

        let seen = Mutex<(onLoop: Bool, open: Int)?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            bound.execute { reactor in
                seen.withLock { $0 = (reactor.handle.inReactorThread, reactor.openConnections) }
                done.signal()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(seen.withLock { $0?.onLoop }, true)
        XCTAssertEqual(seen.withLock { $0?.open }, 0)

        let stopped = DispatchSemaphore(value: 0)
        bound.execute { $0.stop { stopped.signal() } }
        XCTAssertEqual(stopped.wait(timeout: .now() + 5), .success)
    }

    func testTheProtocolTagFillsPaddingAndStartsAtZero() throws {
        XCTAssertEqual(MemoryLayout<Slot>.stride, 16, "a slot must stay 16 bytes with the tag")
        let harness = try ReactorHarness()
        let (_, id) = try harness.openClient()
        XCTAssertEqual(harness.reactor.tag(of: id), 0)
        harness.reactor.setTag(3, for: id)
        XCTAssertEqual(harness.reactor.tag(of: id), 3)
    }
}
