#if canImport(Glibc)
import Glibc
#endif

/// Non-blocking IPv4 client sockets. Each connection is bound to its source address before it
/// connects, with IP_BIND_ADDRESS_NO_PORT so the kernel picks the port at connect time and can
/// reuse it towards other destinations: one source address then serves ~28k connections to one
/// server address.
enum ClientSocket {
    /// Why opening a connection failed, named after errno so error counts read like the manual.
    struct Failure: Error, Equatable {
        var step: String
        var code: Int32
        var kind: String { "\(step): \(ErrnoName.of(code))" }
    }

    enum Started {
        /// connect(2) completed at once (common on loopback).
        case connected(Int32)
        /// Wait for writability, then check `pendingError`.
        case inProgress(Int32)
    }

    static func connect(to host: IPv4Address, port: UInt16, from source: IPv4Address?) -> Result<Started, Failure> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(step: "socket", code: errno)) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let source {
            setsockopt(fd, Int32(IPPROTO_IP), IP_BIND_ADDRESS_NO_PORT, &one, socklen_t(MemoryLayout<Int32>.size))
            var local = socketAddress(source, port: 0)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound != 0 {
                let code = errno
                Glibc.close(fd)
                return .failure(Failure(step: "bind", code: code))
            }
        }
        var remote = socketAddress(host, port: port)
        let result = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result == 0 { return .success(.connected(fd)) }
        let code = errno
        if code == EINPROGRESS { return .success(.inProgress(fd)) }
        Glibc.close(fd)
        return .failure(Failure(step: "connect", code: code))
    }

    /// The outcome of a non-blocking connect: 0 when it succeeded.
    static func pendingError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    static func socketAddress(_ address: IPv4Address, port: UInt16) -> sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = port.bigEndian
        result.sin_addr = in_addr(s_addr: address.value.bigEndian)
        return result
    }

    /// Bytes written, 0 when the socket is full, or -errno.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        while true {
            let sent = send(fd, base, bytes.count, Int32(MSG_NOSIGNAL))
            if sent >= 0 { return sent }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: return -Int(errno)
            }
        }
    }

    enum ReadResult {
        case bytes(Int)
        case wouldBlock
        case closed
        case failed(Int32)
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(errno)
            }
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

/// Symbolic errno names for error counts; the numbers differ between systems, the names do not.
enum ErrnoName {
    static func of(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "ECONNREFUSED"
        case ECONNRESET: return "ECONNRESET"
        case ETIMEDOUT: return "ETIMEDOUT"
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL"
        case EADDRINUSE: return "EADDRINUSE"
        case EMFILE: return "EMFILE"
        case ENFILE: return "ENFILE"
        case ENOBUFS: return "ENOBUFS"
        case ENOMEM: return "ENOMEM"
        case EPIPE: return "EPIPE"
        case ENETUNREACH: return "ENETUNREACH"
        case EHOSTUNREACH: return "EHOSTUNREACH"
        case EAGAIN: return "EAGAIN"
        default: return "errno \(code)"
        }
    }
}
