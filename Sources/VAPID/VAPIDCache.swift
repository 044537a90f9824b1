import Synchronization

/// Verified VAPID tokens, kept until they expire. App servers reuse one token for many pushes
/// (pywebpush and web-push sign one per run or per hour), and the ECDSA check is most of what a
/// WebPush request costs; a token already verified for this origin costs a dictionary lookup.
/// Keyed by the token's exact text and key, so any changed byte is verified afresh.
public final class VAPIDCache: Sendable {
    private struct Key: Hashable {
        let credentials: VAPIDCredentials
        let audience: String
    }

    private let capacity: Int
    private let entries = Mutex<[Key: VAPIDClaims]>([:])
    /// Signature checks done, for tests and metrics.
    private let verifications = Atomic<Int>(0)

    /// `capacity`: most tokens kept; when full, expired ones go first, then arbitrary ones.
    public init(capacity: Int = 10_000) { self.capacity = max(1, capacity) }

    /// The claims of `credentials`, verified now or earlier; throws what `VAPIDVerifier` throws.
    /// A cached token is still refused once its `exp` has passed.
    public func verify(_ credentials: VAPIDCredentials, audience: String, now: Int64) throws(VAPIDError) -> VAPIDClaims {
        let key = Key(credentials: credentials, audience: audience)
        if let claims = entries.withLock({ $0[key] }) {
            guard claims.expiry > now else {
                _ = entries.withLock { $0.removeValue(forKey: key) }
                throw .expired
            }
            return claims
        }
        verifications.add(1, ordering: .relaxed)
        let claims = try VAPIDVerifier.verify(credentials, audience: audience, now: now)
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expiry > now }
                if entries.count >= capacity {
                    for key in entries.keys.prefix(max(1, capacity / 4)) { entries.removeValue(forKey: key) }
                }
            }
            entries[key] = claims
        }
        return claims
    }

    /// How many tokens had their signature checked (cache misses).
    public var signatureChecks: Int { verifications.load(ordering: .relaxed) }

    public var count: Int { entries.withLock { $0.count } }
}
