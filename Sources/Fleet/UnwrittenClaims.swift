import PushCore
import Synchronization

/// Devices connected here whose node record could not be written (the store timed out or was
/// unreachable at their hello). Until it is written, other nodes store these devices' updates
/// instead of handing them over, so the record keeper writes them again on its next round.
final class UnwrittenClaims: Sendable {
    private let claims = Mutex<[UAID: Int64]>([:])

    /// Remembers the connection; true when it is the first of a run of failures (worth a log line).
    func add(_ uaid: UAID, connectedAt: Int64) -> Bool {
        claims.withLock { claims in
            defer { claims[uaid] = connectedAt }
            return claims.isEmpty
        }
    }

    /// Forgets the connection made at `connectedAt`: its record was written, or it closed.
    func remove(_ uaid: UAID, connectedAt: Int64) {
        claims.withLock { claims in
            if claims[uaid] == connectedAt { claims[uaid] = nil }
        }
    }

    /// Every connection remembered, forgotten here; a write that fails again adds it back.
    func takeAll() -> [(uaid: UAID, connectedAt: Int64)] {
        claims.withLock { claims in
            defer { claims.removeAll() }
            return claims.map { (uaid: $0.key, connectedAt: $0.value) }
        }
    }

    var count: Int { claims.withLock { $0.count } }
}
