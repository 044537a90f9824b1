import Crypto
import Foundation
import JSON

/// An app server's VAPID identity (RFC 8292): one P-256 key, and ES256 JWTs naming the push
/// service they are for, when they expire and whom to contact. Signed by swift-crypto.
struct VAPIDSigner {
    static let subject = "mailto:loadtest@example.invalid"
    /// Well inside the 24 hours a push service accepts.
    static let lifetime: Int64 = 12 * 3600
    private static let header = Base64URL.encode(Array(#"{"typ":"JWT","alg":"ES256"}"#.utf8))

    private let key: P256.Signing.PrivateKey
    /// The raw uncompressed public key (65 bytes), base64url: the header's `k=`.
    let publicKey: String

    init(key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) {
        self.key = key
        publicKey = Base64URL.encode(Array(key.publicKey.x963Representation))
    }

    /// A token for `audience` (the push service's origin); `now` in Unix seconds.
    func token(audience: String, now: Int64) throws -> String {
        let claims = #"{"aud":"# + JSONValue.quoted(audience) + #","exp":\#(now + Self.lifetime),"sub":"#
            + JSONValue.quoted(Self.subject) + "}"
        let signingInput = Self.header + "." + Base64URL.encode(Array(claims.utf8))
        let signature = try key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    /// The `Authorization` header's value: `vapid t=<token>,k=<key>`.
    func authorization(audience: String, now: Int64) throws -> String {
        "vapid t=\(try token(audience: audience, now: now)),k=\(publicKey)"
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5), as JWTs and WebPush write it.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        String(Data(bytes).base64EncodedString().compactMap { character -> Character? in
            switch character {
            case "+": return "-"
            case "/": return "_"
            case "=": return nil
            default: return character
            }
        })
    }
}
