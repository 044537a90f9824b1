import PushCore

/// The protocol state of one connection. Small and inline (no heap) because one exists for every
/// connected device.
public struct Session: Sendable {
    public enum Phase: UInt8, Sendable {
        /// Connected, no hello yet.
        case awaitingHello
        /// A hello is being resolved against the store.
        case helloInFlight
        /// Hello answered: `uaid` is set and registered as this connection's.
        case ready
    }

    // Declared uaid first so the optional's tag packs next to `phase`: 32 bytes in all.
    public var uaid: UAID?
    public var phase = Phase.awaitingHello
    /// Monotonic seconds of the last ping; negative before the first.
    public var lastPing: Double = -1

    public init() {}
}
