import Crypto
import JSON
import PushCore

/// What a verified VAPID token says about the app server.
public struct VAPIDClaims: Equatable, Sendable {
    /// The push service's origin the token was made for.
    public let audience: String
    /// Unix seconds after which the token is no longer accepted.
    public let expiry: Int64
    /// The app server's contact (`mailto:` or `https:`), when it gave one; recorded, not checked further.
    public let subject: String?

    public init(audience: String, expiry: Int64, subject: String?) {
        self.audience = audience
        self.expiry = expiry
        self.subject = subject
    }
}

/// Checks a VAPID token (RFC 8292): a JWT signed with ES256 (RFC 7515/7518: raw r‖s, or DER as
/// some libraries send) by the key beside it, for this server's origin, expiring within 24 hours.
/// The signature is verified by swift-crypto; nothing here does elliptic-curve arithmetic.
public enum VAPIDVerifier {
    /// Tokens may not be valid for longer than this (RFC 8292 §2).
    public static let maxLifetime: Int64 = 86_400

    /// `audience` is the origin of the endpoint URL (`https://push.example`), `now` Unix seconds.
    public static func verify(_ credentials: VAPIDCredentials, audience: String, now: Int64) throws(VAPIDError) -> VAPIDClaims {
        let parts = credentials.token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
              let claimsBytes = Base64URL.decode(String(parts[1])),
              let signatureBytes = Base64URL.decode(String(parts[2])),
              let header = uniqueMembers(JSONParser.parse(headerBytes)),
              let claims = uniqueMembers(JSONParser.parse(claimsBytes)) else { throw .malformedToken }
        guard header["alg"]?.stringValue == "ES256" else { throw .unsupportedAlgorithm }

        guard let key = try? P256.Signing.PublicKey(x963Representation: credentials.publicKey) else { throw .invalidKey }
        let signature = signatureBytes.count == 64
            ? try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
            : try? P256.Signing.ECDSASignature(derRepresentation: signatureBytes)
        let signingInput = Array(credentials.token.utf8[..<parts[1].endIndex])
        guard let signature, key.isValidSignature(signature, for: signingInput) else { throw .badSignature }

        guard let aud = claims["aud"]?.stringValue, origin(aud) == origin(audience) else { throw .wrongAudience }
        guard let exp = claims["exp"]?.integerValue else { throw .missingExpiry }
        guard exp > now else { throw .expired }
        guard exp <= now + maxLifetime else { throw .expiryTooFar }
        var subject: String?
        if let sub = claims["sub"] {
            guard let text = sub.stringValue, text.count > "mailto:".count,
                  text.hasPrefix("mailto:") || text.hasPrefix("https:") else { throw .badSubject }
            subject = text
        }
        return VAPIDClaims(audience: aud, expiry: exp, subject: subject)
    }

    /// An origin compared without a trailing slash and without regard to case.
    private static func origin(_ text: String) -> String {
        var text = text.lowercased()
        if text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// A JSON object's members by name; nil for anything else, or an object naming a member twice
    /// (which one a verifier reads would otherwise be a guess).
    private static func uniqueMembers(_ value: JSONValue?) -> [String: JSONValue]? {
        guard let members = value?.objectMembers else { return nil }
        var result: [String: JSONValue] = [:]
        for (key, value) in members {
            guard result.updateValue(value, forKey: key) == nil else { return nil }
        }
        return result
    }
}
