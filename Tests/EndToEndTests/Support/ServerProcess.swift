import Foundation
import MemcachedTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real `simplepush` binary running as a child process on two free loopback ports, with a
/// scratch directory as working directory (its default SQLite file and token key file live there).
final class ServerProcess {
    enum Storage: String {
        case sqlite, memory, memcache
    }

    /// What the command line sets besides the two listener addresses.
    enum Launch {
        /// `--storage <storage> --log-level info`, for tests about the protocol.
        case storage(Storage)
        /// As an operator runs it: `--config <file>` when given and no other flag, so the file,
        /// the environment and a reload decide everything else (a flag would beat all three).
        case operated(configFile: URL? = nil)

        var arguments: [String] {
            switch self {
            case .storage(let storage): return ["--storage", storage.rawValue, "--log-level", "info"]
            case .operated(let configFile): return configFile.map { ["--config", $0.path] } ?? []
            }
        }
    }

    /// The server could not bind a port picked as free: another process took it in between.
    struct PortTaken: Error, CustomStringConvertible {
        let console: String
        var description: String { "a port was taken between picking and binding; console:\n\(console)" }
    }

    let directory: URL
    let webSocketPort: Int
    let endpointPort: Int
    /// Everything the server wrote to standard output and standard error.
    let consoleFile: URL
    private let process = Process()

    /// Starts the server and returns once both ports accept connections. `environment` is added
    /// to the test process's own, less its `SIMPLEPUSH_*` variables.
    init(directory: URL, launch: Launch = .storage(.sqlite), environment: [String: String] = [:],
         startTimeout: Double = 10) throws {
        self.directory = directory
        let ports = try LoopbackPort.free(2)
        webSocketPort = ports[0]
        endpointPort = ports[1]
        consoleFile = directory.appendingPathComponent("console-\(webSocketPort).log")

        _ = FileManager.default.createFile(atPath: consoleFile.path, contents: nil)
        let console = try FileHandle(forWritingTo: consoleFile)
        defer { try? console.close() }
        process.executableURL = try Self.binaryURL()
        process.arguments = ["serve", "--ws-addr", "127.0.0.1:\(webSocketPort)", "--endpoint-addr", "127.0.0.1:\(endpointPort)"]
            + launch.arguments
        // Settings leaking in from the shell that runs the tests would make results depend on it.
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPLEPUSH_") }
        if TestTLS.enabled { variables.merge(try TestTLS.serverEnvironment(ports: ports)) { _, new in new } }
        variables.merge(environment) { _, new in new }
        process.environment = variables
        process.currentDirectoryURL = directory
        process.standardOutput = console
        process.standardError = console
        process.standardInput = FileHandle.nullDevice
        // The signal tests need SIGTERM, SIGHUP and SIGUSR1 to reach the server's handlers.
        try process.runWithNoSignalBlocked()
        try waitUntilListening(timeout: startTimeout)
    }

    deinit {
        kill()
        TestTLS.release(ports: [webSocketPort, endpointPort])
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// `http://127.0.0.1:<endpoint port>` (https over TLS), the base every pushEndpoint must start with.
    var endpointBase: String { "\(TestTLS.enabled ? "https" : "http")://127.0.0.1:\(endpointPort)" }

    /// The update URL for a token on this server.
    func updateURL(token: String) -> String { "\(endpointBase)/update/\(token)" }

    /// What the server wrote to its console so far.
    var console: String {
        (try? String(contentsOf: consoleFile, encoding: .utf8)) ?? ""
    }

    /// A fresh connection with the upgrade done.
    func connect(origin: String? = nil) throws -> WebSocketTestClient {
        try WebSocketTestClient(port: webSocketPort, origin: origin)
    }

    /// Sends a signal once the server has installed its handler for it: the default action of
    /// SIGHUP, SIGUSR1 and SIGTERM would kill it, which is not what the test is about.
    func signal(_ number: Int32) throws {
        try waitUntilHandling(number)
        guard sendSignal(pid, number) == 0 else {
            throw TestFailure("kill(\(pid), \(number)) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Waits for the process to end and returns how: `.exit` with its status, or
    /// `.uncaughtSignal` with the signal number.
    func waitForExit(timeout: Double) throws -> (reason: Process.TerminationReason, status: Int32) {
        let deadline = Deadline(seconds: timeout)
        while process.isRunning {
            if deadline.hasPassed { throw TestFailure("server still running \(timeout) s after it was asked to stop") }
            usleep(10_000)
        }
        return (process.terminationReason, process.terminationStatus)
    }

    /// SIGKILL: no shutdown code runs, as in a crash or power loss.
    func kill() {
        guard process.isRunning else { return }
        _ = sendSignal(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// Polls the caught and ignored signal masks in /proc (Linux); elsewhere it returns at once.
    private func waitUntilHandling(_ number: Int32, timeout: Double = 3) throws {
        #if os(Linux)
        let deadline = Deadline(seconds: timeout)
        let bit = UInt64(1) << UInt64(number - 1)
        var masks = ""
        repeat {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let lines = status.split(separator: "\n").filter { $0.hasPrefix("SigCgt:") || $0.hasPrefix("SigIgn:") }
            masks = lines.joined(separator: " ")
            let handled = lines.compactMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }.reduce(0, |)
            if handled & bit != 0 { return }
            usleep(10_000)
        } while !deadline.hasPassed
        throw TestFailure("server never installed a handler for signal \(number) (\(masks))")
        #endif
    }

    private func waitUntilListening(timeout: Double) throws {
        let deadline = Deadline(seconds: timeout)
        while !deadline.hasPassed {
            guard process.isRunning else {
                if console.contains("Address already in use") { throw PortTaken(console: console) }
                throw TestFailure("server exited with status \(process.terminationStatus) during start-up; console:\n\(console)")
            }
            if LoopbackPort.isAccepting(webSocketPort) && LoopbackPort.isAccepting(endpointPort) { return }
            usleep(20_000)
        }
        kill()
        throw TestFailure("server did not listen on \(webSocketPort) and \(endpointPort) within \(timeout) s; console:\n\(console)")
    }

    /// The binary under test: `SIMPLEPUSH_BIN`, else the debug build in this package.
    static func binaryURL() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["SIMPLEPUSH_BIN"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        // This file is <package>/Tests/EndToEndTests/Support/ServerProcess.swift.
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 4 { root.deleteLastPathComponent() }
        let binary = root.appendingPathComponent(".build/debug/simplepush")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestFailure("no server binary at \(binary.path); run `swift build --product simplepush` or set SIMPLEPUSH_BIN")
        }
        return binary
    }
}

/// kill(2), from outside the class whose own `kill()` hides the C function.
private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 {
    kill(pid, signal)
}

extension ServerProcess {
    /// Runs a one-shot subcommand (such as `genkey`) and returns its exit status and stdout.
    static func runCommand(_ arguments: [String], timeout: Double = 10) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try binaryURL()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPLEPUSH_") }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The output of genkey is tiny, so reading to EOF cannot block on a full pipe.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let deadline = Deadline(seconds: timeout)
        while process.isRunning && !deadline.hasPassed { usleep(10_000) }
        if process.isRunning {
            _ = sendSignal(process.processIdentifier, SIGKILL)
            throw TestFailure("`simplepush \(arguments.joined(separator: " "))` did not exit within \(timeout) s")
        }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
