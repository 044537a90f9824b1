import CEpoll
import Foundation
import Logging
import TLS
import WebSocket

/// One epoll loop on one thread, owning its sockets. Several reactors share a port through
/// SO_REUSEPORT. A hand-written loop rather than SwiftNIO because per-connection memory is the
/// headline number: a slot here is 16 bytes, against kilobytes for a channel pipeline
/// (measurements in BENCHMARKS.md).
///
/// Level-triggered; one shared read buffer; the delegate is called on this thread only. The reactor
/// is bound to its thread (not `Sendable`; its public methods check the calling thread); other
/// threads hold its `handle` and post work through it. A socket that fails is released only after
/// the callback in which it failed returns, so every close is reported to the delegate exactly once.
public final class Reactor {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var backlog = 4096
        /// 0: no limit beyond the open-file limit.
        public var maxConnections = 0
        public var maxMessageLen = 8192
        public var handshakeTimeout = 10.0
        /// How long a closing connection may take to send its EOF before it is cut.
        public var closeLinger = 2.0
        /// A connection whose unsent output grows past this is closed (a reader that stopped).
        public var maxPendingOutput = 1 << 20
        /// A watched connection silent this long gets a WebSocket ping; 0 turns idle pings off.
        public var idleTimeout = 300.0
        /// A watched connection that sends nothing for this long after an idle ping is dropped.
        public var pongTimeout = 30.0
        /// TCP keepalive probes after this many silent seconds; 0 turns them off.
        public var tcpKeepalive = 0
        /// Set: the listener speaks TLS (wss://) with this context. TLS on or off is fixed when
        /// the reactor is made; the context itself may be replaced (`replaceTLSContext`).
        public var tls: TLSContext?

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let handle: ReactorHandle
    public var index: Int { handle.index }
    public weak var delegate: ReactorDelegate?
    private(set) var settings: Settings
    let logger: Logger
    let listenFD: Int32
    let epollFD: Int32
    var mailbox: Mailbox { handle.mailbox }
    var clock = ReactorClock()
    /// The reactor clock second of the current loop turn.
    var now: UInt32 = 0

    var slots = ContiguousArray<Slot>()
    var freeSlots: [UInt32] = []
    var pendingInput: [UInt32: [UInt8]] = [:]
    var pendingOutput: [UInt32: OutputBuffer] = [:]
    var assemblers: [UInt32: MessageAssembler] = [:]
    /// A TLS listener's connections, by slot (empty on a plain listener): 8 bytes a slot.
    var tlsConnections = ContiguousArray<TLSConnection?>()
    /// Slots whose socket failed during the current callback, with the id to report as closed
    /// (nil when the WebSocket was not open).
    var failedSlots: [(slot: UInt32, report: ConnectionID?)] = []
    public internal(set) var openConnections = 0 {
        didSet { metrics.connections.record(openConnections) }
    }
    let metrics: ReactorMetrics
    var liveSockets = 0
    var acceptPaused = false
    var running = true
    var stopping = false
    var onStopped: (() -> Void)?
    var lastSweep: UInt32 = 0

    let readBuffer: UnsafeMutableRawBufferPointer
    private var events = [cepoll_event](repeating: cepoll_event(), count: 256)
    static let listenToken = UInt64.max
    static let mailboxToken = UInt64.max - 1

    public init(index: Int, settings: Settings, logger: Logger = Logger(label: "simplepush.reactor")) throws {
        handle = try ReactorHandle(index: index)
        self.settings = settings
        self.logger = logger
        metrics = ReactorMetrics(worker: index)
        let fd = csocket_listen(settings.host, Int32(settings.port), Int32(settings.backlog))
        guard fd >= 0 else { throw ReactorError.system("listen on \(settings.host):\(settings.port)", -fd) }
        listenFD = fd
        epollFD = cepoll_create()
        guard epollFD >= 0 else { throw ReactorError.system("epoll_create", errno) }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        _ = cepoll_add(epollFD, listenFD, UInt32(CEPOLL_IN), Reactor.listenToken)
        _ = cepoll_add(epollFD, mailbox.eventFD, UInt32(CEPOLL_IN), Reactor.mailboxToken)
        now = clock.seconds
    }

    deinit {
        readBuffer.deallocate()
        Glibc.close(epollFD)
        Glibc.close(listenFD)
    }

    /// The port actually bound (useful when configured as 0).
    public var boundPort: Int { Int(csocket_local_port(listenFD)) }

    /// Connections accepted from now on use `context` (a reloaded certificate); open ones keep
    /// theirs. Ignored on a plain listener.
    public func replaceTLSContext(_ context: TLSContext) {
        handle.preconditionInReactorThread()
        guard settings.tls != nil else { return }
        settings.tls = context
    }

    /// Changes limits for messages, handshakes and idle connections from now on.
    public func updateLimits(maxMessageLen: Int, handshakeTimeout: Double, idleTimeout: Double, pongTimeout: Double) {
        handle.preconditionInReactorThread()
        settings.maxMessageLen = maxMessageLen
        settings.handshakeTimeout = handshakeTimeout
        settings.idleTimeout = idleTimeout
        settings.pongTimeout = pongTimeout
    }

    /// The thread that will run this reactor's loop, not started yet. Once it starts the reactor
    /// belongs to it: the thread that made the reactor then reaches it only through `handle`.
    /// Any thread may start it.
    public func makeThread() -> ReactorThread {
        handle.preconditionInReactorThread()
        let moving = MovingToThread(reactor: self)
        let thread = Thread {
            moving.reactor.handle.adoptCurrentThread()
            moving.reactor.run()
        }
        thread.name = "reactor-\(index)"
        return ReactorThread(thread: thread)
    }

    /// Stops accepting, closes every connection with `code` (each gets its close frame and up to
    /// `closeLinger` to answer), then ends the loop and calls `done` on the reactor thread.
    public func stop(closing code: CloseCode = .goingAway, then done: @escaping () -> Void = {}) {
        handle.preconditionInReactorThread()
        guard !stopping else { return }
        stopping = true
        onStopped = done
        _ = cepoll_remove(epollFD, listenFD)
        shutdown(listenFD, Int32(SHUT_RDWR))
        for slot in slots.indices {
            switch slots[slot].phase {
            case .open: closeConnection(UInt32(slot), code: code)
            case .handshaking: release(UInt32(slot), notify: false)
            case .closing, .failed, .free: break
            }
        }
    }

    func run() {
        while running { runOnce(timeoutMilliseconds: 1000) }
        onStopped?()
    }

    /// What one `epoll_wait` came back with.
    enum WaitOutcome: Equatable {
        case events(Int)
        case interrupted
        /// The loop cannot go on: its sockets would be left behind with nobody serving them.
        case failed(errno: Int32)

        init(_ result: Int32) {
            if result >= 0 {
                self = .events(Int(result))
            } else if result == -EINTR {
                self = .interrupted
            } else {
                self = .failed(errno: -result)
            }
        }
    }

    /// One turn of the loop: wait up to `timeoutMilliseconds`, handle what came, sweep deadlines
    /// once a second. Tests drive a reactor through this, one step at a time.
    func runOnce(timeoutMilliseconds: Int32) {
        assert(handle.inReactorThread)
        let result = events.withUnsafeMutableBufferPointer { cepoll_wait(epollFD, $0.baseAddress, 256, timeoutMilliseconds) }
        let count: Int
        switch WaitOutcome(result) {
        case .events(let n): count = n
        case .interrupted: count = 0
        case .failed(let code):
            let reason = String(cString: strerror(code))
            logger.critical("reactor loop failed", metadata: ["worker": "\(index)", "error": "\(reason)"])
            fatalError("reactor \(index): epoll_wait failed: \(reason)")
        }
        now = clock.seconds
        for i in 0..<count {
            let event = events[i]
            switch event.token {
            case Reactor.listenToken: acceptConnections()
            case Reactor.mailboxToken: runMail()
            default: handle(event: event.events, id: ConnectionID(token: event.token))
            }
            releaseFailed()
        }
        if now != lastSweep {
            lastSweep = now
            sweepDeadlines(now: now)
            releaseFailed()
        }
        if stopping && liveSockets == 0 { running = false }
    }

    private func runMail() {
        let (items, oldest) = mailbox.takeAll()
        if let oldest { metrics.lag.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- oldest)) }
        for work in items {
            work()
            releaseFailed()
        }
    }

    func handle(event: UInt32, id: ConnectionID) {
        guard isCurrent(id) else { return }
        // Mid-handshake, readable and writable both mean "try the handshake again".
        if slots[Int(id.slot)].flags.contains(.tlsHandshaking) { return readable(id.slot) }
        if event & UInt32(CEPOLL_OUT) != 0 { flush(id.slot) }
        guard isCurrent(id), slots[Int(id.slot)].phase != .failed else { return }
        if slots[Int(id.slot)].flags.contains(.readingPaused) {
            // Not reading: a reset or hang-up ends the connection; input waits in the kernel,
            // with EPOLLIN off so level-triggered epoll does not report it again and again.
            if event & UInt32(CEPOLL_HUP | CEPOLL_ERR) != 0 { return release(id.slot, notify: true) }
            if !slots[Int(id.slot)].flags.contains(.inputMasked) {
                slots[Int(id.slot)].flags.insert(.inputMasked)
                updateInterest(id.slot)
            }
            return
        }
        if event & UInt32(CEPOLL_IN | CEPOLL_HUP | CEPOLL_ERR | CEPOLL_RDHUP) != 0 { readable(id.slot) }
    }

    /// Whether `id` still names a connection of this reactor that has a socket (in any phase).
    func isCurrent(_ id: ConnectionID) -> Bool {
        Int(id.slot) < slots.count && slots[Int(id.slot)].generation == id.generation && slots[Int(id.slot)].phase != .free
    }

    /// Whether `id` names an open WebSocket: not closing, not failed, not gone. What protocol
    /// code means by "the connection is alive".
    public func isOpen(_ id: ConnectionID) -> Bool {
        assert(handle.inReactorThread)
        return Int(id.slot) < slots.count && slots[Int(id.slot)].generation == id.generation && slots[Int(id.slot)].phase == .open
    }

    func id(of slot: UInt32) -> ConnectionID { ConnectionID(slot: slot, generation: slots[Int(slot)].generation) }
}

/// Carries a reactor to the thread `makeThread` prepares for it.
private struct MovingToThread: @unchecked Sendable {  // the making thread gives the reactor up: once the loop runs it reaches it only through its handle
    let reactor: Reactor
}

/// A reactor's loop thread, ready to start.
public struct ReactorThread: @unchecked Sendable {  // only `start` is called on the thread object, and Foundation allows that from any thread
    let thread: Thread

    public func start() { thread.start() }
}
