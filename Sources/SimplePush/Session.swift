import PushCore

/// The protocol state of one connection. Small and inline (no heap) because one exists for every
/// connected device.
public struct Session: Sendable {
    public typealias Phase = HelloPhase

    // Field order packs the optional's tag, the phase and the spelling into the padding before
    // `lastPing`: 32 bytes in all.
    public var uaid: UAID?
    public var phase = Phase.awaitingHello
    private var spellingDashed = false
    private var spellingUpperCase: UInt32 = 0
    /// Monotonic seconds of the last ping; negative before the first.
    public var lastPing: Double = -1

    public init() {}

    /// How the device wrote its UAID, echoed in hello replies.
    public var spelling: UAID.Spelling {
        get { UAID.Spelling(upperCaseDigits: spellingUpperCase, dashed: spellingDashed) }
        set {
            spellingDashed = newValue.dashed
            spellingUpperCase = newValue.upperCaseDigits
        }
    }
}
