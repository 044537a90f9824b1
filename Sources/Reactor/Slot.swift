/// The per-connection record, kept in a slab. It is all an idle connection costs in user space
/// besides the session state its delegate keeps: partial input, fragments and unsent output live
/// in side tables only while they exist. 16 bytes.
struct Slot {
    enum Phase: UInt8 {
        case free
        /// Waiting for the HTTP upgrade request.
        case handshaking
        /// WebSocket open.
        case open
        /// Output is being flushed, then the write side is shut and input is discarded until the
        /// peer closes or the deadline passes (so a close frame is not lost to a reset).
        case closing
        /// A write failed: the socket is dead and is released once the current callback returns,
        /// so no caller finds its slot reused under it.
        case failed
    }

    struct Flags: OptionSet {
        let rawValue: UInt8
        /// EPOLLOUT is registered (only while output is pending).
        static let wantsWrite = Flags(rawValue: 1 << 0)
        /// The delegate asked to stop reading (its work for this connection is in flight).
        static let readingPaused = Flags(rawValue: 1 << 1)
        /// Input arrived while paused, so EPOLLIN is off until reading resumes. Set only then: most
        /// pauses end before the peer sends more, and cost no system call at all.
        static let inputMasked = Flags(rawValue: 1 << 4)
        /// The deadline is the idle timer: input pushes it back; when it passes a ping is sent.
        static let idleWatch = Flags(rawValue: 1 << 2)
        /// An idle ping is out and unanswered: the next deadline drops the connection.
        static let probing = Flags(rawValue: 1 << 3)
        /// A TLS listener's connection whose TLS handshake is not done: every event drives it.
        static let tlsHandshaking = Flags(rawValue: 1 << 5)
    }

    var fd: Int32 = -1
    var generation: UInt32 = 0
    /// Reactor clock second at which the delegate (open) or the reactor (other phases) acts; 0 = none.
    var deadline: UInt32 = 0
    var phase = Phase.free
    var flags = Flags()
    /// The delegate's byte for this connection (which protocol serves it); 0 when it opens. It
    /// fills padding, so it costs nothing.
    var tag: UInt8 = 0
    /// The delegate's byte from admitting the upgrade (which public URL the device came in under);
    /// the last byte of padding.
    var note: UInt8 = 0
}

/// Unsent bytes of one connection. Consumed from the front by an offset, so a partial write
/// costs no copy; compacted when the consumed part is at least half the storage.
struct OutputBuffer {
    private(set) var bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = Array(bytes) }

    var count: Int { bytes.count - offset }

    mutating func append(_ more: [UInt8]) {
        if offset > 0 && offset >= bytes.count / 2 {
            bytes.removeFirst(offset)
            offset = 0
        }
        bytes.append(contentsOf: more)
    }

    mutating func consume(_ written: Int) { offset += written }

    func withUnsentBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
    }
}
