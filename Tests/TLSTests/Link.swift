import Foundation
import MemcachedTestSupport
import TLS
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A server connection on a real loopback TCP socket, and an OpenSSL client on one end of a
/// socket pair; the test relays between the pair's other end and the TCP peer of the server.
final class Link {
    let server: TLSConnection
    let client: TLSConnection
    private let serverFD: Int32
    /// The TCP socket connected to the server's.
    private let towardsServer: Int32
    /// The socket pair: the client's end and the relay's end.
    private let clientFD: Int32, relayFD: Int32

    init(server serverContext: TLSContext, client clientContext: TLSContext) throws {
        (serverFD, towardsServer) = try Self.tcpPair()
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair) == 0 else {
            throw LinkFailure("socketpair: errno \(errno)")
        }
        (clientFD, relayFD) = (pair[0], pair[1])
        guard let server = TLSConnection.accept(serverContext, fd: serverFD),
              let client = TLSConnection.connect(clientContext, fd: clientFD, host: "127.0.0.1") else {
            throw LinkFailure("no TLS connection: \(TLSConnection.lastError)")
        }
        self.server = server
        self.client = client
        var serverDone = false, clientDone = false
        let deadline = Date().addingTimeInterval(5)
        while !(serverDone && clientDone) {
            guard Date() < deadline else { throw LinkFailure("handshake did not finish") }
            if !clientDone { clientDone = try Self.advance(client) }
            if !serverDone { serverDone = try Self.advance(server) }
            pump()
        }
        // The client takes in the session ticket, so what follows on the wire is only the test's.
        _ = try drain(client)
    }

    private static func advance(_ connection: TLSConnection) throws -> Bool {
        switch connection.handshake() {
        case .done: return true
        case .wantRead, .wantWrite: return false
        case let other: throw LinkFailure("handshake: \(other) \(TLSConnection.lastError)")
        }
    }

    /// Small socket buffers between the server and the relay, so a large write fills them.
    func shrinkBuffers() {
        var size: Int32 = 16_384
        setsockopt(serverFD, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(towardsServer, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    func close() {
        client.free()
        server.free()
        for fd in [serverFD, towardsServer, clientFD, relayFD] { _ = Glibc.close(fd) }
    }

    // MARK: The relay

    /// Bytes the relay carried from the server to the client.
    private(set) var bytesFromServer = 0

    /// Moves whatever is waiting, both ways, until nothing moves.
    func pump() {
        while true {
            let down = move(from: towardsServer, to: relayFD)
            bytesFromServer += down
            if move(from: relayFD, to: towardsServer) + down == 0 { return }
        }
    }

    /// Writes raw bytes towards the server, as if the client had sent them.
    func forward(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(towardsServer, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { usleep(1000); continue }
            sent += count
        }
        usleep(20_000)  // loopback delivers at once; this leaves no doubt
    }

    func hangUpTowardsServer() {
        shutdown(towardsServer, Int32(SHUT_WR))
        usleep(20_000)
    }

    /// The client's sealed records for `bytes`, taken off the relay instead of forwarded.
    func sealed(_ bytes: [UInt8], by connection: TLSConnection) throws -> [UInt8] {
        guard case .done(bytes.count) = bytes.withUnsafeBytes({ connection.write($0) }) else {
            throw LinkFailure("the client did not take \(bytes.count) bytes")
        }
        var wire: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(relayFD, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count <= 0 { return wire }
            wire += chunk[..<count]
        }
    }

    private func move(from source: Int32, to destination: Int32) -> Int {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard count > 0 else { return 0 }
        var sent = 0
        while sent < count {
            let written = chunk.withUnsafeBytes { Glibc.send(destination, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
            if written > 0 { sent += written } else { usleep(100) }
        }
        return count
    }

    // MARK: Reading and writing through TLS

    /// Writes all of `bytes` from one end and returns what the other end read.
    func send(_ bytes: [UInt8], from writer: TLSConnection, expectingAt reader: TLSConnection) throws -> [UInt8] {
        var offset = 0, received: [UInt8] = []
        let deadline = Date().addingTimeInterval(10)
        while received.count < bytes.count {
            guard Date() < deadline else { throw LinkFailure("only \(received.count) of \(bytes.count) bytes arrived") }
            if offset < bytes.count {
                switch bytes.withUnsafeBytes({ writer.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
                case .done(let count): offset += count
                case .wantRead, .wantWrite: break
                case let other: throw LinkFailure("write: \(other) \(TLSConnection.lastError)")
                }
            }
            pump()
            received += try drain(reader)
        }
        return received
    }

    /// Everything `connection` can read now.
    func drain(_ connection: TLSConnection) throws -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            switch buffer.withUnsafeMutableBytes({ connection.read(into: $0) }) {
            case .done(let count): received += buffer[..<count]
            case .wantRead, .wantWrite: return received
            case let other: throw LinkFailure("read: \(other) \(TLSConnection.lastError)")
            }
        }
    }

    static func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
        (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7 &+ ($0 >> 8)) }
    }

    /// A loopback TCP connection, both ends non-blocking and without Nagle's delay.
    private static func tcpPair() throws -> (Int32, Int32) {
        let (accepted, connecting) = try LoopbackPort.connectedPair()
        for fd in [accepted, connecting] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        return (accepted, connecting)
    }
}

struct LinkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
