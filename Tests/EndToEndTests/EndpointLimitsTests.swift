import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The update endpoint against slow, silent and flooding clients: header, body and idle
/// timeouts, the connection cap that sheds the oldest idle connection, TCP keepalive, refused
/// transfer codings, and the WebSocket listener staying up while the endpoint is flooded.
final class EndpointLimitsTests: EndToEndTestCase {
    func testSilentConnectionIsClosedAfterHeaderTimeout() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_HEADER_TIMEOUT": "1"])
        let connection = try TCPConnection(port: server.endpointPort)
        let start = ContinuousClock.now
        XCTAssertTrue(try connection.readToEnd(until: Deadline(seconds: 4)).closed, "silent connection still open after 4 s")
        XCTAssertGreaterThan(ContinuousClock.now - start, .milliseconds(800), "closed before the header timeout")
    }

    func testHeadSentAByteAtATimeIsCut() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_HEADER_TIMEOUT": "1.5"])
        let connection = try TCPConnection(port: server.endpointPort)
        let head = Array("GET /status/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 40))\r\n\r\n".utf8)
        let start = ContinuousClock.now
        var closedAfter: Duration?
        // Each byte arrives well inside any per-byte inactivity limit; only a limit on the whole
        // head cuts it. Twelve bytes (6 s) never complete the head.
        for byte in head.prefix(12) {
            if (try? connection.write([byte])) == nil { closedAfter = ContinuousClock.now - start; break }
            if case .closed = try connection.read(until: Deadline(seconds: 0.5)) { closedAfter = ContinuousClock.now - start; break }
        }
        let elapsed = try XCTUnwrap(closedAfter, "a head sent a byte every 0.5 s was never cut")
        XCTAssertLessThan(elapsed, .seconds(3.5), "cut only after \(elapsed)")
    }

    func testKeptAliveConnectionIsClosedWhenIdle() throws {
        // A long header timeout, so only the idle timeout can close the connection.
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_IDLE_TIMEOUT": "1",
                                                   "SIMPLEPUSH_ENDPOINT_HEADER_TIMEOUT": "30"])
        let connection = try TCPConnection(port: server.endpointPort)
        assertStatus(try exchangeKeptAlive(connection, "GET /status/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 200, "first GET")
        // Inside the idle timeout the connection is reused.
        usleep(400_000)
        assertStatus(try exchangeKeptAlive(connection, "GET /status/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 200, "second GET")
        let start = ContinuousClock.now
        XCTAssertTrue(try connection.readToEnd(until: Deadline(seconds: 4)).closed, "idle kept-alive connection still open")
        XCTAssertGreaterThan(ContinuousClock.now - start, .milliseconds(800), "closed before the idle timeout")
    }

    func testBodySentSlowlyIsCut() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_BODY_TIMEOUT": "1"])
        let device = try registeredDevice(on: server)
        let connection = try TCPConnection(port: server.endpointPort)
        let body = Array("version=12&data=\(String(repeating: "x", count: 30))".utf8)
        try connection.write(Array(("PUT /update/\(token(of: device.endpoint)) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.count)\r\n\r\n").utf8))
        let start = ContinuousClock.now
        var closedAfter: Duration?
        // A byte every 0.25 s: never inactive for long, but the whole body would take 11 s.
        for byte in body.prefix(20) {
            if (try? connection.write([byte])) == nil { closedAfter = ContinuousClock.now - start; break }
            if case .closed = try connection.read(until: Deadline(seconds: 0.25)) { closedAfter = ContinuousClock.now - start; break }
        }
        let elapsed = try XCTUnwrap(closedAfter, "a body sent a byte every 0.25 s was never cut")
        XCTAssertLessThan(elapsed, .seconds(3), "cut only after \(elapsed)")
        try device.client.expectNoMessage(for: 0.3)
    }

    func testOldestIdleConnectionIsShedToAdmitAnUpdate() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_LISTENER_MAX_CONNECTIONS": "20",
                                                   "SIMPLEPUSH_ENDPOINT_HEADER_TIMEOUT": "30"])
        let device = try registeredDevice(on: server)
        var idle: [TCPConnection] = []
        for _ in 0 ..< 20 {
            idle.append(try TCPConnection(port: server.endpointPort))
            usleep(10_000)  // so the server accepts them in this order
        }
        usleep(300_000)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "5"), 200, "PUT with 20 idle connections held")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 5)])
        XCTAssertTrue(try idle[0].readToEnd(until: Deadline(seconds: 2)).closed, "the oldest idle connection was not shed")
        XCTAssertFalse(try idle[19].readToEnd(until: Deadline(seconds: 0.2)).closed, "the newest idle connection was shed")
        try waitForFile(server.consoleFile, toShow: "a warning naming max_connections_shed") { text in
            text.split(separator: "\n").contains { $0.contains("warning") && $0.contains("max_connections_shed") }
        }
    }

    func testNewConnectionIsClosedAtOnceWhenEveryConnectionIsMidRequest() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_LISTENER_MAX_CONNECTIONS": "2",
                                                   "SIMPLEPUSH_ENDPOINT_BODY_TIMEOUT": "30"])
        let device = try registeredDevice(on: server)
        // Two PUTs whose bodies never finish hold both places; neither may be shed.
        let busy = try (0 ..< 2).map { _ -> TCPConnection in
            let connection = try TCPConnection(port: server.endpointPort)
            try connection.write(Array(("PUT /update/\(token(of: device.endpoint)) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Length: 100\r\n\r\nversion=").utf8))
            return connection
        }
        usleep(300_000)
        let refused = try TCPConnection(port: server.endpointPort)
        XCTAssertTrue(try refused.readToEnd(until: Deadline(seconds: 1)).closed, "a connection past the cap was not closed")
        for connection in busy {
            XCTAssertFalse(try connection.readToEnd(until: Deadline(seconds: 0.2)).closed, "a connection mid-request was cut")
        }
        try waitForFile(server.consoleFile, toShow: "a warning naming max_connections_refused") { text in
            text.split(separator: "\n").contains { $0.contains("warning") && $0.contains("max_connections_refused") }
        }
    }

    func testUnknownTransferCodingIs501() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let path = "/update/\(token(of: device.endpoint))"
        let body = "9\r\nversion=7\r\n0\r\n\r\n"
        // The parser itself answers 400 to codings it cannot frame (`gzip` alone, `chunked, chunked`).
        for coding in ["gzip, chunked", "deflate,chunked", "x-custom , chunked"] {
            let response = try HTTPTestClient.exchange(port: server.endpointPort, rawRequest: Array(
                "PUT \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: \(coding)\r\n\r\n\(body)".utf8))
            assertStatus(response, 501, "PUT with Transfer-Encoding: \(coding)")
            XCTAssertEqual(jsonInteger(try response.jsonObject()["status"]), 501, "\(response)")
            XCTAssertNotNil(try response.jsonObject()["error"] as? String, "\(response)")
        }
        try device.client.expectNoMessage(for: 0.3)

        let chunked = try HTTPTestClient.exchange(port: server.endpointPort, rawRequest: Array(
            "PUT \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n\(body)".utf8))
        assertStatus(chunked, 200, "PUT with Transfer-Encoding: chunked")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 7)])
    }

    func testAcceptedConnectionsProbeWithTCPKeepalive() throws {
        #if os(Linux)
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_LISTENER_TCP_KEEPALIVE_IDLE": "7"])
        let connection = try TCPConnection(port: server.endpointPort)
        defer { connection.close() }
        usleep(200_000)
        let sockets = try Self.establishedSockets(localPort: server.endpointPort)
        XCTAssertEqual(sockets.count, 1, "server-side sockets on the endpoint port: \(sockets)")
        for socket in sockets {
            XCTAssertEqual(socket.timer, 2, "no keepalive timer on the accepted socket: \(socket)")
            // The timer counts down from the configured idle time, in hundredths of a second.
            XCTAssertLessThanOrEqual(socket.ticksLeft, 700, "keepalive idle is not 7 s: \(socket)")
        }
        #else
        throw XCTSkip("reads /proc/net/tcp")
        #endif
    }

    /// What the abuse run did to the whole process, scaled down: the open-file limit of the
    /// running server is lowered, the endpoint is flooded with far more idle connections than the
    /// limit, and devices, `/status/` and updates must still get through.
    func testFloodedEndpointLeavesDescriptorsForDevicesAndStillAnswers() throws {
        #if os(Linux)
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_LISTENER_MAX_CONNECTIONS": "30",
                                                   "SIMPLEPUSH_ENDPOINT_HEADER_TIMEOUT": "30"])
        let device = try registeredDevice(on: server)
        let flood = try Self.flood(server, headroom: 60, connections: 200)

        let (newcomer, _) = try connectDevice(to: server)
        for port in [server.endpointPort, server.webSocketPort] {
            assertStatus(try HTTPTestClient.request("GET", port: port, path: "/status/"), 200, "GET /status/ on \(port) during the flood")
        }
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "9"), 200, "PUT during the flood")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 9)])
        try newcomer.send(text: "{}")
        XCTAssertTrue(try newcomer.receiveJSON().isEmpty)
        withExtendedLifetime(flood) {}
        #else
        throw XCTSkip("uses prlimit(2) and /proc")
        #endif
    }

    /// With no cap at all the flood does exhaust the descriptors; accept must then back off
    /// (our AcceptPauseHandler; NIO's own back-off keeps retrying) instead of spinning, and recover once the
    /// flood is gone.
    func testAcceptBacksOffWhenDescriptorsRunOut() throws {
        #if os(Linux)
        let server = try startServer(environment: ["SIMPLEPUSH_ENDPOINT_LISTENER_MAX_CONNECTIONS": "0",
                                                   "SIMPLEPUSH_ENDPOINT_HEADER_TIMEOUT": "30"])
        var flood = try Self.flood(server, headroom: 40, connections: 120)

        let before = try Self.cpuSeconds(of: server.pid)
        usleep(2_000_000)
        let used = try Self.cpuSeconds(of: server.pid) - before
        XCTAssertLessThan(used, 0.5, "the server used \(used) s of CPU in 2 s with no descriptor left")

        flood.forEach { $0.close() }
        flood.removeAll()
        let deadline = Deadline(seconds: 5)
        var status: HTTPResponse?
        while status?.status != 200 && !deadline.hasPassed {
            status = try? HTTPTestClient.request("GET", port: server.endpointPort, path: "/status/", timeout: 2)
        }
        XCTAssertEqual(status?.status, 200, "the endpoint did not recover after the flood: \(String(describing: status))")
        #else
        throw XCTSkip("uses prlimit(2) and /proc")
        #endif
    }

    // MARK: - Helpers

    /// Writes one request on a connection kept open and reads one response (Content-Length bodies only).
    private func exchangeKeptAlive(_ connection: TCPConnection, _ request: String, timeout: Double = 3) throws -> HTTPResponse {
        try connection.write(Array(request.utf8))
        let deadline = Deadline(seconds: timeout)
        var received: [UInt8] = []
        while true {
            if let headEnd = endOfHTTPHead(in: received) {
                let head = try HTTPResponseHead(parsing: String(decoding: received[..<(headEnd - 4)], as: UTF8.self))
                let length = Int(head.header("Content-Length") ?? "0") ?? 0
                if received.count - headEnd >= length {
                    return HTTPResponse(head: head, body: Array(received[headEnd ..< headEnd + length]))
                }
            }
            switch try connection.read(until: deadline) {
            case .bytes(let chunk): received += chunk
            case .closed: throw TestFailure("connection closed mid-response: \(String(decoding: received, as: UTF8.self).debugDescription)")
            case .timedOut: throw TestFailure("no response within \(timeout) s")
            }
        }
    }

    #if os(Linux)
    struct TCPSocketLine: CustomStringConvertible {
        var line: String
        /// /proc/net/tcp `tr`: 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe.
        var timer: Int
        var ticksLeft: Int
        var description: String { line }
    }

    /// Established IPv4 sockets whose local port is `localPort`: on loopback, the server's ends.
    static func establishedSockets(localPort: Int) throws -> [TCPSocketLine] {
        // String(contentsOfFile:) stops after the first page of a /proc file.
        guard let file = FileHandle(forReadingAtPath: "/proc/net/tcp") else { throw TestFailure("cannot open /proc/net/tcp") }
        defer { try? file.close() }
        let table = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        let portHex = String(format: ":%04X", localPort)
        return table.split(separator: "\n").dropFirst().compactMap { row -> TCPSocketLine? in
            let fields = row.split(separator: " ")
            guard fields.count > 5, fields[1].hasSuffix(portHex), fields[3] == "01" else { return nil }
            let timer = fields[5].split(separator: ":")
            guard timer.count == 2, let kind = Int(timer[0], radix: 16), let ticks = Int(timer[1], radix: 16) else { return nil }
            return TCPSocketLine(line: String(row), timer: kind, ticksLeft: ticks)
        }
    }

    static func openDescriptors(of pid: pid_t) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }

    private typealias PrlimitFunction = @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32

    /// prlimit(2) on the running server: the closest a test gets to `ulimit -n` for a child.
    /// Swift's Glibc module leaves out this GNU function, so it is looked up in libc.
    /// Leaves the server `headroom` descriptors beyond those it has open, then opens `count` idle
    /// connections to its endpoint and gives it half a second to meet them.
    static func flood(_ server: ServerProcess, headroom: Int, connections count: Int) throws -> [TCPConnection] {
        try lowerOpenFileLimit(of: server.pid, to: openDescriptors(of: server.pid) + headroom)
        let flood = try (0 ..< count).map { _ in try TCPConnection(port: server.endpointPort) }
        usleep(500_000)
        return flood
    }

    static func lowerOpenFileLimit(of pid: pid_t, to limit: Int) throws {
        guard let symbol = dlsym(nil, "prlimit") else { throw TestFailure("prlimit not found in libc") }
        let prlimit = unsafeBitCast(symbol, to: PrlimitFunction.self)
        var value = rlimit(rlim_cur: rlim_t(limit), rlim_max: rlim_t(limit))
        guard prlimit(pid, Int32(RLIMIT_NOFILE.rawValue), &value, nil) == 0 else {
            throw TestFailure("prlimit(\(pid), RLIMIT_NOFILE, \(limit)) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// User plus system CPU time of a process, from /proc/<pid>/stat.
    static func cpuSeconds(of pid: pid_t) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
        guard let close = stat.lastIndex(of: ")") else { throw TestFailure("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw TestFailure("unreadable /proc/\(pid)/stat: \(stat)")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
    #endif
}
