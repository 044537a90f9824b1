import CTLS

/// TLS on one non-blocking socket, driven by an event loop: every call returns at once, saying
/// when it needs the socket readable or writable first. A value the loop owns and frees; it is 8
/// bytes, so a table of optional connections costs a pointer per slot.
public struct TLSConnection {
    let raw: OpaquePointer

    /// What a handshake, read or write came to.
    public enum Outcome: Equatable {
        /// Bytes read or written (a handshake: done).
        case done(Int)
        case wantRead
        case wantWrite
        /// The peer ended the stream, with or without close_notify.
        case closed
        /// The peer sent a plain HTTP request to a TLS port.
        case plainHTTP
        case failed

        init(_ result: Int) {
            if result >= 0 { self = .done(result); return }
            switch result {
            case Int(CTLS_WANT_READ): self = .wantRead
            case Int(CTLS_WANT_WRITE): self = .wantWrite
            case Int(CTLS_CLOSED): self = .closed
            case Int(CTLS_PLAIN_HTTP): self = .plainHTTP
            default: self = .failed
            }
        }
    }

    /// The server side of a connection accepted on `fd`; nil when OpenSSL cannot allocate one.
    public static func accept(_ context: TLSContext, fd: Int32) -> TLSConnection? {
        ctls_accept(context.raw, fd).map(TLSConnection.init(raw:))
    }

    /// The client side on a connected `fd`. `host` is sent as SNI and, with a verifying context,
    /// checked against the certificate; `resuming` offers an earlier session.
    public static func connect(_ context: TLSContext, fd: Int32, host: String, resuming session: TLSSession? = nil) -> TLSConnection? {
        ctls_connect(context.raw, fd, host, session?.raw).map(TLSConnection.init(raw:))
    }

    /// Frees the connection (the socket stays open: its owner closes it).
    public func free() { ctls_free(raw) }

    public func handshake() -> Outcome {
        let result = ctls_handshake(raw)
        return result == 1 ? .done(0) : Outcome(Int(result))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Outcome {
        Outcome(ctls_read(raw, buffer.baseAddress, buffer.count))
    }

    /// After `.wantWrite`, call again with the same bytes first (they may have moved).
    public func write(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard bytes.count > 0 else { return .done(0) }
        return Outcome(ctls_write(raw, bytes.baseAddress, bytes.count))
    }

    /// Sends close_notify, without waiting for the peer's.
    public func closeNotify() { ctls_close_notify(raw) }

    /// A server's TLS 1.3 connection past its handshake that holds only its keys and sequence
    /// numbers, OpenSSL's own state freed.
    public var isCompact: Bool { ctls_is_compact(raw) != 0 }

    /// The smallest buffer `read` takes on a server connection: one whole record.
    public static let minimumReadCapacity = Int(CTLS_MIN_READ)

    /// (Client) Asks the server for a TLS 1.3 KeyUpdate, sent with the next write.
    @discardableResult
    public func requestKeyUpdate() -> Bool { ctls_request_key_update(raw) != 0 }

    public var resumed: Bool { ctls_resumed(raw) != 0 }
    /// "TLSv1.2", "TLSv1.3".
    public var protocolName: String { String(cString: ctls_protocol(raw)) }
    /// The protocol ALPN agreed on, or "".
    public var alpn: String { String(cString: ctls_alpn(raw)) }

    /// The session to offer on the next connection to this server (TLS 1.3 sends it after the
    /// handshake, so ask after the first read).
    public func session() -> TLSSession? { ctls_session_get(raw).map(TLSSession.init) }

    /// Why the last call on this thread failed, in OpenSSL's words.
    public static var lastError: String { String(cString: ctls_last_error()) }
}
