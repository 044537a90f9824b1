import PushCore

/// Where the fleet records which node holds each device (the shared store's node records), as the
/// connection node needs it: claim at hello, release at close. Nil on a node alone.
public protocol DevicePlacement: Sendable {
    /// Records that this node's connection made at `connectedAt` holds the device. False when a
    /// newer connection on another node holds it already: this one should close. An older
    /// holder elsewhere is told to close its connection.
    func claim(_ uaid: UAID, connectedAt: Int64) async -> Bool
    /// The connection made at `connectedAt` closed: its record goes, unless a newer one replaced it.
    func release(_ uaid: UAID, connectedAt: Int64) async
}
