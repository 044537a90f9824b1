import WebSocket

/// A delegate's answer to an upgrade request.
public enum Admission: Equatable, Sendable {
    /// Open the WebSocket; `note` stays with the connection (0: nothing to say).
    case accept(note: UInt8)
    case refuse(HTTPFailure)

    public static let accept = Admission.accept(note: 0)
}

/// What a reactor asks of the protocol running on it. Every call happens on the reactor's thread.
public protocol ReactorDelegate: AnyObject {
    /// A plain HTTP request that is not a WebSocket upgrade (for example `GET /status/`).
    /// The returned bytes are written and the connection is closed.
    func reactor(_ reactor: Reactor, plainRequest head: RequestHead) -> [UInt8]

    /// A valid upgrade request: accept it, with a byte to keep for the connection (`note(of:)`),
    /// or refuse it (wrong path or origin).
    func reactor(_ reactor: Reactor, shouldAccept head: RequestHead) -> Admission

    /// The WebSocket is open.
    func reactor(_ reactor: Reactor, didOpen connection: ConnectionID)

    /// One complete text or binary message.
    func reactor(_ reactor: Reactor, didReceive message: [UInt8], on connection: ConnectionID)

    /// The connection is gone (closed by either side); its id is no longer valid.
    func reactor(_ reactor: Reactor, didClose connection: ConnectionID)

    /// The deadline set with `setDeadline` passed.
    func reactor(_ reactor: Reactor, deadlinePassed connection: ConnectionID)
}
