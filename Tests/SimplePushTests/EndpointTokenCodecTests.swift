@testable import PushCore
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

/// The token format: header, key ids, kinds.
final class EndpointTokenFormatTests: XCTestCase {
    private let keyA = EndpointTokenCodec.generateKey()
    private let keyB = EndpointTokenCodec.generateKey()
    private let channel = ChannelID(Sample.channel)!

    func testTheHeaderNamesFormatKindAndTheSealingKey() throws {
        let token = try EndpointTokenCodec(encodedKeys: [keyB, keyA]).seal(uaid: Sample.uaid, channel: channel)
        let bytes = try XCTUnwrap(Base64URL.decode(token))
        let id = EndpointTokenCodec.keyID(Base64URL.decode(keyB)!)
        XCTAssertEqual(Array(bytes.prefix(4)), [1, EndpointTokenKind.simplePushChannel.rawValue, UInt8(id >> 8), UInt8(id & 0xFF)])
        // Header, nonce, the UAID's 16 bytes and the 32-character channel id, tag.
        XCTAssertEqual(bytes.count, 4 + 12 + 16 + Sample.channel.utf8.count + 16)
    }

    func testAFlippedHeaderByteDoesNotOpenEvenWhenItStillNamesAKnownKey() throws {
        let codec = try EndpointTokenCodec(encodedKeys: [keyA])
        let bytes = try XCTUnwrap(Base64URL.decode(codec.seal(uaid: Sample.uaid, channel: channel)))
        for index in 0..<4 {
            for bit in 0..<8 {
                var tampered = bytes
                tampered[index] ^= 1 << UInt8(bit)
                XCTAssertNil(codec.open(token: Base64URL.encode(tampered)), "header byte \(index) bit \(bit)")
            }
        }
        // Another kind under the same key and nonce: the header is authenticated, so it fails.
        var otherKind = bytes
        otherKind[1] = EndpointTokenKind.webPushV1.rawValue
        XCTAssertNil(codec.open(token: Base64URL.encode(otherKind)))
    }

    func testATokenNamingAKeyIDThatIsNotConfiguredDoesNotOpen() throws {
        let sealedByB = try EndpointTokenCodec(encodedKeys: [keyB]).seal(uaid: Sample.uaid, channel: channel)
        let codec = try EndpointTokenCodec(encodedKeys: [keyA])
        XCTAssertNil(codec.open(sealedByB))
        // Relabelled with A's id, it names a configured key but was not sealed by it.
        var relabelled = try XCTUnwrap(Base64URL.decode(sealedByB))
        let idA = EndpointTokenCodec.keyID(Base64URL.decode(keyA)!)
        relabelled[2] = UInt8(idA >> 8)
        relabelled[3] = UInt8(idA & 0xFF)
        XCTAssertNil(codec.open(Base64URL.encode(relabelled)))
    }

    func testKeyIDsDoNotDependOnWhereTheKeySitsInTheList() throws {
        let token = try EndpointTokenCodec(encodedKeys: [keyA]).seal(uaid: Sample.uaid, channel: channel)
        for keys in [[keyA, keyB], [keyB, keyA], [keyB, keyB, keyA]] {
            XCTAssertEqual(try EndpointTokenCodec(encodedKeys: keys).open(token)?.0, Sample.uaid, "\(keys)")
        }
    }

    func testOtherKindsSealAndOpenButAreNotChannelTokens() throws {
        let codec = try EndpointTokenCodec(encodedKeys: [keyA])
        let payload: [UInt8] = Array(0..<48)
        let token = codec.seal(.webPushV2, payload: payload)
        let opened = try XCTUnwrap(codec.open(token: token))
        XCTAssertEqual(opened.kind, .webPushV2)
        XCTAssertEqual(opened.payload, payload)
        XCTAssertNil(codec.open(token), "a WebPush token must not open as a SimplePush channel")
    }

    func testTwoDifferentKeysWithTheSameIDAreRefused() throws {
        // 16-bit ids: among a few thousand random keys two share one (birthday bound).
        var byID: [UInt16: String] = [:]
        var pair: (String, String)?
        while pair == nil {
            let key = EndpointTokenCodec.generateKey()
            let id = EndpointTokenCodec.keyID(Base64URL.decode(key)!)
            if let earlier = byID[id] { pair = (earlier, key) } else { byID[id] = key }
        }
        let (first, second) = pair!
        XCTAssertThrowsError(try EndpointTokenCodec(encodedKeys: [keyA, first, second])) { error in
            guard case EndpointTokenCodec.KeyError.sharedKeyID(let index, let other) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual([other, index], [1, 2])
            XCTAssertTrue("\(error)".contains("#2 and #3"), "\(error)")
        }
        XCTAssertNoThrow(try EndpointTokenCodec(encodedKeys: [first, first]), "the same key twice is one key")
    }

    /// Sealed outside this code base (Python's `cryptography` AES-GCM) by the layout the codec's
    /// comment gives: key = bytes 0…31, AAD = the four header bytes.
    func testATokenMadeByAnIndependentImplementationOfTheFormatOpens() throws {
        let key = Base64URL.encode((0 ..< 32).map { UInt8($0) })
        let token = "AQFi4qc4NqfuteH6pimvjqVy_OWXy2oOcbtZE27fUNB_6t-BAjydEgkUTpC02QgXi5bgagCrH1TzNnSpHWi5FBONbgd72bMtemwvmEpYw7GCk55T"
        let opened = try XCTUnwrap(try EndpointTokenCodec(encodedKeys: [key]).open(token))
        XCTAssertEqual(opened.0, UAID("9f8e7d6c5b4a49388f2e1d0c0b0a0908"))
        XCTAssertEqual(opened.1.value, "2b3a7c1e-4f5d-4e6a-9b8c-0d1e2f3a4b5c")
    }

    func testUAIDBytesRoundTrip() {
        for _ in 0..<100 {
            let uaid = UAID.random()
            XCTAssertEqual(UAID(bytes: uaid.bytes), uaid)
        }
        XCTAssertEqual(UAID(high: 0x0102030405060708, low: 0x090A0B0C0D0E0F10).bytes, Array(1...16))
    }
}
