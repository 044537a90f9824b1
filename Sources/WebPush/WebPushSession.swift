import PushCore

/// The protocol state of one WebPush connection, inline in the handler's table.
public struct WebPushSession: Sendable {
    public typealias Phase = HelloPhase

    public var uaid: UAID?
    public var phase = Phase.awaitingHello
    /// Monotonic seconds of the last ping; negative before the first.
    public var lastPing: Double = -1

    public init() {}
}
