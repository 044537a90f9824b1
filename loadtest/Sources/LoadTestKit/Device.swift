import TLS
import WebSocket

/// One simulated device: its identity (UAID, channels, endpoints) survives reconnects; the
/// connection fields describe the current socket, if any.
final class Device {
    enum Stage: Equatable {
        /// No socket.
        case offline
        /// TCP connect in progress.
        case connecting
        /// TLS handshake in progress (wss://).
        case securing
        /// Upgrade request sent, waiting for 101.
        case upgrading
        /// hello sent.
        case greeting
        /// register messages sent, waiting for their replies.
        case registering
        /// Set up and idle: only notifications, acks and control frames from here on.
        case ready
    }

    /// Why the current connection was opened; decides what hello says and what "ready" means.
    enum Purpose: Equatable {
        /// First connection: empty UAID, then register the channels.
        case setup
        /// Reconnect with the UAID and the channels already registered.
        case resume
    }

    /// The client number across all workers (picks the source address).
    let client: Int
    /// Index in the worker's device array, used as the epoll token.
    let slot: Int
    var stage: Stage = .offline
    var purpose: Purpose = .setup
    var fd: Int32 = -1
    /// The connection's TLS, on a wss:// target.
    var tls: TLSConnection?
    /// The session to offer on the next connection (kept across reconnects, as a browser does).
    var tlsSession: TLSSession?
    /// The TLS handshake waits for the socket to become writable (it is watched for that).
    var handshakeWantsWritable = false
    var uaid = ""
    var channelIDs: [String] = []
    /// Path of each channel's update endpoint, in channel order (filled at registration).
    var endpointPaths: [String?] = []
    var registrationsPending = 0
    /// When the current connection attempt started.
    var attemptStarted: UInt64 = 0
    var handshakeKey = ""
    /// Bytes received but not yet forming a complete HTTP head or frame.
    var inbox: [UInt8] = []
    /// Bytes the socket would not take yet.
    var outbox: [UInt8] = []
    /// Only while a fragmented message is arriving (the server does not fragment, but may).
    var assembler: MessageAssembler?
    /// Stored updates still expected after a resume (stored scenario).
    var awaitedChannels: Set<String> = []

    init(client: Int, slot: Int) {
        self.client = client
        self.slot = slot
    }

    var isConnectedOrConnecting: Bool { stage != .offline }
    var isSettingUp: Bool { stage != .offline && stage != .ready }

    /// Forgets the connection; the identity stays.
    func resetConnection() {
        stage = .offline
        fd = -1
        tls = nil
        handshakeWantsWritable = false
        inbox = []
        outbox = []
        assembler = nil
        registrationsPending = 0
        handshakeKey = ""
    }
}
