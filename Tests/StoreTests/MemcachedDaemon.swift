import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PushCore

/// A real memcached on 127.0.0.1 for the tests. It runs under a small shell that kills it as
/// soon as this process's end of a pipe closes, so it never outlives the test process, however
/// that ends. A memcached that cannot start is an error, never a reason to skip.
final class MemcachedDaemon: @unchecked Sendable {
    /// The daemon every conformance test shares, started on first use.
    static let shared = Result { try MemcachedDaemon() }

    let port: Int
    private var process: Process?
    private var lifeline: Pipe?

    /// Starts memcached on `port`, or on a free port when nil.
    init(port: Int? = nil) throws {
        var attempt = 1
        while true {
            let candidate = try port ?? Self.freePort()
            do {
                (process, lifeline) = try Self.launch(port: candidate)
                self.port = candidate
                return
            } catch let taken as PortTaken where port == nil && attempt < 5 {
                _ = taken  // another process bound the port between the pick and memcached's bind
                attempt += 1
            }
        }
    }

    deinit { stop() }

    var address: String { "127.0.0.1:\(port)" }

    /// Store settings pointing at this daemon, with a prefix no other store uses.
    func settings(prefix: String = "test-\(UUID().uuidString):") -> ServerConfig.Storage.Memcache {
        var settings = ServerConfig.Storage.Memcache()
        settings.servers = [address]
        settings.prefix = prefix
        settings.poolSize = 4
        settings.retryTimeout = 1
        return settings
    }

    /// Stops memcached (its data is gone) and waits until the port is closed.
    func stop() {
        guard let process else { return }
        try? lifeline?.fileHandleForWriting.close()
        process.waitUntilExit()
        self.process = nil
        lifeline = nil
    }

    /// Starts memcached again on the same port, empty.
    func restart() throws {
        stop()
        (process, lifeline) = try Self.launch(port: port)
    }

    private struct PortTaken: Error {}

    private static func launch(port: Int) throws -> (Process, Pipe) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("memcached-\(port)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }

        let process = Process()
        let lifeline = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // memcached refuses to run as root unless told which user to be.
        let user = getuid() == 0 ? " -u root" : ""
        // The background reader holds the pipe (saved as fd 3, since background jobs get
        // /dev/null as stdin); end of file means this process is gone or called stop().
        process.arguments = ["-c", """
            exec 3<&0
            memcached -l 127.0.0.1 -p \(port) -U 0 -m 64\(user) </dev/null &
            pid=$!
            (read -r _ <&3; kill $pid 2>/dev/null) &
            wait $pid
            """]
        process.standardInput = lifeline
        process.standardOutput = logHandle
        process.standardError = logHandle
        try runWithNoSignalBlocked(process)

        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if isAccepting(port: port) { return (process, lifeline) }
            if !process.isRunning {
                try? lifeline.fileHandleForWriting.close()
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if output.contains("Address already in use") { throw PortTaken() }
                throw DaemonFailure("memcached did not start on 127.0.0.1:\(port) (exit \(process.terminationStatus)): \(output)")
            }
            usleep(20_000)
        }
        try? lifeline.fileHandleForWriting.close()
        process.waitUntilExit()
        throw DaemonFailure("memcached did not accept connections on 127.0.0.1:\(port) within 5 s")
    }

    /// The test runner's threads block most signals and a child inherits the mask of the thread
    /// that starts it: memcached would then ignore the shell's kill, and the shell would never
    /// see memcached end.
    private static func runWithNoSignalBlocked(_ process: Process) throws {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    /// A port the kernel hands out for port 0, released again for memcached to bind.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, socketStreamType, 0)
        guard descriptor >= 0 else { throw DaemonFailure("socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw DaemonFailure("cannot bind a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func isAccepting(port: Int) -> Bool {
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

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        return address
    }
}

struct DaemonFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
private let socketStreamType = Int32(SOCK_STREAM.rawValue)
#else
private let socketStreamType = SOCK_STREAM
#endif
