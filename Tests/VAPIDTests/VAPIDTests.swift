import Crypto
import Foundation
import PushCore
import VAPID
import XCTest

/// Makes VAPID tokens the way app-server libraries do: a JWT signed with ES256.
private struct AppServer {
    let key = P256.Signing.PrivateKey()

    var publicKey: String { Base64URL.encode(Array(key.publicKey.x963Representation)) }

    func token(header: String = #"{"typ":"JWT","alg":"ES256"}"#, claims: String, der: Bool = false) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        let signature = try! key.signature(for: Array(input.utf8))
        return input + "." + Base64URL.encode(Array(der ? signature.derRepresentation : signature.rawRepresentation))
    }

    func claims(aud: String = "https://push.example", exp: Int64, sub: String? = "mailto:ops@app.example") -> String {
        #"{"aud":"\#(aud)","exp":\#(exp)"# + (sub.map { #","sub":"\#($0)""# } ?? "") + "}"
    }

    func authorization(_ token: String) -> String { "vapid t=\(token),k=\(publicKey)" }
}

final class VAPIDCredentialsTests: XCTestCase {
    private let server = AppServer()

    func testBothHeaderFormsGiveTheSameCredentials() throws {
        let token = server.token(claims: server.claims(exp: 2_000_000_000))
        let current = try VAPIDCredentials.parse(authorization: "vapid t=\(token), k=\(server.publicKey)", cryptoKey: nil)
        let draft = try VAPIDCredentials.parse(authorization: "WebPush \(token)",
                                               cryptoKey: "dh=BAAA; p256ecdsa=\(server.publicKey)")
        let bearer = try VAPIDCredentials.parse(authorization: "Bearer \(token)", cryptoKey: "p256ecdsa=\(server.publicKey)")
        XCTAssertEqual(current, draft)
        XCTAssertEqual(current, bearer)
        XCTAssertEqual(current.token, token)
        XCTAssertEqual(current.publicKey.count, 65)
    }

    func testPaddedAndStandardAlphabetKeysAreAccepted() throws {
        // Firefox sends its key with `=` padding; some libraries use the standard alphabet.
        let raw = Array(server.key.publicKey.x963Representation)
        let padded = Data(raw).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        XCTAssertTrue(padded.hasSuffix("="))
        XCTAssertEqual(try VAPIDCredentials.decodeKey(padded), raw)
        XCTAssertEqual(try VAPIDCredentials.decodeKey(Data(raw).base64EncodedString()), raw)
    }

    func testMalformedHeadersAreRefusedWithTheirReason() {
        let token = server.token(claims: server.claims(exp: 2_000_000_000))
        let offCurve = Base64URL.encode([0x04] + [UInt8](repeating: 1, count: 64))
        let cases: [(String?, String?, VAPIDError)] = [
            (nil, nil, .missingToken),
            ("", nil, .missingToken),
            ("vapid", nil, .missingToken),
            ("vapid k=\(server.publicKey)", nil, .missingToken),
            ("vapid t=\(token)", nil, .missingKey),
            ("Basic dXNlcjpwYXNz", nil, .unknownScheme),
            ("WebPush \(token)", nil, .missingKey),
            ("WebPush \(token)", "dh=BAAA", .missingKey),
            ("vapid t=\(token),k=not-base64!", nil, .invalidKey),
            ("vapid t=\(token),k=\(Base64URL.encode([UInt8](repeating: 4, count: 33)))", nil, .invalidKey),
            ("vapid t=\(token),k=\(offCurve)", nil, .invalidKey),
        ]
        for (authorization, cryptoKey, expected) in cases {
            XCTAssertThrowsError(try VAPIDCredentials.parse(authorization: authorization, cryptoKey: cryptoKey),
                                 "\(String(describing: authorization))") { error in
                XCTAssertEqual(error as? VAPIDError, expected, "\(String(describing: authorization))")
            }
        }
    }

    func testTheKeyHashIsSHA256OfThePoint() throws {
        let credentials = try VAPIDCredentials.parse(authorization: server.authorization("a.b.c"), cryptoKey: nil)
        XCTAssertEqual(credentials.keyHash, Array(SHA256.hash(data: credentials.publicKey)))
    }
}

final class VAPIDVerifierTests: XCTestCase {
    private let server = AppServer()
    private let now: Int64 = 1_900_000_000
    private let origin = "https://push.example"

    private func verify(_ token: String, key: String? = nil, audience: String? = nil) throws -> VAPIDClaims {
        let credentials = try VAPIDCredentials.parse(authorization: "vapid t=\(token),k=\(key ?? server.publicKey)", cryptoKey: nil)
        return try VAPIDVerifier.verify(credentials, audience: audience ?? origin, now: now)
    }

    private func assertRefused(_ token: String, _ expected: VAPIDError, key: String? = nil, audience: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try verify(token, key: key, audience: audience), file: file, line: line) { error in
            XCTAssertEqual(error as? VAPIDError, expected, file: file, line: line)
        }
    }

    func testAGoodTokenGivesItsClaims() throws {
        let claims = try verify(server.token(claims: server.claims(exp: now + 3600)))
        XCTAssertEqual(claims, VAPIDClaims(audience: origin, expiry: now + 3600, subject: "mailto:ops@app.example"))
        XCTAssertNil(try verify(server.token(claims: server.claims(exp: now + 60, sub: nil))).subject, "sub is optional")
        XCTAssertNoThrow(try verify(server.token(claims: server.claims(exp: now + 60), der: true)), "DER signatures too")
        XCTAssertNoThrow(try verify(server.token(claims: server.claims(aud: origin + "/", exp: now + 60))))
    }

    func testEveryRuleIsChecked() {
        let other = AppServer()
        let good = server.token(claims: server.claims(exp: now + 3600))
        var flipped = Array(good.utf8)
        flipped[flipped.count - 5] = flipped[flipped.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        assertRefused(String(decoding: flipped, as: UTF8.self), .badSignature)
        assertRefused(good, .badSignature, key: other.publicKey)
        assertRefused(other.token(claims: server.claims(exp: now + 3600)), .badSignature)
        assertRefused(good, .wrongAudience, audience: "https://other.example")
        assertRefused(server.token(claims: #"{"exp":\#(now + 60)}"#), .wrongAudience)
        assertRefused(server.token(claims: #"{"aud":"\#(origin)","sub":"mailto:a@b.c"}"#), .missingExpiry)
        assertRefused(server.token(claims: #"{"aud":"\#(origin)","exp":"soon"}"#), .missingExpiry)
        assertRefused(server.token(claims: server.claims(exp: now)), .expired)
        assertRefused(server.token(claims: server.claims(exp: now - 1)), .expired)
        assertRefused(server.token(claims: server.claims(exp: now + 86_401)), .expiryTooFar)
        XCTAssertNoThrow(try verify(server.token(claims: server.claims(exp: now + 86_400))), "exactly 24 h is allowed")
        assertRefused(server.token(claims: server.claims(exp: now + 60, sub: "")), .badSubject)
        assertRefused(server.token(claims: server.claims(exp: now + 60, sub: "ops@app.example")), .badSubject)
        assertRefused(server.token(header: #"{"typ":"JWT","alg":"HS256"}"#, claims: server.claims(exp: now + 60)), .unsupportedAlgorithm)
        assertRefused(server.token(header: #"{"typ":"JWT"}"#, claims: server.claims(exp: now + 60)), .unsupportedAlgorithm)
        assertRefused(server.token(claims: #"{"aud":"\#(origin)","exp":\#(now + 60),"exp":\#(now + 90_000)}"#), .malformedToken)
        for malformed in ["a.b", "a.b.c.d", "!!.!!.!!",
                          Base64URL.encode(Array("[]".utf8)) + "." + good.split(separator: ".").dropFirst().joined(separator: ".")] {
            assertRefused(malformed, .malformedToken)
        }
        assertRefused(good.split(separator: ".").dropLast().joined(separator: ".") + ".", .badSignature)
    }

    /// Made with Python's `cryptography` (ECDSA P-256 with SHA-256), not with this code base.
    func testATokenSignedByAnIndependentImplementationVerifies() throws {
        let header = "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZSIsImV4cCI6MjAwMDAwMDAwMCwic3ViIjoibWFpbHRvOm9wc0BhcHAuZXhhbXBsZSJ9.UhmUfHlNyWz2yDhNKuFhxYuMq7oZ7Zy1LRH-8jydt_Z7y34CcgOy3fjY_LmlKQNnfOR6qBJXwiXEsOXySivY7g,k=BKOztMvEvw4nZQHLGGfEUAmmNqDVN0zYRCdSAUnwkjE2pedcAYDiWfYE1nEcYpAqpMAlzdRC_-S7wZ1F58BD5fA"
        let credentials = try VAPIDCredentials.parse(authorization: header, cryptoKey: nil)
        let claims = try VAPIDVerifier.verify(credentials, audience: origin, now: 2_000_000_000 - 3600)
        XCTAssertEqual(claims.subject, "mailto:ops@app.example")
        XCTAssertThrowsError(try VAPIDVerifier.verify(credentials, audience: origin, now: 2_000_000_000))
    }
}

final class VAPIDCacheTests: XCTestCase {
    private let server = AppServer()
    private let origin = "https://push.example"

    func testAReusedTokenIsVerifiedOnceAndRefusedAfterItsExpiry() throws {
        let cache = VAPIDCache()
        let credentials = try VAPIDCredentials.parse(
            authorization: server.authorization(server.token(claims: server.claims(exp: 1_000_600))), cryptoKey: nil)
        for second in 0..<100 {
            XCTAssertNoThrow(try cache.verify(credentials, audience: origin, now: 1_000_000 + Int64(second)))
        }
        XCTAssertEqual(cache.signatureChecks, 1, "one signature check for a hundred pushes with one token")
        XCTAssertThrowsError(try cache.verify(credentials, audience: origin, now: 1_000_600)) { error in
            XCTAssertEqual(error as? VAPIDError, .expired)
        }
        XCTAssertEqual(cache.count, 0, "an expired token leaves the cache")
    }

    func testRefusedTokensAreNotCachedAndAnotherOriginIsCheckedAgain() throws {
        let cache = VAPIDCache()
        let good = server.token(claims: server.claims(exp: 1_000_600))
        let other = AppServer()
        let wrongKey = VAPIDCredentials(token: good, publicKey: Array(other.key.publicKey.x963Representation))
        for _ in 0..<3 { XCTAssertThrowsError(try cache.verify(wrongKey, audience: origin, now: 1_000_000)) }
        XCTAssertEqual(cache.signatureChecks, 3)
        XCTAssertEqual(cache.count, 0)
        let credentials = try VAPIDCredentials.parse(authorization: server.authorization(good), cryptoKey: nil)
        XCTAssertNoThrow(try cache.verify(credentials, audience: origin, now: 1_000_000))
        XCTAssertThrowsError(try cache.verify(credentials, audience: "https://other.example", now: 1_000_000))
        XCTAssertEqual(cache.signatureChecks, 5)
    }

    func testAFullCacheMakesRoomFirstFromExpiredTokens() throws {
        let cache = VAPIDCache(capacity: 4)
        for index in 0..<10 {
            let credentials = try VAPIDCredentials.parse(
                authorization: server.authorization(server.token(claims: server.claims(exp: 1_000_100 + Int64(index)))), cryptoKey: nil)
            XCTAssertNoThrow(try cache.verify(credentials, audience: origin, now: 1_000_000))
            XCTAssertLessThanOrEqual(cache.count, 4)
        }
    }
}
