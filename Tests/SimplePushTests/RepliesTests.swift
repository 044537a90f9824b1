import Foundation
import PushCore
import SimplePush
import XCTest

final class RepliesTests: XCTestCase {
    private let channel = ChannelID(Sample.channel)!
    private let other = ChannelID(Sample.otherChannel)!

    func testPingReplyIsAnEmptyObject() {
        XCTAssertTrue(parseObject(Replies.ping).isEmpty)
    }

    func testHelloReply() {
        let uaid = UAID(high: 0xABCD, low: 0x1)
        let reply = parseObject(Replies.hello(uaid))
        XCTAssertEqual(reply["messageType"] as? String, "hello")
        XCTAssertEqual(reply["uaid"] as? String, "000000000000abcd0000000000000001")
        XCTAssertEqual(reply["status"] as? Int, 200)
        XCTAssertEqual(reply.count, 3)
    }

    func testRegisterReplyEscapesTheEndpoint() {
        let endpoint = #"https://push.example.com/update/a"b\c"#
        let reply = parseObject(Replies.register(channel, endpoint: endpoint))
        XCTAssertEqual(reply["messageType"] as? String, "register")
        XCTAssertEqual(reply["channelID"] as? String, Sample.channel)
        XCTAssertEqual(reply["status"] as? Int, 200)
        XCTAssertEqual(reply["pushEndpoint"] as? String, endpoint)
        XCTAssertEqual(reply.count, 4)
    }

    func testTooManyChannelsReply() {
        let reply = parseObject(Replies.tooManyChannels(other))
        XCTAssertEqual(reply["messageType"] as? String, "register")
        XCTAssertEqual(reply["channelID"] as? String, Sample.otherChannel)
        XCTAssertEqual(reply["status"] as? Int, 503)
        XCTAssertEqual(reply["error"] as? String, "Too many channels")
    }

    func testUnregisterReply() {
        let reply = parseObject(Replies.unregister(channel.value))
        XCTAssertEqual(reply["messageType"] as? String, "unregister")
        XCTAssertEqual(reply["channelID"] as? String, Sample.channel)
        XCTAssertEqual(reply["status"] as? Int, 200)
        XCTAssertEqual(reply.count, 3)
    }

    func testNotificationCarriesEveryUpdateInOrder() {
        let updates = [
            Update(channelID: channel, version: 3, data: "hi"),
            Update(channelID: other, version: Int64.max),
            Update(channelID: ChannelID(Sample.channel.uppercased())!, version: 0, data: ""),
        ]
        let reply = parseObject(Replies.notification(updates))
        XCTAssertEqual(reply["messageType"] as? String, "notification")
        guard let items = reply["updates"] as? [[String: Any]], items.count == 3 else {
            return XCTFail("updates: \(String(describing: reply["updates"]))")
        }
        XCTAssertEqual(items.map { $0["channelID"] as? String }, [Sample.channel, Sample.otherChannel, Sample.channel.uppercased()])
        XCTAssertEqual(items.map { ($0["version"] as? NSNumber)?.int64Value }, [3, Int64.max, 0])
        XCTAssertEqual(items[0]["data"] as? String, "hi")
        XCTAssertEqual(items[2]["data"] as? String, "", "empty data is still data")
    }

    func testNotificationOmitsDataWhenThereIsNone() {
        let text = Replies.notification([Update(channelID: channel, version: 9)])
        XCTAssertFalse(text.contains("data"), text)
        let item = (parseObject(text)["updates"] as? [[String: Any]])?.first
        XCTAssertEqual(item?.count, 2)
        XCTAssertNil(item?["data"])
    }

    func testNotificationDataSurvivesJSONEscaping() {
        let payloads = [
            #"say "hi""#,
            #"back\slash \\ and \u0041"#,
            "line\nbreak\rreturn\ttab",
            "\u{0}\u{1}\u{8}\u{C}\u{1B}\u{1F}",
            "é ✓ 漢字 😀 \u{2028}",
            "</script>",
        ]
        for payload in payloads {
            let text = Replies.notification([Update(channelID: channel, version: 1, data: payload)])
            let item = (parseObject(text)["updates"] as? [[String: Any]])?.first
            XCTAssertEqual(item?["data"] as? String, payload, payload.debugDescription)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, "raw control character in \(text.debugDescription)")
        }
    }

    func testAnEmptyNotificationIsStillValidJSON() {
        let reply = parseObject(Replies.notification([]))
        XCTAssertEqual((reply["updates"] as? [Any])?.count, 0)
    }

    func testErrorReplyEchoesTheClientObjectWithCanonicalType() {
        let client = clientObject(#"{"MessageType":"ReGiStEr","channelID":"x","extra":[1,2]}"#)
        let reply = parseObject(Replies.error(.invalidFields, echoing: client))
        XCTAssertEqual(reply["messageType"] as? String, "register")
        XCTAssertNil(reply["MessageType"], "the client's spelling of the key must not appear twice")
        XCTAssertEqual(reply["channelID"] as? String, "x")
        XCTAssertEqual(reply["extra"] as? [Int], [1, 2])
        XCTAssertEqual(reply["status"] as? Int, 401)
        XCTAssertEqual(reply["error"] as? String, "Command contains one or more invalid fields")
        XCTAssertEqual(reply.count, 5)
    }

    func testErrorReplyOverridesClientStatusAndError() {
        let client = clientObject(#"{"messageType":"hello","status":200,"error":"none"}"#)
        let reply = parseObject(Replies.error(.existingHandshake, echoing: client))
        assertError(reply, is: .existingHandshake)
    }

    func testErrorReplyKeepsANonStringMessageType() {
        let reply = parseObject(Replies.error(.invalidHeader, echoing: clientObject(#"{"messageType":12}"#)))
        XCTAssertEqual(reply["messageType"] as? Int, 12)
        assertError(reply, is: .invalidHeader)
    }

    func testErrorReplyWithoutMessageType() {
        let reply = parseObject(Replies.error(.invalidHeader, echoing: clientObject(#"{"uaid":"q\"uote"}"#)))
        XCTAssertNil(reply["messageType"])
        XCTAssertEqual(reply["uaid"] as? String, "q\"uote")
        assertError(reply, is: .invalidHeader)
    }

    func testErrorRepliesThroughTheDecoderUseTheCanonicalType() {
        for spelling in ["REGISTER", "Register", "rEGISTER"] {
            let text = #"{"messageType":"\#(spelling)","channelID":"bad"}"#
            guard case .failure(.protocolError(let error, let object)) = ClientMessage.decode(Array(text.utf8)) else {
                XCTFail("\(text) was not rejected"); continue
            }
            let reply = parseObject(Replies.error(error, echoing: object))
            XCTAssertEqual(reply["messageType"] as? String, "register", spelling)
        }
    }
}
