import Cluster
import XCTest

final class RestartPolicyTests: XCTestCase {
    private let policy = RestartPolicy()

    func testTheBackOffDoublesWhileAWorkerKeepsFailingAndStopsAtTheMaximum() {
        var restarts = 0
        var delays: [Double] = []
        for _ in 0 ..< 9 {
            let next = policy.delay(afterRestartsInARow: restarts, ranFor: 1)
            delays.append(next.delay)
            restarts = next.restartsInARow
        }
        XCTAssertEqual(delays, [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
    }

    func testARunThatLastedStartsTheBackOffAgain() {
        XCTAssertEqual(policy.delay(afterRestartsInARow: 6, ranFor: 31).delay, 0.5)
        XCTAssertEqual(policy.delay(afterRestartsInARow: 6, ranFor: 31).restartsInARow, 1)
        XCTAssertEqual(policy.delay(afterRestartsInARow: 100_000, ranFor: 1).delay, 30, "no overflow however long it failed")
    }

    func testOnlyAFailureStatusEarlyInTheFirstRunStopsTheCluster() {
        XCTAssertTrue(policy.isStartupFailure(.exited(1), firstRun: true, ranFor: 0.2))
        XCTAssertFalse(policy.isStartupFailure(.exited(0), firstRun: true, ranFor: 0.2), "a clean exit is not a failure")
        XCTAssertFalse(policy.isStartupFailure(.signaled(9), firstRun: true, ranFor: 0.2), "a crash or a kill may not recur")
        XCTAssertFalse(policy.isStartupFailure(.exited(1), firstRun: true, ranFor: 6), "it had started")
        XCTAssertFalse(policy.isStartupFailure(.exited(1), firstRun: false, ranFor: 0.2), "a restart keeps trying")
    }
}
