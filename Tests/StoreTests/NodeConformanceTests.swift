import PushCore
import Store
import XCTest

/// Which node holds a device's connection: claims, the newest connection winning, and releases
/// that never clear a newer claim.
final class NodeConformanceTests: StoreConformanceTestCase {
    private let nodeA = "http://10.0.0.1:8090", nodeB = "http://10.0.0.2:8090"

    func testAClaimIsRecordedAndReadBack() async {
        await onEveryBackend { store in
            let uaid = device(1)
            let none = try await store.nodeRecord(uaid)
            XCTAssertNil(none, "a device nobody claimed")
            let record = NodeRecord(node: nodeA, connectedAt: 1_000)
            let claimed = try await store.claimNode(uaid, record)
            XCTAssertEqual(claimed, .claimed(replaced: nil))
            let read = try await store.nodeRecord(uaid)
            XCTAssertEqual(read, record)
            let again = try await store.claimNode(uaid, record)
            XCTAssertEqual(again, .claimed(replaced: nil), "claiming the same connection again changes nothing")
            let other = try await store.nodeRecord(device(2))
            XCTAssertNil(other, "devices do not share records")
        }
    }

    func testTheNewestConnectionWins() async {
        await onEveryBackend { store in
            let uaid = device(1)
            let older = NodeRecord(node: nodeA, connectedAt: 1_000), newer = NodeRecord(node: nodeB, connectedAt: 2_000)
            _ = try await store.claimNode(uaid, older)
            let replaced = try await store.claimNode(uaid, newer)
            XCTAssertEqual(replaced, .claimed(replaced: older), "the older connection is named, to be closed")
            // The older connection's claim arriving late does not take the device back.
            let late = try await store.claimNode(uaid, older)
            XCTAssertEqual(late, .newerHeld(newer))
            let read = try await store.nodeRecord(uaid)
            XCTAssertEqual(read, newer)
            // At the same millisecond every node agrees on one winner.
            let tieA = NodeRecord(node: nodeA, connectedAt: 3_000), tieB = NodeRecord(node: nodeB, connectedAt: 3_000)
            _ = try await store.claimNode(uaid, tieB)
            let tie = try await store.claimNode(uaid, tieA)
            XCTAssertEqual(tie, .newerHeld(tieB))
        }
    }

    func testAReleaseClearsOnlyTheRecordItNames() async {
        await onEveryBackend { store in
            let uaid = device(1)
            let first = NodeRecord(node: nodeA, connectedAt: 1_000), second = NodeRecord(node: nodeB, connectedAt: 2_000)
            _ = try await store.claimNode(uaid, first)
            _ = try await store.claimNode(uaid, second)
            let stale = try await store.releaseNode(uaid, ifStill: first)
            XCTAssertFalse(stale, "the first connection closing must not clear the second's claim")
            let kept = try await store.nodeRecord(uaid)
            XCTAssertEqual(kept, second)
            let released = try await store.releaseNode(uaid, ifStill: second)
            XCTAssertTrue(released)
            let gone = try await store.nodeRecord(uaid)
            XCTAssertNil(gone)
            let twice = try await store.releaseNode(uaid, ifStill: second)
            XCTAssertFalse(twice)
            // A released device can be claimed again, by an older connection too.
            let reclaimed = try await store.claimNode(uaid, first)
            XCTAssertEqual(reclaimed, .claimed(replaced: nil))
        }
    }

    func testConcurrentClaimsLeaveTheNewest() async {
        await onEveryBackend { store in
            let uaid = device(1)
            let claims = (0 ..< 40).map { NodeRecord(node: $0 % 2 == 0 ? nodeA : nodeB, connectedAt: Int64(1_000 + $0)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for claim in claims.shuffled() {
                    group.addTask { _ = try await store.claimNode(uaid, claim) }
                }
                try await group.waitForAll()
            }
            let winner = try await store.nodeRecord(uaid)
            XCTAssertEqual(winner, claims.last, "whatever the order, the newest connection holds the device")
        }
    }

    func testTheStoredFormRoundTrips() {
        let record = NodeRecord(node: "http://[fd00::1]:8090", connectedAt: 1_764_000_000_123)
        XCTAssertEqual(NodeRecord(encoded: record.encoded), record)
        XCTAssertNil(NodeRecord(encoded: ""))
        XCTAssertNil(NodeRecord(encoded: "12"))
        XCTAssertNil(NodeRecord(encoded: "x http://a"))
        XCTAssertNil(NodeRecord(encoded: "12 "))
    }
}
