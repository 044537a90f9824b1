import JSON
@testable import LoadTestKit
import XCTest

final class WireFormatTests: XCTestCase {
    private func message(_ text: String) -> ServerMessage? {
        Array(text.utf8).withUnsafeBytes { ServerMessage(json: $0) }
    }

    func testReadsTheServerReplies() {
        XCTAssertEqual(message(#"{"messageType":"hello","uaid":"ab12","status":200}"#), .hello(status: 200, uaid: "ab12"))
        XCTAssertEqual(message(#" { "MessageType" : "HELLO", "status" : 503 , "uaid":"" } "#), .hello(status: 503, uaid: ""))
        XCTAssertEqual(message(#"{"messageType":"register","channelID":"c","status":200,"pushEndpoint":"http:\/\/127.0.0.1:1\/update\/t"}"#),
                       .register(status: 200, channelID: "c", pushEndpoint: "http://127.0.0.1:1/update/t"))
        XCTAssertEqual(message(#"{"messageType":"notification","updates":[{"channelID":"a","version":9007199254740993,"data":"x"},{"channelID":"b","version":2}]}"#),
                       .notification([UpdateRef(channelID: "a", version: 9_007_199_254_740_993), UpdateRef(channelID: "b", version: 2)]))
        XCTAssertEqual(message("{}"), .pong)
        XCTAssertEqual(message(#"{"messageType":"register","status":401,"error":"Command requires handshake"}"#),
                       .register(status: 401, channelID: "", pushEndpoint: nil))
        XCTAssertEqual(message(#"{"messageType":"ack","status":401}"#), .other(messageType: "ack", status: 401))
    }

    func testRejectsWhatIsNotOneJSONObject() {
        for text in ["", "[]", "\"x\"", "{", #"{"a":1}x"#, #"{"a":01}"#, #"{"a":"\q"}"#, "{\"a\":\"\u{1}\"}", #"{"a":tru}"#] {
            XCTAssertNil(message(text), text.debugDescription)
        }
    }

    func testStringEscapesAndNumbers() {
        let value = JSONParser.parse(Array(#"{"s":"a\"b\\c\/\n\u00e9\ud83d\ude00","n":-1.5e2,"i":-42,"t":true,"z":null,"l":[1,[2]]}"#.utf8))
        XCTAssertEqual(value?[caseInsensitive: "s"]?.stringValue, "a\"b\\c/\né😀")
        XCTAssertEqual(value?[caseInsensitive: "n"]?.integerValue, -150)
        XCTAssertEqual(value?[caseInsensitive: "i"]?.integerValue, -42)
        XCTAssertEqual(value?[caseInsensitive: "l"]?.serialized, "[1,[2]]")
        XCTAssertEqual(value?[caseInsensitive: "z"]?.serialized, "null")
        XCTAssertEqual(value?[caseInsensitive: "t"]?.serialized, "true")
    }

    func testClientMessagesAreTheProtocolsJSON() throws {
        func object(_ bytes: [UInt8]) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        }
        let hello = try object(ClientMessage.hello(uaid: "u1", channelIDs: ["c1", "c2"]))
        XCTAssertEqual(hello["messageType"] as? String, "hello")
        XCTAssertEqual(hello["uaid"] as? String, "u1")
        XCTAssertEqual(hello["channelIDs"] as? [String], ["c1", "c2"])
        XCTAssertEqual(try object(ClientMessage.hello(uaid: "", channelIDs: []))["channelIDs"] as? [String], [])
        let register = try object(ClientMessage.register(channelID: "c9"))
        XCTAssertEqual(register["messageType"] as? String, "register")
        XCTAssertEqual(register["channelID"] as? String, "c9")
        let ack = try object(ClientMessage.ack([UpdateRef(channelID: "c1", version: 5), UpdateRef(channelID: "c2", version: 1 << 40)]))
        XCTAssertEqual(ack["messageType"] as? String, "ack")
        let updates = try XCTUnwrap(ack["updates"] as? [[String: Any]])
        XCTAssertEqual(updates.map { $0["channelID"] as? String }, ["c1", "c2"])
        XCTAssertEqual(updates.map { ($0["version"] as? NSNumber)?.int64Value }, [5, 1 << 40])
    }

    func testGeneratedChannelIDsAreVersion4UUIDs() {
        var random = FastRandom(seed: 42)
        let ids = (0 ..< 100).map { _ in random.uuidString() }
        XCTAssertEqual(Set(ids).count, 100)
        for id in ids {
            XCTAssertNotNil(UUID(uuidString: id), id)
            XCTAssertEqual(id, id.lowercased())
            XCTAssertEqual(Array(id)[14], "4")
        }
        XCTAssertEqual(Data(base64Encoded: random.handshakeKey())?.count, 16)
    }

    func testHTTPResponsesByLengthAndChunks() {
        func read(_ text: String) -> HTTPResponseReader.Result {
            Array(text.utf8).withUnsafeBytes { HTTPResponseReader.read($0) }
        }
        let plain = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
        XCTAssertEqual(read(plain), .response(status: 200, consumed: plain.utf8.count, keepAlive: true, location: nil))
        XCTAssertEqual(read(String(plain.dropLast())), .needMore)
        let closing = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        XCTAssertEqual(read(closing + "extra"), .response(status: 202, consumed: closing.utf8.count, keepAlive: false, location: nil))
        let chunked = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        XCTAssertEqual(read(chunked + "HTTP/1.1"), .response(status: 404, consumed: chunked.utf8.count, keepAlive: true, location: nil))
        XCTAssertEqual(read(String(chunked.dropLast(2))), .needMore)
        if case .invalid = read("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n") {} else { XCTFail("bad length accepted") }
    }

    func testRateScheduleKeepsDueEventsDue() {
        let schedule = RateSchedule(start: 1_000_000_000, perSecond: 1000)
        XCTAssertEqual(schedule.due(at: 500), 1)
        XCTAssertEqual(schedule.due(at: 1_000_000_000), 1)
        XCTAssertEqual(schedule.due(at: 1_500_000_000), 501)
        XCTAssertEqual(schedule.due(at: 3_000_000_000), 2001)
    }
}
