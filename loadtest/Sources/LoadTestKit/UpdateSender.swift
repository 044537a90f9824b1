#if canImport(Glibc)
import Glibc
#endif
import CEpoll
import WebSocket

/// The app-server side: sends updates (SimplePush PUTs or WebPush POSTs, as `requests` makes
/// them) over a small pool of keep-alive HTTP/1.1 connections, one request at a time on each.
final class UpdateSender {
    struct Request {
        /// The driver's own number for the request (e.g. the version, or a target index).
        var tag: Int
        var sentAt: UInt64
    }

    struct Answer {
        var status: Int
        /// Only on 201 Created: what was created (a WebPush message).
        var location: String?
    }

    private final class Connection {
        let index: Int
        var fd: Int32 = -1
        var connecting = false
        var current: Request?
        var outbox: [UInt8] = []
        var inbox: [UInt8] = []
        var isIdle = false
        init(index: Int) { self.index = index }
    }

    /// Host and port of the update endpoint (learned from the first pushEndpoint).
    var destination: LoadTarget?
    /// A request was answered, or its connection failed (nil).
    var onAnswer: (Request, Answer?, UInt64) -> Void = { _, _, _ in }
    /// Errors by kind, drained by the worker into its report.
    var onError: (String) -> Void = { _ in }

    private let requests: UpdateRequests
    private let maxConnections: Int
    private let epoll: Int32
    private let tokenBit: UInt64
    private var connections: [Connection] = []
    private var idle: [Int] = []
    /// The worker's read buffer, shared: only one socket is read at a time.
    private let scratch: UnsafeMutableRawBufferPointer

    init(requests: UpdateRequests, maxConnections: Int, epoll: Int32, tokenBit: UInt64, scratch: UnsafeMutableRawBufferPointer) {
        self.requests = requests
        self.maxConnections = maxConnections
        self.scratch = scratch
        self.epoll = epoll
        self.tokenBit = tokenBit
    }

    /// Requests in flight.
    var busyCount: Int { connections.count - idle.count }
    var hasCapacity: Bool { !idle.isEmpty || connections.count < maxConnections }

    /// What the requests are called in error kinds ("put", "post").
    var requestName: String { requests.name }

    /// Sends one update; false when every connection is busy (try again on a later turn), or
    /// when the request could not be made (counted as an error).
    func send(path: String, version: Int64, tag: Int, now: UInt64) -> Bool {
        guard let destination, hasCapacity else { return false }
        let request: [UInt8]
        do {
            request = try requests.request(path: path, version: version, to: destination)
        } catch {
            onError("\(requests.name): cannot make the request (\(error))")
            return false
        }
        let connection: Connection
        if let free = idle.popLast() {
            connection = connections[free]
            connection.isIdle = false
        } else {
            connection = Connection(index: connections.count)
            connections.append(connection)
        }
        connection.current = Request(tag: tag, sentAt: now)
        connection.outbox = request
        if connection.fd < 0 {
            open(connection, to: destination)
        } else {
            flush(connection, now: now)
        }
        return true
    }

    /// Opens the whole pool ahead of the measured phase, so the first requests do not pay for TCP
    /// and server-side connection set-up.
    func preconnect() {
        guard let destination else { return }
        while connections.count < maxConnections {
            let connection = Connection(index: connections.count)
            connections.append(connection)
            makeIdle(connection)
            open(connection, to: destination)
        }
    }

    /// True while a pool connection is still being established.
    var isConnecting: Bool { connections.contains { $0.connecting } }

    private func makeIdle(_ connection: Connection) {
        guard !connection.isIdle else { return }
        connection.isIdle = true
        idle.append(connection.index)
    }

    private func open(_ connection: Connection, to destination: LoadTarget) {
        switch ClientSocket.connect(to: destination.host, port: destination.port, from: nil) {
        case .failure(let failure):
            abandon(connection, "\(requests.name): \(failure.kind)", now: MonotonicClock.now())
        case .success(.connected(let fd)):
            connection.fd = fd
            connection.connecting = false
            _ = cepoll_add(epoll, fd, UInt32(CEPOLL_IN) | UInt32(CEPOLL_OUT) | UInt32(CEPOLL_RDHUP), tokenBit | UInt64(connection.index))
        case .success(.inProgress(let fd)):
            connection.fd = fd
            connection.connecting = true
            _ = cepoll_add(epoll, fd, UInt32(CEPOLL_IN) | UInt32(CEPOLL_OUT) | UInt32(CEPOLL_RDHUP), tokenBit | UInt64(connection.index))
        }
    }

    func handle(index: Int, events: UInt32, now: UInt64) {
        guard index < connections.count else { return }
        let connection = connections[index]
        guard connection.fd >= 0 else { return }
        if connection.connecting {
            let code = ClientSocket.pendingError(connection.fd)
            if code != 0 {
                abandon(connection, "\(requests.name): connect: \(ErrnoName.of(code))", now: now)
                return
            }
            guard events & UInt32(CEPOLL_OUT) != 0 else { return }
            connection.connecting = false
        }
        if events & UInt32(CEPOLL_OUT) != 0 { flush(connection, now: now) }
        if events & (UInt32(CEPOLL_IN) | UInt32(CEPOLL_ERR) | UInt32(CEPOLL_HUP) | UInt32(CEPOLL_RDHUP)) != 0 {
            read(connection, now: now)
        }
    }

    private func flush(_ connection: Connection, now: UInt64) {
        guard !connection.connecting else { return }
        guard !connection.outbox.isEmpty else {
            // Connected with nothing to send (pre-opened): stop asking for writability.
            _ = cepoll_modify(epoll, connection.fd, UInt32(CEPOLL_IN) | UInt32(CEPOLL_RDHUP), tokenBit | UInt64(connection.index))
            return
        }
        let written = connection.outbox.withUnsafeBytes { ClientSocket.write(connection.fd, $0) }
        if written < 0 {
            abandon(connection, "\(requests.name): write: \(ErrnoName.of(Int32(-written)))", now: now)
            return
        }
        connection.outbox.removeFirst(written)
        let events = connection.outbox.isEmpty ? UInt32(CEPOLL_IN) | UInt32(CEPOLL_RDHUP)
            : UInt32(CEPOLL_IN) | UInt32(CEPOLL_OUT) | UInt32(CEPOLL_RDHUP)
        _ = cepoll_modify(epoll, connection.fd, events, tokenBit | UInt64(connection.index))
    }

    private func read(_ connection: Connection, now: UInt64) {
        while connection.fd >= 0 {
            switch ClientSocket.read(connection.fd, into: scratch) {
            case .bytes(let count):
                connection.inbox.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0 ..< count]))
                parseResponses(connection, now: now)
                if count < scratch.count { return }
            case .wouldBlock:
                return
            case .closed:
                abandon(connection, connection.current == nil ? nil : "\(requests.name): connection closed by server", now: now)
                return
            case .failed(let code):
                abandon(connection, "\(requests.name): read: \(ErrnoName.of(code))", now: now)
                return
            }
        }
    }

    private func parseResponses(_ connection: Connection, now: UInt64) {
        let parsed = connection.inbox.withUnsafeBytes { HTTPResponseReader.read($0) }
        switch parsed {
        case .needMore:
            return
        case .invalid(let reason):
            abandon(connection, "\(requests.name): bad response (\(reason))", now: now)
        case .response(let status, let consumed, let keepAlive, let location):
            connection.inbox.removeFirst(consumed)
            guard let request = connection.current else {
                abandon(connection, "\(requests.name): response without a request", now: now)
                return
            }
            connection.current = nil
            if !keepAlive { closeSocket(connection) }
            makeIdle(connection)
            if !requests.accepts(status) { onError("\(requests.name): HTTP \(status)") }
            onAnswer(request, Answer(status: status, location: location), now)
        }
    }

    /// Drops a broken connection; its request, if any, is answered with nil.
    private func abandon(_ connection: Connection, _ error: String?, now: UInt64) {
        closeSocket(connection)
        let request = connection.current
        connection.current = nil
        connection.inbox = []
        connection.outbox = []
        makeIdle(connection)
        if let error { onError(error) }
        if let request { onAnswer(request, nil, now) }
    }

    private func closeSocket(_ connection: Connection) {
        if connection.fd >= 0 { ClientSocket.close(connection.fd) }
        connection.fd = -1
        connection.connecting = false
    }

    /// Gives up on requests unanswered for longer than `timeout`.
    func sweep(now: UInt64, timeout: UInt64) {
        for connection in connections {
            if let request = connection.current, now - request.sentAt > timeout {
                abandon(connection, "\(requests.name): timeout", now: now)
            }
        }
    }

    func closeAll() {
        for connection in connections { closeSocket(connection) }
    }
}
