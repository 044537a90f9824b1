import PushCore

/// The protocol state of one WebPush connection, inline in the handler's table.
public struct WebPushSession: Sendable {
    public enum Phase: UInt8, Sendable {
        case awaitingHello
        /// The requested UAID is being looked up in the store.
        case helloInFlight
        /// Hello answered: `uaid` is set and claimed by this connection.
        case ready
    }

    public var uaid: UAID?
    public var phase = Phase.awaitingHello
    /// Monotonic seconds of the last ping; negative before the first.
    public var lastPing: Double = -1

    public init() {}
}
