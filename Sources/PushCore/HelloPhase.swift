/// Where a device connection is in its handshake, for every device protocol.
public enum HelloPhase: UInt8, Sendable {
    /// Connected, no hello yet.
    case awaitingHello
    /// A hello is being resolved against the store.
    case helloInFlight
    /// Hello answered: the UAID is set and registered as this connection's.
    case ready
}
