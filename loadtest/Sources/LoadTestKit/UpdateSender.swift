#if canImport(Glibc)
import Glibc
#endif
import CEpoll
import WebSocket

/// The app-server side: PUTs `version=N&data=…` over a small pool of keep-alive HTTP/1.1
/// connections, one request at a time on each.
final class UpdateSender {
    struct Put {
        /// The driver's own number for the request (e.g. the version, or a target index).
        var tag: Int
        var sentAt: UInt64
    }

    private final class Connection {
        let index: Int
        var fd: Int32 = -1
        var connecting = false
        var current: Put?
        var outbox: [UInt8] = []
        var inbox: [UInt8] = []
        var isIdle = false
        init(index: Int) { self.index = index }
    }

    /// Host and port of the update endpoint (learned from the first pushEndpoint).
    var destination: LoadTarget?
    var onAnswer: (Put, Int?, UInt64) -> Void = { _, _, _ in }
    /// Errors by kind, drained by the worker into its report.
    var onError: (String) -> Void = { _ in }

    private let maxConnections: Int
    private let epoll: Int32
    private let tokenBit: UInt64
    private var connections: [Connection] = []
    private var idle: [Int] = []
    /// The worker's read buffer, shared: only one socket is read at a time.
    private let scratch: UnsafeMutableRawBufferPointer

    init(maxConnections: Int, epoll: Int32, tokenBit: UInt64, scratch: UnsafeMutableRawBufferPointer) {
        self.maxConnections = maxConnections
        self.scratch = scratch
        self.epoll = epoll
        self.tokenBit = tokenBit
    }

    /// Requests in flight.
    var busyCount: Int { connections.count - idle.count }
    var hasCapacity: Bool { !idle.isEmpty || connections.count < maxConnections }

    /// Sends one PUT; false when every connection is busy (try again on a later turn).
    func put(path: String, body: String, tag: Int, now: UInt64) -> Bool {
        guard let destination else { return false }
        let connection: Connection
        if let free = idle.popLast() {
            connection = connections[free]
            connection.isIdle = false
        } else if connections.count < maxConnections {
            connection = Connection(index: connections.count)
            connections.append(connection)
        } else {
            return false
        }
        connection.current = Put(tag: tag, sentAt: now)
        let request = "PUT \(path) HTTP/1.1\r\nHost: \(destination.hostHeader)\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        connection.outbox = Array(request.utf8)
        if connection.fd < 0 {
            open(connection, to: destination)
        } else {
            flush(connection, now: now)
        }
        return true
    }

    /// Opens the whole pool ahead of the measured phase, so the first PUTs do not pay for TCP
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
            abandon(connection, "put: \(failure.kind)", now: MonotonicClock.now())
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
                abandon(connection, "put: connect: \(ErrnoName.of(code))", now: now)
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
            abandon(connection, "put: write: \(ErrnoName.of(Int32(-written)))", now: now)
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
                abandon(connection, connection.current == nil ? nil : "put: connection closed by server", now: now)
                return
            case .failed(let code):
                abandon(connection, "put: read: \(ErrnoName.of(code))", now: now)
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
            abandon(connection, "put: bad response (\(reason))", now: now)
        case .response(let status, let consumed, let keepAlive):
            connection.inbox.removeFirst(consumed)
            guard let put = connection.current else {
                abandon(connection, "put: response without a request", now: now)
                return
            }
            connection.current = nil
            if !keepAlive { closeSocket(connection) }
            makeIdle(connection)
            if status != 200 && status != 202 { onError("put: HTTP \(status)") }
            onAnswer(put, status, now)
        }
    }

    /// Drops a broken connection; its request, if any, is answered with nil.
    private func abandon(_ connection: Connection, _ error: String?, now: UInt64) {
        closeSocket(connection)
        let put = connection.current
        connection.current = nil
        connection.inbox = []
        connection.outbox = []
        makeIdle(connection)
        if let error { onError(error) }
        if let put { onAnswer(put, nil, now) }
    }

    private func closeSocket(_ connection: Connection) {
        if connection.fd >= 0 { ClientSocket.close(connection.fd) }
        connection.fd = -1
        connection.connecting = false
    }

    /// Gives up on requests unanswered for longer than `timeout`.
    func sweep(now: UInt64, timeout: UInt64) {
        for connection in connections {
            if let put = connection.current, now - put.sentAt > timeout {
                abandon(connection, "put: timeout", now: now)
            }
        }
    }

    func closeAll() {
        for connection in connections { closeSocket(connection) }
    }
}

/// Reads one HTTP/1.1 response (head and body) from the front of a buffer.
enum HTTPResponseReader {
    enum Result: Equatable {
        case needMore
        case invalid(String)
        case response(status: Int, consumed: Int, keepAlive: Bool)
    }

    static func read(_ bytes: UnsafeRawBufferPointer) -> Result {
        switch ResponseHeadParser.parse(bytes) {
        case .needMore:
            return .needMore
        case .invalid(let reason):
            return .invalid(reason)
        case .head(let head, let headLength):
            let keepAlive = !(head.header("Connection")?.lowercased().contains("close") ?? false)
            if head.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
                guard let end = chunkedBodyEnd(bytes, from: headLength) else { return .needMore }
                return .response(status: head.status, consumed: end, keepAlive: keepAlive)
            }
            let length = Int(head.header("Content-Length") ?? "0") ?? -1
            guard length >= 0 else { return .invalid("bad Content-Length") }
            guard bytes.count - headLength >= length else { return .needMore }
            return .response(status: head.status, consumed: headLength + length, keepAlive: keepAlive)
        }
    }

    /// Where a chunked body ends (after the last chunk and its empty trailer), if it is all here.
    static func chunkedBodyEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while true {
            guard let lineEnd = findCRLF(bytes, from: index) else { return nil }
            let sizeText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index ..< lineEnd]), as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first.map(String.init) ?? "", radix: 16), size >= 0 else { return nil }
            index = lineEnd + 2
            if size == 0 {
                // Trailer fields end with an empty line.
                while let end = findCRLF(bytes, from: index) {
                    if end == index { return end + 2 }
                    index = end + 2
                }
                return nil
            }
            guard bytes.count - index >= size + 2 else { return nil }
            index += size + 2
        }
    }

    private static func findCRLF(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }
}
