/// Hands updates to devices connected to this node. The endpoint calls it after the store accepted
/// an update; the connection node implements it.
public protocol UpdateDelivery: AnyObject, Sendable {
    /// Queues the update for the device's live connection on this node. Returns false when the
    /// device is not connected here (the update stays stored for its next hello).
    func deliver(_ update: Update, to uaid: UAID) -> Bool

    /// Devices connected to this node right now (after hello).
    var connectedClients: Int { get }
}
