/// Why a push's VAPID credentials (RFC 8292) were refused. Every case is answered 401 with errno
/// 109 and `WWW-Authenticate: vapid`; the case says which rule failed, for the reply's message
/// and the metrics.
public enum VAPIDError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `Authorization` header, or one without a token.
    case missingToken
    /// A scheme other than `vapid`, `WebPush` or `Bearer`.
    case unknownScheme
    /// No public key: neither `k=` nor `Crypto-Key: p256ecdsa=`.
    case missingKey
    /// The key is not an uncompressed P-256 point in base64url.
    case invalidKey
    /// Not three base64url parts, or a header or claims part that is not a JSON object.
    case malformedToken
    /// The JWT's `alg` is not ES256.
    case unsupportedAlgorithm
    /// The signature does not verify under the key.
    case badSignature
    /// `aud` is missing or is not this server's origin.
    case wrongAudience
    /// `exp` is missing or not an integer.
    case missingExpiry
    /// `exp` has passed.
    case expired
    /// `exp` is more than 24 hours ahead.
    case expiryTooFar
    /// `sub` is present but empty or neither `mailto:` nor `https:`.
    case badSubject
    /// A restricted (v2) subscription, and the key is not the one it was made with.
    case keyMismatch

    public var description: String {
        switch self {
        case .missingToken: return "missing VAPID token"
        case .unknownScheme: return "unknown authorization scheme"
        case .missingKey: return "missing VAPID public key"
        case .invalidKey: return "invalid VAPID public key"
        case .malformedToken: return "malformed VAPID token"
        case .unsupportedAlgorithm: return "VAPID token must be signed with ES256"
        case .badSignature: return "VAPID signature does not verify"
        case .wrongAudience: return "VAPID aud is not this server's origin"
        case .missingExpiry: return "VAPID exp missing"
        case .expired: return "VAPID token expired"
        case .expiryTooFar: return "VAPID exp more than 24 hours ahead"
        case .badSubject: return "VAPID sub must be a mailto: or https: URL"
        case .keyMismatch: return "VAPID key is not the one this subscription was made with"
        }
    }
}
