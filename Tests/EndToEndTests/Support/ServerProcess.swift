import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real `simplepush` binary running as a child process on two free loopback ports, with a
/// scratch directory as working directory (its default SQLite file and token key file live there).
final class ServerProcess {
    enum Storage: String {
        case sqlite, memory
    }

    /// The server could not bind a port picked as free: another process took it in between.
    struct PortTaken: Error, CustomStringConvertible {
        let log: String
        var description: String { "a port was taken between picking and binding; log:\n\(log)" }
    }

    let directory: URL
    let webSocketPort: Int
    let endpointPort: Int
    private let process = Process()
    private let logFile: URL

    /// Starts the server and returns once both ports accept connections.
    init(directory: URL, storage: Storage = .sqlite, environment: [String: String] = [:],
         startTimeout: Double = 10) throws {
        self.directory = directory
        let ports = try TCPConnection.freePorts(2)
        webSocketPort = ports[0]
        endpointPort = ports[1]
        logFile = directory.appendingPathComponent("server-\(webSocketPort).log")

        let binary = try Self.binaryURL()
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.executableURL = binary
        process.arguments = [
            "serve",
            "--ws-addr", "127.0.0.1:\(webSocketPort)",
            "--endpoint-addr", "127.0.0.1:\(endpointPort)",
            "--storage", storage.rawValue,
            "--log-level", "info",
        ]
        // Settings leaking in from the shell that runs the tests would make results depend on it.
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPLEPUSH_") }
        variables.merge(environment) { _, new in new }
        process.environment = variables
        process.currentDirectoryURL = directory
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
        try waitUntilListening(timeout: startTimeout)
    }

    deinit { kill() }

    /// `http://127.0.0.1:<endpoint port>`, the base every pushEndpoint must start with.
    var endpointBase: String { "http://127.0.0.1:\(endpointPort)" }

    /// The update URL for a token on this server.
    func updateURL(token: String) -> String { "\(endpointBase)/update/\(token)" }

    var isRunning: Bool { process.isRunning }

    /// What the server logged so far (stdout and stderr).
    var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// SIGKILL: no shutdown code runs, as in a crash or power loss.
    func kill() {
        guard process.isRunning else { return }
        _ = sendSignal(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A fresh connection with the upgrade done.
    func connect(origin: String? = nil) throws -> WebSocketTestClient {
        try WebSocketTestClient(port: webSocketPort, origin: origin)
    }

    private func waitUntilListening(timeout: Double) throws {
        let deadline = Deadline(seconds: timeout)
        while !deadline.hasPassed {
            guard process.isRunning else {
                if log.contains("Address already in use") { throw PortTaken(log: log) }
                throw TestFailure("server exited with status \(process.terminationStatus) during start-up; log:\n\(log)")
            }
            if TCPConnection.isAccepting(port: webSocketPort) && TCPConnection.isAccepting(port: endpointPort) { return }
            usleep(20_000)
        }
        kill()
        throw TestFailure("server did not listen on \(webSocketPort) and \(endpointPort) within \(timeout) s; log:\n\(log)")
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
