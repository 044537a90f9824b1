import Reactor
import Routing
import PushCore

/// A device protocol served on the node's WebSocket connections (SimplePush; WebPush next). The
/// node makes one handler per reactor and calls it on that reactor's thread only, for the
/// connections it chose this protocol for; the handler keeps its per-connection state keyed by
/// `ConnectionID` (a `ConnectionTable` costs no more than the state itself).
public protocol ConnectionProtocol: AnyObject {
    /// Whether this protocol serves a connection whose first message is `message` (its hello).
    /// Asked in the order the protocols were given; the last one should accept anything and
    /// answer what it cannot serve with its own errors.
    func accepts(firstMessage message: [UInt8]) -> Bool

    /// The protocol was chosen for `connection`; its first message follows at once.
    func didOpen(_ connection: ConnectionID)

    func didReceive(_ message: [UInt8], on connection: ConnectionID)

    /// The connection is gone; forget it.
    func didClose(_ connection: ConnectionID)

    /// A deadline the handler set (or the node's hello timeout) passed.
    func deadlinePassed(_ connection: ConnectionID)

    /// A message routed to `uaid`, which `connection` claimed in the registry when it was looked up.
    func deliver(_ message: PushMessage, to uaid: UAID, on connection: ConnectionID)
}

/// Makes a protocol's handler for each reactor of the node.
public protocol ConnectionProtocolModule: Sendable {
    func makeHandler(on worker: NodeWorker) -> any ConnectionProtocol
}
