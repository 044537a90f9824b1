import Foundation
import TLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking IPv4 TCP socket whose reads wait with poll(2), so no read can hang a test. To a
/// port a TLS test server listens on (`SIMPLEPUSH_E2E_TLS=1`) it speaks TLS, verifying the
/// server's certificate; the socket is then non-blocking and every wait is a poll. The handshake
/// happens at the first read or write, as the connection's first bytes would on plain TCP, so a
/// server that refuses or drops a connection looks the same either way: the stream is closed.
final class TCPConnection {
    enum ReadResult {
        case bytes([UInt8])
        /// The peer closed (FIN or reset).
        case closed
        case timedOut
    }

    private var fd: Int32
    private var tls: TLSConnection?
    /// The handshake still to do: the client context and the host to verify.
    private var pendingTLS: (context: TLSContext, host: String)?

    init(host: String = "127.0.0.1", port: Int) throws {
        fd = socket(AF_INET, socketStreamType, 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        var address = try makeAddress(host: host, port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            closeSocket(fd)
            throw TestFailure("connect to \(host):\(port) failed: \(String(cString: strerror(code)))")
        }
        // Small frames must leave at once; a test measures the server, not Nagle's algorithm.
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let context = TestTLS.clientContext(forPort: port) { pendingTLS = (context, host) }
    }

    private enum Handshake { case ready, closed, timedOut }

    /// Takes a pending handshake as far as the deadline allows; `.closed` when the server ended
    /// the connection instead (it is then closed here too).
    private func handshakeIfPending(until deadline: Deadline) throws -> Handshake {
        guard fd >= 0 else { return .closed }
        guard let (context, host) = pendingTLS else { return .ready }
        if tls == nil {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            guard let connection = TLSConnection.connect(context, fd: fd, host: host) else { throw TestFailure("no TLS connection") }
            tls = connection
        }
        while let connection = tls {
            let outcome = connection.handshake()
            switch outcome {
            case .done:
                pendingTLS = nil
                return .ready
            case .wantRead, .wantWrite:
                guard try wait(for: outcome, until: deadline) else { return .timedOut }
            case .closed:
                close()
                return .closed
            case .failed, .plainHTTP:
                throw TestFailure("TLS handshake failed: \(outcome) \(TLSConnection.lastError)")
            }
        }
        return .closed
    }

    /// Polls until the socket is ready for the TLS call that asked to be retried; false when the
    /// deadline passed first.
    private func wait(for outcome: TLSConnection.Outcome, until deadline: Deadline) throws -> Bool {
        var entry = pollfd(fd: fd, events: Int16(outcome == .wantWrite ? POLLOUT : POLLIN), revents: 0)
        let ready = poll(&entry, 1, deadline.remainingMilliseconds)
        if ready < 0 && errno != EINTR { throw TestFailure("poll failed: \(String(cString: strerror(errno)))") }
        return ready != 0
    }

    deinit { close() }

    var isOpen: Bool { fd >= 0 }

    func write(_ bytes: [UInt8]) throws {
        switch try handshakeIfPending(until: Deadline(seconds: 5)) {
        case .ready: break
        case .closed: throw TestFailure("send on a closed socket")
        case .timedOut: throw TestFailure("TLS: the server did not answer the handshake within 5 s")
        }
        if let tls { return try writeTLS(tls, bytes) }
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + sent, buffer.count - sent, noSignalFlag)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw TestFailure("send failed: \(String(cString: strerror(errno)))")
            }
            sent += count
        }
    }

    private func writeTLS(_ tls: TLSConnection, _ bytes: [UInt8]) throws {
        let deadline = Deadline(seconds: 10)
        var sent = 0
        while sent < bytes.count {
            let outcome = bytes.withUnsafeBytes { tls.write(UnsafeRawBufferPointer(rebasing: $0[sent...])) }
            switch outcome {
            case .done(let count): sent += count
            case .wantRead, .wantWrite:
                guard try wait(for: outcome, until: deadline) else { throw TestFailure("TLS: the server took in nothing for 10 s") }
            default: throw TestFailure("TLS send failed: \(outcome) \(TLSConnection.lastError)")
            }
        }
    }

    private func readTLS(_ tls: TLSConnection, until deadline: Deadline) throws -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let outcome = buffer.withUnsafeMutableBytes { tls.read(into: $0) }
            switch outcome {
            case .done(let count): return .bytes(Array(buffer[..<count]))
            case .closed: return .closed
            case .wantRead, .wantWrite:
                let events = Int16(outcome == .wantRead ? POLLIN : POLLOUT)
                var entry = pollfd(fd: fd, events: events, revents: 0)
                let ready = poll(&entry, 1, deadline.remainingMilliseconds)
                if ready < 0 && errno != EINTR { throw TestFailure("poll failed: \(String(cString: strerror(errno)))") }
                if ready == 0 { return .timedOut }
            default:
                // A reset mid-record reads as a failed record: the peer is gone all the same.
                return .closed
            }
        }
    }

    /// Waits until bytes arrive, the peer closes, or the deadline passes.
    func read(until deadline: Deadline) throws -> ReadResult {
        switch try handshakeIfPending(until: deadline) {
        case .ready: break
        case .closed: return .closed
        case .timedOut: return .timedOut
        }
        if let tls { return try readTLS(tls, until: deadline) }
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, deadline.remainingMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw TestFailure("poll failed: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { return .timedOut }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return .bytes(Array(buffer[..<count])) }
            if count == 0 { return .closed }
            switch errno {
            case EINTR, EAGAIN: continue
            case ECONNRESET, EPIPE: return .closed
            default: throw TestFailure("recv failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Reads until the peer closes or the deadline passes; returns everything read and whether it closed.
    func readToEnd(until deadline: Deadline) throws -> (bytes: [UInt8], closed: Bool) {
        var collected: [UInt8] = []
        while true {
            switch try read(until: deadline) {
            case .bytes(let chunk): collected += chunk
            case .closed: return (collected, true)
            case .timedOut: return (collected, false)
            }
        }
    }

    func close() {
        guard fd >= 0 else { return }
        tls?.free()
        tls = nil
        closeSocket(fd)
        fd = -1
    }
}

#if canImport(Glibc)
private let socketStreamType = Int32(SOCK_STREAM.rawValue)
// Writing to a socket the server already closed must fail the call, not kill the test process.
private let noSignalFlag = Int32(MSG_NOSIGNAL)
#else
private let socketStreamType = SOCK_STREAM
private let noSignalFlag: Int32 = 0
#endif

private func closeSocket(_ descriptor: Int32) {
    _ = close(descriptor)
}

private func makeAddress(host: String, port: Int) throws -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw TestFailure("bad IPv4 address \(host)") }
    return address
}
