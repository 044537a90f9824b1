import PushCore
import XCTest

final class EndpointTokenCodecTests: XCTestCase {
    private let keyA = EndpointTokenCodec.generateKey()
    private let keyB = EndpointTokenCodec.generateKey()
    private let channel = ChannelID(Sample.channel)!

    private func codec(_ keys: [String]) throws -> EndpointTokenCodec {
        try EndpointTokenCodec(encodedKeys: keys)
    }

    func testSealThenOpenGivesBackTheIDs() throws {
        let codec = try codec([keyA])
        for channel in [channel, ChannelID(Sample.otherChannel)!, ChannelID(Sample.channel.uppercased())!] {
            let uaid = UAID.random()
            let token = codec.seal(uaid: uaid, channel: channel)
            let opened = codec.open(token)
            XCTAssertEqual(opened?.0, uaid)
            XCTAssertEqual(opened?.1.value, channel.value)
        }
    }

    func testTokensAreURLSafeAndNotPlainText() throws {
        let token = try codec([keyA]).seal(uaid: Sample.uaid, channel: channel)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        XCTAssertTrue(token.allSatisfy { allowed.contains($0) }, token)
        XCTAssertFalse(token.contains(Sample.uaidHex), "the device id must not be readable in the URL")
    }

    func testSealingTwiceGivesDifferentTokensThatBothOpen() throws {
        let codec = try codec([keyA])
        let first = codec.seal(uaid: Sample.uaid, channel: channel)
        let second = codec.seal(uaid: Sample.uaid, channel: channel)
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(codec.open(first)?.0, Sample.uaid)
        XCTAssertEqual(codec.open(second)?.0, Sample.uaid)
    }

    func testEveryTamperedByteIsDetected() throws {
        let codec = try codec([keyA])
        let token = codec.seal(uaid: Sample.uaid, channel: channel)
        guard let bytes = Base64URL.decode(token) else { return XCTFail("token is not base64url") }
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= 0x01
            XCTAssertNil(codec.open(Base64URL.encode(tampered)), "byte \(index) flipped")
        }
    }

    func testTruncatedExtendedAndGarbageTokensDoNotOpen() throws {
        let codec = try codec([keyA])
        let token = codec.seal(uaid: Sample.uaid, channel: channel)
        XCTAssertNotNil(codec.open(token))
        let bytes = Base64URL.decode(token)!
        let bad = [
            "", "x", "!!!!", token + "AAAA",
            Base64URL.encode(Array(bytes.dropLast())),
            Base64URL.encode(Array(bytes.dropFirst())),
            Base64URL.encode(Array(bytes.prefix(28))),
            Base64URL.encode([UInt8](repeating: 0, count: bytes.count)),
        ]
        for text in bad {
            XCTAssertNil(codec.open(text), text)
        }
    }

    func testATokenFromAnotherKeyDoesNotOpen() throws {
        let token = try codec([keyA]).seal(uaid: Sample.uaid, channel: channel)
        XCTAssertNil(try codec([keyB]).open(token))
    }

    func testRotationOpensTokensSealedWithAnOlderKey() throws {
        let old = try codec([keyA]).seal(uaid: Sample.uaid, channel: channel)
        let rotated = try codec([keyB, keyA])
        XCTAssertEqual(rotated.open(old)?.0, Sample.uaid)
        XCTAssertEqual(rotated.open(old)?.1, channel)

        // The first key seals: new tokens open under B alone, not under A alone.
        let fresh = rotated.seal(uaid: Sample.uaid, channel: channel)
        XCTAssertEqual(try codec([keyB]).open(fresh)?.0, Sample.uaid)
        XCTAssertNil(try codec([keyA]).open(fresh))
    }

    func testRetiredKeysNoLongerOpen() throws {
        let old = try codec([keyA]).seal(uaid: Sample.uaid, channel: channel)
        XCTAssertNil(try codec([keyB]).open(old))
    }

    func testGeneratedKeysAre32BytesOfBase64URL() {
        XCTAssertEqual(Base64URL.decode(keyA)?.count, 32)
        XCTAssertFalse(keyA.contains("=") || keyA.contains("+") || keyA.contains("/"), keyA)
        XCTAssertNotEqual(keyA, keyB)
    }

    func testStandardBase64KeysAreAccepted() throws {
        let raw = Base64URL.decode(keyA)!
        let standard = Data(raw).base64EncodedString()
        let token = try codec([keyA]).seal(uaid: Sample.uaid, channel: channel)
        XCTAssertEqual(try codec([standard]).open(token)?.0, Sample.uaid)
    }

    func testBadKeysAreRejected() {
        XCTAssertThrowsError(try codec([])) { error in
            guard case EndpointTokenCodec.KeyError.noKeys = error else { return XCTFail("got \(error)") }
        }
        let short = Base64URL.encode([UInt8](repeating: 7, count: 16))
        let long = Base64URL.encode([UInt8](repeating: 7, count: 33))
        for (keys, badIndex) in [([short], 0), ([keyA, long], 1), ([keyA, keyB, "not base64 at all!"], 2), ([""], 0)] {
            XCTAssertThrowsError(try codec(keys)) { error in
                guard case EndpointTokenCodec.KeyError.badKey(let index) = error else { return XCTFail("got \(error)") }
                XCTAssertEqual(index, badIndex)
            }
        }
    }
}
