import PushCore
import Routing
import Store
import WebPush
import XCTest

/// Subscription endpoints and message ids: sealed, opened, and refused when they are anything else.
final class WebPushTokenTests: XCTestCase {
    private let codec = try! EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])
    private let uaid = UAID(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)
    private let channel = ChannelID("5f9a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")!

    private func split(_ path: String) -> (String, String) {
        let parts = path.split(separator: "/", maxSplits: 1).map(String.init)
        return (parts[0], parts[1])
    }

    func testAV1SubscriptionOpensOnV1AndTheBarePath() {
        let (version, token) = split(codec.endpointPath(for: Subscription(uaid: uaid, channel: channel)))
        XCTAssertEqual(version, "v1")
        XCTAssertEqual(codec.subscription(token: token, version: "v1"), Subscription(uaid: uaid, channel: channel))
        XCTAssertEqual(codec.subscription(token: token, version: nil), Subscription(uaid: uaid, channel: channel))
        XCTAssertNil(codec.subscription(token: token, version: "v2"), "a v1 token is not a restricted subscription")
    }

    func testAV2SubscriptionCarriesItsKeyHashAndOpensOnlyOnV2() {
        let hash = (0 ..< 32).map { UInt8($0 * 7 & 0xff) }
        let (version, token) = split(codec.endpointPath(for: Subscription(uaid: uaid, channel: channel, keyHash: hash)))
        XCTAssertEqual(version, "v2")
        XCTAssertEqual(codec.subscription(token: token, version: "v2"), Subscription(uaid: uaid, channel: channel, keyHash: hash))
        XCTAssertNil(codec.subscription(token: token, version: "v1"))
        XCTAssertNil(codec.subscription(token: token, version: nil))
    }

    func testOtherTokensAndGarbageAreNoSubscription() {
        let simplePush = codec.seal(uaid: uaid, channel: channel)
        XCTAssertNil(codec.subscription(token: simplePush, version: "v1"))
        XCTAssertNil(codec.subscription(token: "not-a-token", version: "v1"))
        let other = try! EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])
        let (_, foreign) = split(other.endpointPath(for: Subscription(uaid: uaid, channel: channel)))
        XCTAssertNil(codec.subscription(token: foreign, version: "v1"), "sealed with a key this server does not have")
    }

    func testAMessageIDNamesItsDeviceSlotAndTimestamp() throws {
        for slot in [StoredMessage.Slot.topic("scores"), .unique(0xdead_beef), .topic(String(repeating: "z", count: 32))] {
            let message = StoredMessage(channel: channel, slot: slot, timestamp: 1_764_000_000_123_456)
            let id = codec.messageID(uaid: uaid, message: message)
            let (owner, reference) = try XCTUnwrap(codec.openMessageID(id))
            XCTAssertEqual(owner, uaid)
            XCTAssertEqual(reference, MessageReference(channel: channel, slotKey: message.slotKey, match: .timestamp(message.timestamp)))
            XCTAssertTrue(reference.matches(message))
            XCTAssertEqual(codec.messageID(uaid: uaid, message: message), id, "the same message keeps its id")
            XCTAssertFalse(id.contains("/") || id.contains("+") || id.contains("="), "URL-safe: \(id)")
        }
        let later = StoredMessage(channel: channel, slot: .topic("scores"), timestamp: 1_764_000_000_123_457)
        let earlier = StoredMessage(channel: channel, slot: .topic("scores"), timestamp: 1_764_000_000_123_456)
        XCTAssertNotEqual(codec.messageID(uaid: uaid, message: later), codec.messageID(uaid: uaid, message: earlier),
                          "a replacement in the same slot has an id of its own")
        XCTAssertNil(codec.openMessageID(codec.seal(uaid: uaid, channel: channel)))
        XCTAssertNil(codec.openMessageID("AAAA"))
    }

    func testTheClockNeverRepeatsATimestamp() {
        let clock = MessageClock()
        let stamps = (0 ..< 10_000).map { _ in clock.next() }
        XCTAssertEqual(stamps, stamps.sorted())
        XCTAssertEqual(Set(stamps).count, stamps.count)
    }
}
