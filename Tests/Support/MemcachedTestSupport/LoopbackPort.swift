import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TCP ports on 127.0.0.1 for the servers a test starts.
public enum LoopbackPort {
    /// Distinct ports the kernel hands out for port 0, released again so a server can bind them
    /// (all are held until the last is picked, so none repeats).
    public static func free(_ count: Int) throws -> [Int] {
        var descriptors: [Int32] = []
        defer { descriptors.forEach { _ = close($0) } }
        var ports: [Int] = []
        for _ in 0 ..< count {
            let descriptor = socket(AF_INET, socketStreamType, 0)
            guard descriptor >= 0 else { throw TestSupportFailure("socket() failed: errno \(errno)") }
            descriptors.append(descriptor)
            var address = loopback(port: 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            guard bound else { throw TestSupportFailure("could not bind a free port: errno \(errno)") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// The first of `count` consecutive ports that are all free right now (for a cluster, whose
    /// worker i listens on a base port + i).
    public static func freeRange(_ count: Int) throws -> Int {
        for _ in 0 ..< 200 {
            let base = Int.random(in: 20_000 ... 60_000 - count)
            var descriptors: [Int32] = []
            defer { descriptors.forEach { _ = close($0) } }
            for port in base ..< base + count {
                let descriptor = socket(AF_INET, socketStreamType, 0)
                guard descriptor >= 0 else { break }
                descriptors.append(descriptor)
                var address = loopback(port: port)
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
                }
                guard bound else { break }
            }
            if descriptors.count == count { return base }
        }
        throw TestSupportFailure("no \(count) consecutive free ports found")
    }

    /// A socket listening on the loopback port, to hold it taken.
    public static func listening(on port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, socketStreamType, 0)
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard descriptor >= 0, bound, listen(descriptor, 1) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw TestSupportFailure("cannot listen on loopback port \(port): errno \(errno)")
        }
        return descriptor
    }

    /// Whether something accepts TCP connections on the port right now.
    public static func isAccepting(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, socketStreamType, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A blocking socket connected to the loopback port; -1 when nothing accepts there.
    public static func connected(to port: Int) -> Int32 {
        let descriptor = socket(AF_INET, socketStreamType, 0)
        guard descriptor >= 0 else { return -1 }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if !connected { close(descriptor) }
        return connected ? descriptor : -1
    }

    /// Both ends of a loopback TCP connection: the accepted socket and the connecting one.
    public static func connectedPair() throws -> (accepted: Int32, connecting: Int32) {
        let listener = socket(AF_INET, socketStreamType, 0)
        defer { close(listener) }
        let port = try free(1)[0]
        var address = loopback(port: port)
        let listening = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard listening, listen(listener, 1) == 0 else { throw TestSupportFailure("cannot listen on loopback port \(port): errno \(errno)") }
        let connecting = socket(AF_INET, socketStreamType, 0)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(connecting, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        let accepted = accept(listener, nil, nil)
        guard connected, accepted >= 0 else { throw TestSupportFailure("loopback connect failed: errno \(errno)") }
        return (accepted, connecting)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        return address
    }
}

#if canImport(Glibc)
private let socketStreamType = Int32(SOCK_STREAM.rawValue)
#else
private let socketStreamType = SOCK_STREAM
#endif
