import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real memcached on 127.0.0.1 and a free port, for the tests with `storage.type = "memcache"`.
/// It runs under a small shell that kills it as soon as this process's end of a pipe closes, so
/// it never outlives the test process, however that ends. Failing to start throws: a test that
/// needs memcached fails, it is never skipped.
final class MemcachedProcess {
    let port: Int
    private var shell: Process?
    private var lifeline: Pipe?

    init() throws {
        var attempt = 1
        while true {
            let port = try TCPConnection.freePorts(1)[0]
            do {
                (shell, lifeline) = try Self.launch(port: port)
                self.port = port
                return
            } catch is PortTaken where attempt < 3 {
                // Another process bound the port between the pick and memcached's bind.
                attempt += 1
            }
        }
    }

    deinit { stop() }

    /// The `storage.memcache.server` entry for this memcached.
    var address: String { "127.0.0.1:\(port)" }

    var isRunning: Bool { shell?.isRunning ?? false }

    /// Stops memcached, losing its data, and returns once the port is closed.
    func stop() {
        guard let shell else { return }
        try? lifeline?.fileHandleForWriting.close()
        shell.waitUntilExit()
        self.shell = nil
        lifeline = nil
        let deadline = Deadline(seconds: 5)
        while TCPConnection.isAccepting(port: port) && !deadline.hasPassed { usleep(10_000) }
    }

    /// Starts memcached again, empty, on the same port.
    func restart() throws {
        stop()
        (shell, lifeline) = try Self.launch(port: port)
    }

    private struct PortTaken: Error {}

    private static func launch(port: Int) throws -> (Process, Pipe) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("memcached-\(port)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }

        let shell = Process()
        let lifeline = Pipe()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        // memcached refuses to run as root unless told which user to be. The background reader
        // holds the pipe (saved as fd 3: background jobs get /dev/null as stdin).
        let user = getuid() == 0 ? " -u root" : ""
        shell.arguments = ["-c", """
            exec 3<&0
            memcached -l 127.0.0.1 -p \(port) -U 0 -m 64\(user) </dev/null &
            pid=$!
            (read -r _ <&3; kill $pid 2>/dev/null) &
            wait $pid
            """]
        shell.standardInput = lifeline
        shell.standardOutput = logHandle
        shell.standardError = logHandle
        // Test threads block most signals and a child inherits the mask of the thread starting
        // it: memcached would ignore the kill and the shell would never see it end.
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try shell.run()

        let deadline = Deadline(seconds: 5)
        while !deadline.hasPassed {
            if TCPConnection.isAccepting(port: port) { return (shell, lifeline) }
            if !shell.isRunning {
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if output.contains("Address already in use") { throw PortTaken() }
                throw TestFailure("memcached did not start on 127.0.0.1:\(port) (exit \(shell.terminationStatus)): \(output)")
            }
            usleep(20_000)
        }
        try? lifeline.fileHandleForWriting.close()
        shell.waitUntilExit()
        throw TestFailure("memcached did not accept connections on 127.0.0.1:\(port) within 5 s")
    }
}
