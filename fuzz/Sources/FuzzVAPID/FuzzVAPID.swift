import FuzzSupport
import VAPID

// libFuzzer entry point: the `Authorization` header of a WebPush request (first line) and its
// `Crypto-Key` header (second line, optional), parsed and verified as the endpoint would.

/// The seed corpus holds a token for this origin valid at this time, so mutations reach the
/// signature and claim checks.
private let origin = "https://push.example"
private let now: Int64 = 1_999_996_400

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    guard let credentials = try? VAPIDCredentials.parse(authorization: lines[0], cryptoKey: lines.count > 1 ? lines[1] : nil)
    else { return 0 }
    check(credentials.publicKey.count == 65 && credentials.publicKey[0] == 4, "accepted a key that is not an uncompressed point")

    let verified = Result { () throws(VAPIDError) in try VAPIDVerifier.verify(credentials, audience: origin, now: now) }
    if case .success(let claims) = verified {
        // Whatever was accepted keeps the rules: this origin, a deadline within 24 hours.
        check(claims.expiry > now && claims.expiry <= now + VAPIDVerifier.maxLifetime, "accepted an exp outside the window")
        check(claims.audience.lowercased().hasPrefix(origin), "accepted another audience")
    }
    // The cache answers as the verifier does, and checks a signature once.
    let cache = VAPIDCache(capacity: 2)
    for _ in 0..<2 {
        let cached = Result { () throws(VAPIDError) in try cache.verify(credentials, audience: origin, now: now) }
        switch (verified, cached) {
        case (.success(let a), .success(let b)): check(a == b, "the cache changed the claims")
        case (.failure(let a), .failure(let b)): check(a == b, "the cache changed the refusal")
        default: check(false, "the cache and the verifier disagree")
        }
    }
    if case .success = verified { check(cache.signatureChecks == 1, "a cached token was verified again") }
    return 0
}

@_cdecl("FuzzVAPID_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
