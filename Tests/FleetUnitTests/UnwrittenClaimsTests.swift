@testable import Fleet
import PushCore
import XCTest

/// The node records a hello could not write, kept for the record keeper's next round.
final class UnwrittenClaimsTests: XCTestCase {
    func testOnlyTheFirstFailureOfARunAsksForALogLine() {
        let claims = UnwrittenClaims()
        XCTAssertTrue(claims.add(UAID.random(), connectedAt: 1))
        XCTAssertFalse(claims.add(UAID.random(), connectedAt: 2))
        XCTAssertEqual(claims.takeAll().count, 2)
        XCTAssertTrue(claims.add(UAID.random(), connectedAt: 3), "a new run after the keeper took the last one")
    }

    func testAnOlderConnectionsReleaseDoesNotForgetTheNewerOne() {
        let claims = UnwrittenClaims()
        let uaid = UAID.random()
        _ = claims.add(uaid, connectedAt: 10)
        _ = claims.add(uaid, connectedAt: 20)
        claims.remove(uaid, connectedAt: 10)
        XCTAssertEqual(claims.count, 1)
        XCTAssertEqual(claims.takeAll().first?.connectedAt, 20)
        XCTAssertEqual(claims.count, 0)
        _ = claims.add(uaid, connectedAt: 30)
        claims.remove(uaid, connectedAt: 30)
        XCTAssertTrue(claims.takeAll().isEmpty, "the connection whose record was written is forgotten")
    }
}
