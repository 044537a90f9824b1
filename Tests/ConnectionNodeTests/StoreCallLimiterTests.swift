@testable import ConnectionNode
import Synchronization
import XCTest

final class StoreCallLimiterTests: XCTestCase {
    func testWaitersGetPlacesInOrderAsTheyAreReleased() {
        let limiter = StoreCallLimiter(limit: 2)
        let log = Mutex<[Int]>([])
        var started: [Int] { log.withLock { $0 } }
        XCTAssertTrue(limiter.acquire(orQueue: { log.withLock { $0.append(0) } }))
        XCTAssertTrue(limiter.acquire(orQueue: { log.withLock { $0.append(1) } }))
        for waiter in 2..<5 { XCTAssertFalse(limiter.acquire(orQueue: { log.withLock { $0.append(waiter) } })) }
        XCTAssertEqual(limiter.queued, 3)
        limiter.release()
        limiter.release()
        XCTAssertEqual(started, [2, 3])
        limiter.release()
        XCTAssertEqual(started, [2, 3, 4])
        // Waiters 3 and 4 hold the two places; both finish.
        limiter.release()
        limiter.release()
        // Every place is free again: two more start at once, the third waits.
        XCTAssertTrue(limiter.acquire(orQueue: {}))
        XCTAssertTrue(limiter.acquire(orQueue: {}))
        XCTAssertFalse(limiter.acquire(orQueue: {}))
    }
}
