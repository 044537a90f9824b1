import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real memcached on 127.0.0.1 for the tests. It runs under a small shell that kills it as soon
/// as this process's end of a pipe closes, so it never outlives the test process, however that
/// ends. A memcached that cannot start is an error, never a reason to skip.
public final class MemcachedDaemon: Sendable {
    public let port: Int
    /// The shell running memcached and this process's end of its lifeline, while it runs.
    private struct Running {
        let shell: Process
        let lifeline: Pipe
    }
    private let running = Mutex<Running?>(nil)

    /// Starts memcached on `port`, or on a free port when nil.
    public init(port: Int? = nil) throws {
        var attempt = 1
        while true {
            let candidate = try port ?? LoopbackPort.free(1)[0]
            do {
                let (shell, lifeline) = try Self.launch(port: candidate)
                self.port = candidate
                running.withLock { $0 = Running(shell: shell, lifeline: lifeline) }
                return
            } catch is PortTaken where port == nil && attempt < 5 {
                // Another process bound the port between the pick and memcached's bind.
                attempt += 1
            }
        }
    }

    deinit { stop() }

    /// `127.0.0.1:<port>`, the form a store's server list takes.
    public var address: String { "127.0.0.1:\(port)" }

    /// Stops memcached, losing its data, and returns once the port is closed.
    public func stop() {
        guard let stopped = running.withLock({ running -> Running? in
            defer { running = nil }
            return running
        }) else { return }
        try? stopped.lifeline.fileHandleForWriting.close()
        stopped.shell.waitUntilExit()
        let deadline = Date().addingTimeInterval(5)
        while LoopbackPort.isAccepting(port) && Date() < deadline { usleep(10_000) }
    }

    /// Starts memcached again on the same port, empty.
    public func restart() throws {
        stop()
        let (shell, lifeline) = try Self.launch(port: port)
        running.withLock { $0 = Running(shell: shell, lifeline: lifeline) }
    }

    /// Stops memcached from running (SIGSTOP) without closing anything: its clients' calls time
    /// out, as with a server that hangs or a network that drops packets.
    public func pause() throws { try signalServer(SIGSTOP) }

    /// Lets a paused memcached run again.
    public func resume() throws { try signalServer(SIGCONT) }

    /// Sends `signal` to the memcached process itself (the shell's child), found by its command line.
    private func signalServer(_ signal: Int32) throws {
        let wanted = ["memcached", "-l", "127.0.0.1", "-p", "\(port)"]
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
        guard let pid = pids.first(where: { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return Array(data.split(separator: 0).prefix(wanted.count).map { String(decoding: $0, as: UTF8.self) }) == wanted
        }) else { throw TestSupportFailure("no memcached process for port \(port)") }
        guard kill(pid, signal) == 0 else { throw TestSupportFailure("cannot signal memcached \(pid): errno \(errno)") }
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
        // memcached refuses to run as root unless told which user to be.
        let user = getuid() == 0 ? " -u root" : ""
        // The background reader holds the pipe (saved as fd 3, since background jobs get
        // /dev/null as stdin); end of file means this process is gone or called stop().
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
        // With a blocked mask inherited, memcached would ignore the shell's kill.
        try shell.runWithNoSignalBlocked()

        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if LoopbackPort.isAccepting(port) { return (shell, lifeline) }
            if !shell.isRunning {
                try? lifeline.fileHandleForWriting.close()
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if output.contains("Address already in use") { throw PortTaken() }
                throw TestSupportFailure("memcached did not start on 127.0.0.1:\(port) (exit \(shell.terminationStatus)): \(output)")
            }
            usleep(20_000)
        }
        try? lifeline.fileHandleForWriting.close()
        shell.waitUntilExit()
        throw TestSupportFailure("memcached did not accept connections on 127.0.0.1:\(port) within 5 s")
    }
}
