import CEpoll
import Foundation
import WebSocket

/// One epoll loop on one thread, owning its sockets. Several reactors share a port through
/// SO_REUSEPORT. A hand-written loop rather than SwiftNIO because per-connection memory is the
/// headline number: a slot here is 16 bytes, against kilobytes for a channel pipeline
/// (measurements in BENCHMARKS.md).
///
/// Level-triggered; one shared read buffer; the delegate is called on this thread only. Other
/// threads talk to it through `execute`.
public final class Reactor: @unchecked Sendable {
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

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let index: Int
    public weak var delegate: ReactorDelegate?
    private(set) var settings: Settings
    let listenFD: Int32
    let epollFD: Int32
    let mailbox: Mailbox
    var clock = ReactorClock()

    var slots = ContiguousArray<Slot>()
    var freeSlots: [UInt32] = []
    var pendingInput: [UInt32: [UInt8]] = [:]
    var pendingOutput: [UInt32: [UInt8]] = [:]
    var assemblers: [UInt32: MessageAssembler] = [:]
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
    static let listenToken = UInt64.max
    static let mailboxToken = UInt64.max - 1

    public init(index: Int, settings: Settings) throws {
        self.index = index
        self.settings = settings
        metrics = ReactorMetrics(worker: index)
        let fd = csocket_listen(settings.host, Int32(settings.port), Int32(settings.backlog))
        guard fd >= 0 else { throw ReactorError.system("listen on \(settings.host):\(settings.port)", -fd) }
        listenFD = fd
        epollFD = cepoll_create()
        guard epollFD >= 0 else { throw ReactorError.system("epoll_create", errno) }
        mailbox = try Mailbox()
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        _ = cepoll_add(epollFD, listenFD, UInt32(CEPOLL_IN), Reactor.listenToken)
        _ = cepoll_add(epollFD, mailbox.eventFD, UInt32(CEPOLL_IN), Reactor.mailboxToken)
    }

    deinit {
        readBuffer.deallocate()
        Glibc.close(epollFD)
        Glibc.close(listenFD)
    }

    /// The port actually bound (useful when configured as 0).
    public var boundPort: Int { Int(csocket_local_port(listenFD)) }

    /// Changes limits for messages and handshakes from now on. Safe from any thread.
    public func updateLimits(maxMessageLen: Int, handshakeTimeout: Double) {
        execute { [self] in
            settings.maxMessageLen = maxMessageLen
            settings.handshakeTimeout = handshakeTimeout
        }
    }

    /// Runs `work` on this reactor's thread. Safe from any thread.
    public func execute(_ work: @escaping () -> Void) { mailbox.post(work) }

    /// Starts the loop on a new thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "reactor-\(index)"
        thread.start()
    }

    /// Stops accepting, closes every connection with `code` (each gets its close frame and up to
    /// `closeLinger` to answer), then ends the loop and calls `done` on the reactor thread.
    public func stop(closing code: CloseCode = .goingAway, then done: @escaping () -> Void = {}) {
        execute { [self] in
            guard !stopping else { return }
            stopping = true
            onStopped = done
            _ = cepoll_remove(epollFD, listenFD)
            shutdown(listenFD, Int32(SHUT_RDWR))
            for slot in slots.indices {
                switch slots[slot].phase {
                case .open: closeConnection(UInt32(slot), code: code)
                case .handshaking: release(UInt32(slot), notify: false)
                case .closing, .free: break
                }
            }
        }
    }

    func run() {
        var events = [cepoll_event](repeating: cepoll_event(), count: 256)
        while running {
            let count = events.withUnsafeMutableBufferPointer { cepoll_wait(epollFD, $0.baseAddress, 256, 1000) }
            if count < 0 && errno != EINTR { break }
            for i in 0..<max(0, Int(count)) {
                let event = events[i]
                switch event.token {
                case Reactor.listenToken: acceptConnections()
                case Reactor.mailboxToken: runMail()
                default: handle(event: event.events, id: ConnectionID(token: event.token))
                }
            }
            let now = clock.seconds
            if now != lastSweep {
                lastSweep = now
                sweepDeadlines(now: now)
            }
            if stopping && liveSockets == 0 { running = false }
        }
        onStopped?()
    }

    private func runMail() {
        let (items, oldest) = mailbox.takeAll()
        if let oldest { metrics.lag.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- oldest)) }
        for work in items { work() }
    }

    func handle(event: UInt32, id: ConnectionID) {
        guard isCurrent(id) else { return }
        if event & UInt32(CEPOLL_OUT) != 0 { flush(id.slot) }
        guard isCurrent(id) else { return }
        if event & UInt32(CEPOLL_IN | CEPOLL_HUP | CEPOLL_ERR | CEPOLL_RDHUP) != 0 { readable(id.slot) }
    }

    /// Whether `id` still names a live connection of this reactor.
    public func isCurrent(_ id: ConnectionID) -> Bool {
        Int(id.slot) < slots.count && slots[Int(id.slot)].generation == id.generation && slots[Int(id.slot)].phase != .free
    }

    func id(of slot: UInt32) -> ConnectionID { ConnectionID(slot: slot, generation: slots[Int(slot)].generation) }
}
