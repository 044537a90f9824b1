import PushCore
import Routing
import WebPush
import XCTest

/// What a WebPush device sends (as Firefox writes it) and what it is answered.
final class DeviceMessageTests: XCTestCase {
    private func decode(_ text: String) -> DeviceMessage { DeviceMessage.decode(Array(text.utf8)) }

    func testOnlyAHelloWithUseWebPushChoosesWebPush() {
        XCTAssertTrue(DeviceMessage.isWebPushHello(Array(#"{"messageType":"hello","broadcasts":{},"use_webpush":true}"#.utf8)))
        XCTAssertTrue(DeviceMessage.isWebPushHello(Array(#"{"MESSAGETYPE":"Hello","USE_WEBPUSH":true}"#.utf8)))
        XCTAssertFalse(DeviceMessage.isWebPushHello(Array(#"{"messageType":"hello","use_webpush":false}"#.utf8)))
        XCTAssertFalse(DeviceMessage.isWebPushHello(Array(#"{"messageType":"hello","use_webpush":"true"}"#.utf8)))
        XCTAssertFalse(DeviceMessage.isWebPushHello(Array(#"{"messageType":"hello","uaid":"","channelIDs":[]}"#.utf8)))
        XCTAssertFalse(DeviceMessage.isWebPushHello(Array(#"{"messageType":"register","use_webpush":true}"#.utf8)))
    }

    func testFirefoxsMessagesDecode() {
        let uaid = "0123456789abcdef0123456789abcdef"
        XCTAssertEqual(decode(#"{"messageType":"hello","broadcasts":{},"use_webpush":true,"uaid":"\#(uaid)"}"#),
                       .hello(uaid: UAID(uaid)))
        XCTAssertEqual(decode(#"{"messageType":"hello","use_webpush":true}"#), .hello(uaid: nil))
        XCTAssertEqual(decode(#"{"messageType":"hello","use_webpush":true,"uaid":"nope"}"#), .hello(uaid: nil))
        XCTAssertEqual(decode(#"{"messageType":"broadcast_subscribe","broadcasts":{"remote-settings/monitor_changes":"\"0\""}}"#),
                       .broadcastSubscribe)
        XCTAssertEqual(decode(#"{"messageType":"ack","updates":[{"channelID":"x","version":"id1","code":100},{"version":"id2"}]}"#),
                       .ack(["id1", "id2"]))
        XCTAssertEqual(decode(#"{"messageType":"nack","version":"id1","code":301}"#), .nack)
        XCTAssertEqual(decode("{}"), .ping)
        let channel = "5f9a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
        XCTAssertEqual(decode(#"{"messageType":"unregister","channelID":"\#(channel)","code":200}"#), .unregister(ChannelID(channel)!))
    }

    func testRegisterTakesAPaddedOrUnpaddedKeyAndRefusesABadOne() throws {
        let channel = "5f9a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
        // A real P-256 point (the generator), as Firefox sends it: base64url with padding.
        let point: [UInt8] = [0x04] + hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
            + hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
        let unpadded = Base64URL.encode(point)
        for key in [unpadded, unpadded + "="] {
            XCTAssertEqual(decode(#"{"messageType":"register","channelID":"\#(channel)","key":"\#(key)"}"#),
                           .register(ChannelID(channel)!, key: point))
        }
        XCTAssertEqual(decode(#"{"messageType":"register","channelID":"\#(channel)"}"#), .register(ChannelID(channel)!, key: nil))
        XCTAssertEqual(decode(#"{"messageType":"register","channelID":"\#(channel)","key":"AAAA"}"#), .badRegister(channel: channel))
        XCTAssertEqual(decode(#"{"messageType":"register","channelID":"\#(channel)","key":7}"#), .badRegister(channel: channel))
        XCTAssertEqual(decode(#"{"messageType":"register","channelID":"not-a-uuid"}"#), .badRegister(channel: "not-a-uuid"))
    }

    func testAnythingElseIsInvalid() {
        for text in ["[]", "\"hello\"", "{\"messageType\":\"purge\"}", "{\"messageType\":7}", "{\"channelID\":\"x\"}",
                     "{\"messageType\":\"ack\",\"updates\":{}}", "{\"messageType\":\"ack\",\"updates\":[{\"version\":1}]}",
                     "{\"messageType\":\"unregister\"}", "{\"messageType\":\"hello\",}"] {
            XCTAssertEqual(decode(text), .invalid, text)
        }
    }

    func testNotificationsCarryDataAndHeadersOnlyWithABody() {
        let channel = ChannelID("5f9a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")!
        let key = MessageKey(channel: channel, slotKey: "u:1", timestamp: 1)
        let bare = WebPushNotification(channel: channel, messageID: "m1", key: key, ttl: 60, urgency: .normal, data: nil,
                                       headers: [:])
        XCTAssertEqual(DeviceReplies.notification(bare),
                       #"{"messageType":"notification","channelID":"\#(channel)","version":"m1","ttl":60}"#)
        var full = bare
        full.data = "AQID"
        full.headers = ["encoding": "aesgcm", "encryption": "salt=s", "crypto_key": "dh=k"]
        XCTAssertEqual(DeviceReplies.notification(full),
                       #"{"messageType":"notification","channelID":"\#(channel)","version":"m1","ttl":60,"data":"AQID","#
                           + #""headers":{"crypto_key":"dh=k","encoding":"aesgcm","encryption":"salt=s"}}"#)
        XCTAssertEqual(DeviceReplies.hello(UAID(high: 1, low: 2)),
                       #"{"messageType":"hello","uaid":"00000000000000010000000000000002","status":200,"use_webpush":true,"broadcasts":{}}"#)
    }

    private func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index ..< next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
