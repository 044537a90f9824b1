import Foundation
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP client speaking just enough WebSocket for these tests.
public final class RawClient {
    public private(set) var fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            offset += n
        }
    }

    public func upgrade() throws {
        write(Array(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
    }

    public func readUpgradeResponse() throws {
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                buffer.removeSubrange(..<end.upperBound)
                guard head.hasPrefix("HTTP/1.1 101") else { throw POSIXError(.EPROTO) }
                return
            }
            guard fill() else { throw POSIXError(.ECONNRESET) }
        }
    }

    /// One masked text frame per message, all in one write.
    public func send(_ messages: [String]) {
        var bytes: [UInt8] = []
        for message in messages { bytes += FrameEncoder.encode(.text, payload: Array(message.utf8), maskKey: 0x1234_5678) }
        write(bytes)
    }

    public func sendFrame(_ opcode: Opcode, _ payload: [UInt8] = []) {
        write(FrameEncoder.encode(opcode, payload: payload, maskKey: 0x0102_0304))
    }

    /// The next frame from the server, or nil at end of stream or timeout.
    public func readFrame() -> Frame? {
        while true {
            let parsed = buffer.withUnsafeBytes { FrameParser.parse($0, requireMask: false, maxPayload: 1 << 24) }
            switch parsed {
            case .frame(let frame, let consumed):
                buffer.removeFirst(consumed)
                return frame
            case .failure:
                return nil
            case .needMore:
                guard fill() else { return nil }
            }
        }
    }

    /// Reads until end of stream; whether it came within the socket's timeout.
    public func readToEnd() -> Bool {
        while fill() {}
        return errno != EAGAIN
    }

    @discardableResult
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer += chunk[..<n]
        return true
    }

    /// Closes with a reset (SO_LINGER 0) instead of a FIN.
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(fd)
        fd = -1
    }

    public func closeNormally() { shutdown(fd, Int32(SHUT_RDWR)) }
}

extension RawClient {
    /// A frame if one arrives within 50 ms.
    public func readFrameIfReady() -> Frame? {
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        defer {
            var normal = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &normal, socklen_t(MemoryLayout<timeval>.size))
        }
        return readFrame()
    }
}
