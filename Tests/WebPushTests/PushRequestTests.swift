import PushCore
import WebPush
import XCTest

/// The delivery headers of a push, each refusal with its errno.
final class PushRequestTests: XCTestCase {
    private func parse(_ headers: [String: String], body: Int = 0) -> Result<PushRequest, PushError> {
        Result { () throws(PushError) in
            try PushRequest.parse(header: { headers[$0] }, bodyLength: body)
        }
    }

    private func assertRefused(_ headers: [String: String], body: Int = 0, errno: Int, status: Int = 400,
                               file: StaticString = #filePath, line: UInt = #line) {
        switch parse(headers, body: body) {
        case .success(let request): XCTFail("accepted \(request)", file: file, line: line)
        case .failure(let error):
            XCTAssertEqual(error.errno, errno, error.message, file: file, line: line)
            XCTAssertEqual(error.status, status, file: file, line: line)
        }
    }

    func testAPushWithoutABodyNeedsOnlyTTL() throws {
        let request = try parse(["ttl": "60"]).get()
        XCTAssertEqual(request, PushRequest(ttl: 60, topic: nil, urgency: .normal, deviceHeaders: [:]))
    }

    func testTTLIsRequiredNonNegativeAndCappedAtThirtyDays() throws {
        assertRefused([:], errno: 111)
        assertRefused(["ttl": "-1"], errno: 114)
        assertRefused(["ttl": "1.5"], errno: 114)
        assertRefused(["ttl": ""], errno: 114)
        assertRefused(["ttl": "ten"], errno: 114)
        XCTAssertEqual(try parse(["ttl": "0"]).get().ttl, 0)
        XCTAssertEqual(try parse(["ttl": " 7 "]).get().ttl, 7)
        XCTAssertEqual(try parse(["ttl": "2592001"]).get().ttl, 2_592_000)
        XCTAssertEqual(try parse(["ttl": "99999999999999999999999"]).get().ttl, 2_592_000)
    }

    func testTopicIsAtMost32URLSafeCharacters() throws {
        XCTAssertEqual(try parse(["ttl": "5", "topic": "scores_1-a"]).get().topic, "scores_1-a")
        XCTAssertEqual(try parse(["ttl": "5", "topic": String(repeating: "a", count: 32)]).get().topic?.count, 32)
        assertRefused(["ttl": "5", "topic": String(repeating: "a", count: 33)], errno: 113)
        assertRefused(["ttl": "5", "topic": "a b"], errno: 113)
        assertRefused(["ttl": "5", "topic": "é"], errno: 113)
        assertRefused(["ttl": "5", "topic": ""], errno: 113)
    }

    func testUrgencyTakesTheFourValuesOfRFC8030() throws {
        for urgency in Urgency.allCases {
            XCTAssertEqual(try parse(["ttl": "5", "urgency": urgency.rawValue]).get().urgency, urgency)
        }
        assertRefused(["ttl": "5", "urgency": "urgent"], errno: 112)
    }

    func testABodyNeedsAKnownContentEncoding() throws {
        assertRefused(["ttl": "5"], body: 10, errno: 110)
        assertRefused(["ttl": "5", "content-encoding": "gzip"], body: 10, errno: 110)
        let modern = try parse(["ttl": "5", "content-encoding": "aes128gcm"], body: 10).get()
        XCTAssertEqual(modern.deviceHeaders, ["encoding": "aes128gcm"])
    }

    func testTheLegacyEncodingNeedsItsSaltAndPassesItsKeysOn() throws {
        assertRefused(["ttl": "5", "content-encoding": "aesgcm"], body: 10, errno: 110)
        assertRefused(["ttl": "5", "content-encoding": "aesgcm", "encryption": "rs=4096"], body: 10, errno: 110)
        let legacy = try parse(["ttl": "5", "content-encoding": "aesgcm", "encryption": "salt=abc",
                                "crypto-key": "dh=BKey;p256ecdsa=BVapid"], body: 10).get()
        XCTAssertEqual(legacy.deviceHeaders, ["encoding": "aesgcm", "encryption": "salt=abc", "crypto_key": "dh=BKey;p256ecdsa=BVapid"])
        let withoutDH = try parse(["ttl": "5", "content-encoding": "aesgcm", "encryption": "salt=abc",
                                   "crypto-key": "p256ecdsa=BVapid"], body: 10).get()
        XCTAssertEqual(withoutDH.deviceHeaders, ["encoding": "aesgcm", "encryption": "salt=abc"])
    }

    func testTheBodyLimitIs4096Bytes() throws {
        let headers = ["ttl": "5", "content-encoding": "aes128gcm"]
        XCTAssertNoThrow(try parse(headers, body: 4096).get())
        assertRefused(headers, body: 4097, errno: 104, status: 413)
    }
}
