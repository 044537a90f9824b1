import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking IPv4 TCP socket whose reads wait with poll(2), so no read can hang a test.
final class TCPConnection {
    enum ReadResult {
        case bytes([UInt8])
        /// The peer closed (FIN or reset).
        case closed
        case timedOut
    }

    private var fd: Int32

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
    }

    deinit { close() }

    var isOpen: Bool { fd >= 0 }

    func write(_ bytes: [UInt8]) throws {
        guard fd >= 0 else { throw TestFailure("send on a closed socket") }
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

    /// Waits until bytes arrive, the peer closes, or the deadline passes.
    func read(until deadline: Deadline) throws -> ReadResult {
        guard fd >= 0 else { return .closed }
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
