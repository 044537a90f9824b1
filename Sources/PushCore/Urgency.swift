/// How soon a message should reach the device (RFC 8030 §5.3). Carried with every WebPush
/// message so a bridge can map it onto its own priority (APNs, FCM).
public enum Urgency: String, Sendable, CaseIterable {
    case veryLow = "very-low"
    case low
    case normal
    case high

    /// The header's value, exactly as RFC 8030 spells it; nil for anything else.
    public init?(header: String) {
        self.init(rawValue: header)
    }
}
