import Crypto
import Foundation
@testable import LoadTestKit
import XCTest

/// The WebPush side of the load tester: VAPID tokens, aes128gcm-shaped bodies, the requests,
/// the device messages, and pairing notifications with their 201s.
final class WebPushWireTests: XCTestCase {
    private func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    private func object(_ data: Data?) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(data)) as? [String: Any])
    }

    /// Splits `vapid t=<jwt>,k=<key>`.
    private func credentials(_ authorization: String) throws -> (token: String, key: Data) {
        XCTAssertTrue(authorization.hasPrefix("vapid t="), authorization)
        let parts = authorization.dropFirst("vapid ".count).split(separator: ",")
        XCTAssertEqual(parts.count, 2)
        XCTAssertTrue(parts[1].hasPrefix("k="))
        return (String(parts[0].dropFirst(2)), try XCTUnwrap(base64URLDecode(String(parts[1].dropFirst(2)))))
    }

    func testVAPIDTokenIsAnES256JWTThatVerifiesWithItsKey() throws {
        let signer = VAPIDSigner()
        let (token, keyBytes) = try credentials(signer.authorization(audience: "http://127.0.0.1:8081", now: 1_700_000_000))
        XCTAssertEqual(keyBytes.count, 65)
        XCTAssertEqual(keyBytes.first, 0x04)
        XCTAssertFalse(token.contains("="), "base64url without padding")

        let pieces = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(try object(base64URLDecode(pieces[0]))["alg"] as? String, "ES256")
        let claims = try object(base64URLDecode(pieces[1]))
        XCTAssertEqual(claims["aud"] as? String, "http://127.0.0.1:8081")
        XCTAssertEqual(claims["exp"] as? Int, 1_700_000_000 + 12 * 3600)
        XCTAssertEqual(claims["sub"] as? String, "mailto:loadtest@example.invalid")

        let key = try P256.Signing.PublicKey(x963Representation: keyBytes)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: XCTUnwrap(base64URLDecode(pieces[2])))
        XCTAssertTrue(key.isValidSignature(signature, for: Data((pieces[0] + "." + pieces[1]).utf8)))
        XCTAssertFalse(key.isValidSignature(signature, for: Data((pieces[0] + "." + pieces[1] + "x").utf8)))
    }

    func testEverySignatureIsFreshSoAPerPushTokenDefeatsACache() throws {
        let signer = VAPIDSigner()
        let first = try signer.token(audience: "http://127.0.0.1:1", now: 1_700_000_000)
        let second = try signer.token(audience: "http://127.0.0.1:1", now: 1_700_000_000)
        XCTAssertNotEqual(first, second)
        let key = P256.Signing.PrivateKey()
        XCTAssertEqual(base64URLDecode(VAPIDSigner(key: key).publicKey), key.publicKey.x963Representation)
    }

    func testAes128gcmBodyHasTheRFC8188Header() {
        var random = FastRandom(seed: 7)
        let body = Aes128gcmBody.make(size: 256, random: &random)
        XCTAssertEqual(body.count, 256)
        XCTAssertEqual(Array(body[16 ..< 20]), [0, 0, 0x10, 0], "record size 4096, big-endian")
        XCTAssertEqual(body[20], 65, "key id length")
        XCTAssertEqual(body[21], 0x04, "the key id is an uncompressed point")
        XCTAssertEqual(Aes128gcmBody.minimumSize, 86 + 17)
        XCTAssertEqual(Aes128gcmBody.make(size: Aes128gcmBody.minimumSize, random: &random).count, 103)
        XCTAssertNotEqual(Array(Aes128gcmBody.make(size: 103, random: &random)[0 ..< 16]), Array(body[0 ..< 16]), "salts are random")
    }

    private func requestText(_ requests: WebPushRequests, path: String = "/wpush/v1/tok") throws -> (head: [String], body: Int) {
        let destination = LoadTarget(host: IPv4Address(127, 0, 0, 1), port: 8081)
        let bytes = try requests.request(path: path, version: 1, to: destination)
        // Found in the bytes: the body is random, so decoded as text it could blend with the head.
        let end = try XCTUnwrap((0 ..< max(0, bytes.count - 3)).first { bytes[$0 ..< $0 + 4] == [13, 10, 13, 10] })
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        return (head.components(separatedBy: "\r\n"), bytes.count - end - 4)
    }

    private func header(_ name: String, in head: [String]) -> String? {
        head.first { $0.lowercased().hasPrefix(name.lowercased() + ": ") }.map { String($0.dropFirst(name.count + 2)) }
    }

    func testPostCarriesTTLEncodingBodyAndOneTokenPerProcess() throws {
        let requests = WebPushRequests(plan: WebPushPlan(payloadBytes: 256, ttl: 60, vapidPerPush: false))
        XCTAssertTrue(requests.accepts(201))
        XCTAssertFalse(requests.accepts(200))
        XCTAssertFalse(requests.accepts(202))
        let first = try requestText(requests)
        XCTAssertEqual(first.head.first, "POST /wpush/v1/tok HTTP/1.1")
        XCTAssertEqual(header("Host", in: first.head), "127.0.0.1:8081")
        XCTAssertEqual(header("TTL", in: first.head), "60")
        XCTAssertEqual(header("Content-Encoding", in: first.head), "aes128gcm")
        XCTAssertEqual(header("Content-Length", in: first.head), "256")
        XCTAssertEqual(first.body, 256)
        let (token, _) = try credentials(XCTUnwrap(header("Authorization", in: first.head)))
        let claims = try object(base64URLDecode(String(token.split(separator: ".")[1])))
        XCTAssertEqual(claims["aud"] as? String, "http://127.0.0.1:8081", "the origin of the pushEndpoint")
        let second = try requestText(requests, path: "/wpush/v1/other")
        XCTAssertEqual(second.head.first, "POST /wpush/v1/other HTTP/1.1")
        XCTAssertEqual(header("Authorization", in: second.head), header("Authorization", in: first.head))
    }

    func testPerPushTokensAndEmptyBodies() throws {
        let requests = WebPushRequests(plan: WebPushPlan(payloadBytes: 0, ttl: 86_400, vapidPerPush: true))
        let first = try requestText(requests), second = try requestText(requests)
        XCTAssertNotEqual(header("Authorization", in: first.head), header("Authorization", in: second.head))
        XCTAssertEqual(header("TTL", in: first.head), "86400")
        XCTAssertNil(header("Content-Encoding", in: first.head), "no body, no encoding")
        XCTAssertEqual(header("Content-Length", in: first.head), "0")
        XCTAssertEqual(first.body, 0)
    }

    private func message(_ text: String) -> ServerMessage? {
        Array(text.utf8).withUnsafeBytes { ServerMessage(json: $0) }
    }

    func testReadsWebPushNotifications() {
        XCTAssertEqual(message(#"{"messageType":"notification","channelID":"c1","version":"gAAA-_x","ttl":60,"data":"AAEC","headers":{"encoding":"aes128gcm"}}"#),
                       .webPushNotification(WebPushUpdate(channelID: "c1", messageID: "gAAA-_x")))
        XCTAssertEqual(message(#"{"messageType":"notification","channelID":"c1","version":"m2"}"#),
                       .webPushNotification(WebPushUpdate(channelID: "c1", messageID: "m2")))
        XCTAssertEqual(message(#"{"messageType":"notification","channelID":"c1","version":7}"#), .notification([]),
                       "a numeric version is not a WebPush message id")
        XCTAssertEqual(message(#"{"messageType":"notification","updates":[{"channelID":"a","version":3}]}"#),
                       .notification([UpdateRef(channelID: "a", version: 3)]), "SimplePush is read as before")
        XCTAssertEqual(message(#"{"messageType":"hello","uaid":"0123","status":200,"use_webpush":true,"broadcasts":{}}"#),
                       .hello(status: 200, uaid: "0123"))
    }

    func testWebPushDeviceMessages() throws {
        func object(_ bytes: [UInt8]) throws -> [String: Any] { try self.object(Data(bytes)) }
        let hello = try object(ClientMessage.webPushHello(uaid: ""))
        XCTAssertEqual(hello["messageType"] as? String, "hello")
        XCTAssertEqual(hello["use_webpush"] as? Bool, true)
        XCTAssertEqual((hello["broadcasts"] as? [String: Any])?.isEmpty, true)
        XCTAssertNil(hello["uaid"], "a first hello asks for a new UAID")
        XCTAssertNil(hello["channelIDs"])
        XCTAssertEqual(try object(ClientMessage.webPushHello(uaid: "abc"))["uaid"] as? String, "abc")

        let ack = try object(ClientMessage.webPushAck(WebPushUpdate(channelID: "c1", messageID: #"id"\"#)))
        XCTAssertEqual(ack["messageType"] as? String, "ack")
        let updates = try XCTUnwrap(ack["updates"] as? [[String: Any]])
        XCTAssertEqual(updates.count, 1)
        XCTAssertEqual(updates[0]["channelID"] as? String, "c1")
        XCTAssertEqual(updates[0]["version"] as? String, #"id"\"#, "the id is echoed as a JSON string")
        XCTAssertEqual(updates[0]["code"] as? Int, 100)
    }

    func testLocationNamesTheMessage() {
        XCTAssertEqual(MessageMatcher.messageID(location: "http://127.0.0.1:8081/m/gAAAAB-x_y"), "gAAAAB-x_y")
        XCTAssertEqual(MessageMatcher.messageID(location: "/m/abc"), "abc")
        XCTAssertNil(MessageMatcher.messageID(location: "http://127.0.0.1:8081/m/"))
        XCTAssertNil(MessageMatcher.messageID(location: "http://127.0.0.1:8081/wpush/v1/abc"))
        XCTAssertNil(MessageMatcher.messageID(location: "abc"))

        func read(_ text: String) -> HTTPResponseReader.Result {
            Array(text.utf8).withUnsafeBytes { HTTPResponseReader.read($0) }
        }
        let created = "HTTP/1.1 201 Created\r\nlocation: http://127.0.0.1:8081/m/abc\r\nTTL: 60\r\nContent-Length: 0\r\n\r\n"
        XCTAssertEqual(read(created), .response(status: 201, consumed: created.utf8.count, keepAlive: true,
                                                location: "http://127.0.0.1:8081/m/abc"))
        let refused = "HTTP/1.1 410 Gone\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"
        XCTAssertEqual(read(refused), .response(status: 410, consumed: refused.utf8.count, keepAlive: true, location: nil),
                       "only a 201 names what it created")
    }

    func testMatcherPairsInEitherOrderAndCatchesDuplicates() {
        var matcher = MessageMatcher()
        XCTAssertNil(matcher.accepted("a", index: 0), "201 first")
        XCTAssertEqual(matcher.arrived("a", at: 50), .matched(index: 0))
        XCTAssertEqual(matcher.arrived("b", at: 60), .early, "notification first")
        XCTAssertEqual(matcher.accepted("b", index: 1), 60, "its arrival time comes back with the 201")
        XCTAssertEqual(matcher.arrived("a", at: 70), .duplicate)
        XCTAssertEqual(matcher.arrived("b", at: 70), .duplicate)
        XCTAssertEqual(matcher.arrived("c", at: 80), .early)
        XCTAssertEqual(matcher.arrived("c", at: 90), .duplicate, "twice before its 201")
        XCTAssertEqual(matcher.unclaimed, 1, "c was never named by a 201")
    }
}
