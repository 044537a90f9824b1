/// Where a device is connected in a fleet: the node holding its connection (the node's router
/// URL) and when that connection began. Written at hello, so a node that receives an update for
/// a device it does not hold knows whom to hand it to.
public struct NodeRecord: Equatable, Sendable, CustomStringConvertible {
    /// The node's router URL, `http://host:port`.
    public var node: String
    /// Milliseconds since the Unix epoch.
    public var connectedAt: Int64

    public init(node: String, connectedAt: Int64) {
        self.node = node
        self.connectedAt = connectedAt
    }

    /// The newer of two connections wins; at the same millisecond the node names decide, so every
    /// node agrees on the winner.
    public func isNewer(than other: NodeRecord) -> Bool {
        (connectedAt, node) > (other.connectedAt, other.node)
    }

    public var description: String { "\(node)@\(connectedAt)" }

    /// The stored form, `<connectedAt> <node>`; nil for anything else.
    public init?(encoded text: String) {
        guard let space = text.firstIndex(of: " "), let connectedAt = Int64(text[..<space]) else { return nil }
        let node = String(text[text.index(after: space)...])
        guard !node.isEmpty else { return nil }
        self.init(node: node, connectedAt: connectedAt)
    }

    public var encoded: String { "\(connectedAt) \(node)" }
}

/// What claiming a device's connection for a node did.
public enum ClaimResult: Equatable, Sendable {
    /// The record is this connection's now; `replaced` is the one it displaced (an older
    /// connection, on this node or another, which should be closed), if any.
    case claimed(replaced: NodeRecord?)
    /// A newer connection holds the device already: this one is the older and should close.
    case newerHeld(NodeRecord)

    /// Decides a claim against the record already there.
    public static func deciding(_ claim: NodeRecord, over current: NodeRecord?) -> ClaimResult {
        guard let current, current != claim else { return .claimed(replaced: nil) }
        return current.isNewer(than: claim) ? .newerHeld(current) : .claimed(replaced: current)
    }
}
