import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest

/// The real `simplepush` binary run with `--storage memcache` against a test's memcached, on two
/// free loopback ports. (`ServerProcess` always passes its own `--storage`, which a variable
/// cannot override, hence this small launcher.)
final class MemcachedBackedServer {
    let webSocketPort: Int
    let endpointPort: Int
    private let process = Process()
    private let logFile: URL

    struct PortTaken: Error {}

    init(directory: URL, memcached: MemcachedProcess, environment: [String: String]) throws {
        let ports = try TCPConnection.freePorts(2)
        (webSocketPort, endpointPort) = (ports[0], ports[1])
        logFile = directory.appendingPathComponent("server-\(webSocketPort).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }

        process.executableURL = try ServerProcess.binaryURL()
        process.arguments = [
            "serve",
            "--ws-addr", "127.0.0.1:\(webSocketPort)",
            "--endpoint-addr", "127.0.0.1:\(endpointPort)",
            "--storage", "memcache",
            "--log-level", "info",
        ]
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPLEPUSH_") }
        variables["SIMPLEPUSH_STORAGE_MEMCACHE_SERVER"] = memcached.address
        // Short enough that a test sees the recovery quickly.
        variables["SIMPLEPUSH_STORAGE_MEMCACHE_RETRY_TIMEOUT"] = "1s"
        variables["SIMPLEPUSH_STORAGE_MEMCACHE_POOL_SIZE"] = "2"
        variables.merge(environment) { _, new in new }
        process.environment = variables
        process.currentDirectoryURL = directory
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()

        let deadline = Deadline(seconds: 10)
        while !deadline.hasPassed {
            guard process.isRunning else {
                if self.log.contains("Address already in use") { throw PortTaken() }
                throw TestFailure("server exited with status \(process.terminationStatus) during start-up; log:\n\(self.log)")
            }
            if TCPConnection.isAccepting(port: webSocketPort) && TCPConnection.isAccepting(port: endpointPort) { return }
            usleep(20_000)
        }
        kill()
        throw TestFailure("server did not listen on \(webSocketPort) and \(endpointPort) within 10 s; log:\n\(self.log)")
    }

    deinit { kill() }

    var endpointBase: String { "http://127.0.0.1:\(endpointPort)" }

    func updateURL(token: String) -> String { "\(endpointBase)/update/\(token)" }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func kill() {
        guard process.isRunning else { return }
        killHard(process.processIdentifier)
        process.waitUntilExit()
    }
}

/// SIGKILL, from outside the class whose own `kill()` hides the C function.
private func killHard(_ pid: pid_t) {
    _ = kill(pid, SIGKILL)
}

/// Base of the memcache-backed end-to-end tests: a fresh memcached per test, servers on it, and
/// clean-up of both (with the server logs printed when the test failed).
class MemcachedEndToEndTestCase: EndToEndTestCase {
    private(set) var memcached: MemcachedProcess!
    private var memcachedServers: [MemcachedBackedServer] = []
    private var memcachedClients: [WebSocketTestClient] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        memcached = try MemcachedProcess()
    }

    override func tearDown() {
        memcachedClients.forEach { $0.abort() }
        memcachedClients.removeAll()
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        for server in memcachedServers {
            server.kill()
            if failed { print("---- server log (ws \(server.webSocketPort), endpoint \(server.endpointPort)) ----\n\(server.log)") }
        }
        memcachedServers.removeAll()
        memcached?.stop()
        memcached = nil
        super.tearDown()
    }

    /// A server storing in this test's memcached.
    func startMemcachedServer(environment: [String: String] = [:]) throws -> MemcachedBackedServer {
        let directory = try makeScratchDirectory()
        var attempt = 1
        while true {
            do {
                let server = try MemcachedBackedServer(directory: directory, memcached: memcached, environment: environment)
                memcachedServers.append(server)
                return server
            } catch is MemcachedBackedServer.PortTaken where attempt < 3 {
                attempt += 1
            }
        }
    }

    /// A connection that has said hello; returns it with its UAID.
    func connectDevice(to server: MemcachedBackedServer, uaid: String? = nil,
                       channelIDs: [String]? = nil) throws -> (WebSocketTestClient, String) {
        let client = try WebSocketTestClient(port: server.webSocketPort)
        memcachedClients.append(client)
        let assigned = try client.hello(uaid: uaid, channelIDs: channelIDs)
        return (client, assigned)
    }

    /// A device with one registered channel: the connection, its UAID, the channel and its endpoint.
    func registeredDevice(on server: MemcachedBackedServer) throws -> (client: WebSocketTestClient, uaid: String,
                                                                       channelID: String, endpoint: String) {
        let (client, uaid) = try connectDevice(to: server)
        let channelID = newChannelID()
        let endpoint = try client.register(channelID)
        return (client, uaid, channelID, endpoint)
    }
}
