/// The per-connection record, kept in a slab. It is all an idle connection costs in user space
/// besides the session state its delegate keeps: partial input, fragments and unsent output live
/// in side tables only while they exist.
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
    }

    var fd: Int32 = -1
    var generation: UInt32 = 0
    /// Reactor clock second at which the delegate (open) or the reactor (other phases) acts; 0 = none.
    var deadline: UInt32 = 0
    var phase = Phase.free
    /// Whether EPOLLOUT is registered (only while output is pending).
    var wantsWrite = false
}
