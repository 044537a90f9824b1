import Foundation
import Synchronization
import TestCertificates
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `loadtest` against the built `simplepush` (both from .build/debug): a few
/// hundred devices for a few seconds, checked through the JSON summary.
final class EndToEndLoadTests: XCTestCase {
    private var server: Process?
    private var scratch: URL?

    override func tearDown() {
        if let server, server.isRunning {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
        super.tearDown()
    }

    /// <package>/.build/debug/<name>; this file is <package>/Tests/LoadTestKitTests/<file>.
    private func binary(_ name: String) throws -> URL {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 3 { root.deleteLastPathComponent() }
        let url = root.appendingPathComponent(".build/debug/\(name)")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw SetupFailure("no \(name) at \(url.path); build it with `swift build --product \(name)`")
        }
        return url
    }

    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw SetupFailure("cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A directory for this test, removed afterwards.
    private func scratchDirectory() throws -> URL {
        if let scratch { return scratch }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loadtest-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        scratch = directory
        return directory
    }

    /// Starts the server with memory storage; returns its WebSocket port.
    private func startServer(environment extra: [String: String] = [:]) throws -> Int {
        let directory = try scratchDirectory()
        let (wsPort, endpointPort) = (try freePort(), try freePort())
        let process = Process()
        process.executableURL = try binary("simplepush")
        process.arguments = ["serve", "--ws-addr", "127.0.0.1:\(wsPort)", "--endpoint-addr", "127.0.0.1:\(endpointPort)",
                             "--storage", "memory", "--log-level", "warning"]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPLEPUSH_") }
            .merging(extra) { $1 }
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        server = process
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if isAccepting(port: wsPort) && isAccepting(port: endpointPort) { return wsPort }
            XCTAssertTrue(process.isRunning, "server exited during start-up")
            usleep(50_000)
        }
        throw SetupFailure("server did not listen on \(wsPort) and \(endpointPort) within 15 s")
    }

    private func isAccepting(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Runs loadtest to completion (it bounds itself; the test adds a watchdog) and returns its
    /// exit status, its stderr and the JSON summary if one was written.
    private func runLoadTest(_ arguments: [String], watchdog: TimeInterval = 60) throws -> (Int32, String, [String: Any]?) {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("loadtest-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let process = Process()
        process.executableURL = try binary("loadtest")
        process.arguments = arguments + ["--json", json.path]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let stderr = Collected()
        let reader = Thread { stderr.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let deadline = Date().addingTimeInterval(watchdog)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("loadtest did not stop by itself within \(watchdog) s")
        }
        process.waitUntilExit()
        while !reader.isFinished { usleep(10_000) }
        let summary = (try? Data(contentsOf: json)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        return (process.terminationStatus, String(decoding: stderr.value, as: UTF8.self), summary)
    }

    func testNotifyAcrossTwoWorkerProcessesDeliversEveryUpdate() throws {
        let port = try startServer()
        let (status, stderr, summary) = try runLoadTest([
            "notify", "--url", "ws://127.0.0.1:\(port)/", "--clients", "300", "--channels", "2",
            "--rate", "300", "--duration", "2", "--procs", "2", "--connect-rate", "1000",
        ])
        let result = try XCTUnwrap(summary, "no JSON summary; stderr:\n\(stderr)")
        XCTAssertEqual(status, 0, "errors: \(result["errors"] ?? "?")\n\(stderr)")
        let counters = try XCTUnwrap(result["counters"] as? [String: Any])
        XCTAssertEqual(counters["ready"] as? Int, 300)
        XCTAssertEqual(counters["channelsRegistered"] as? Int, 600)
        let sent = try XCTUnwrap(counters["putsSent"] as? Int)
        XCTAssertGreaterThan(sent, 400, "about 300/s for 2 s")
        XCTAssertEqual(counters["notifications"] as? Int, sent, "every PUT arrived as a notification")
        XCTAssertEqual(counters["acked"] as? Int, sent)
        let latency = try XCTUnwrap(result["latency"] as? [String: Any])
        XCTAssertEqual(latency["count"] as? Int, sent, "the merged histogram holds both processes' values")
        XCTAssertGreaterThan(try XCTUnwrap(latency["p50"] as? Double), 0)
        XCTAssertTrue(stderr.contains("[notify"), "progress lines on stderr:\n\(stderr)")
    }

    func testStoredUpdatesDrainAfterReconnect() throws {
        let port = try startServer()
        let pid = try XCTUnwrap(server?.processIdentifier)
        let (status, stderr, summary) = try runLoadTest([
            "stored", "--url", "ws://127.0.0.1:\(port)/", "--clients", "200", "--channels", "2",
            "--rate", "2000", "--connect-rate", "1000", "--server-pid", String(pid),
        ])
        let result = try XCTUnwrap(summary, "no JSON summary; stderr:\n\(stderr)")
        XCTAssertEqual(status, 0, "errors: \(result["errors"] ?? "?")\n\(stderr)")
        let counters = try XCTUnwrap(result["counters"] as? [String: Any])
        XCTAssertEqual(counters["putsStored"] as? Int, 400)
        XCTAssertEqual(counters["drained"] as? Int, 400)
        XCTAssertGreaterThan(try XCTUnwrap(result["throughputPerSecond"] as? Double), 0)
        let memory = try XCTUnwrap(result["serverMemory"] as? [String: Any])
        XCTAssertEqual(memory["pids"] as? [Int], [Int(pid)])
        XCTAssertGreaterThan(try XCTUnwrap(memory["totalBeforeKiB"] as? Int), 0)
    }

    func testWebPushNotifyMatchesEveryPostToItsNotification() throws {
        let port = try startServer()
        let (status, stderr, summary) = try runLoadTest([
            "notify", "--webpush", "--payload-bytes", "256", "--url", "ws://127.0.0.1:\(port)/", "--clients", "100",
            "--rate", "200", "--duration", "2", "--procs", "2",
        ])
        let result = try XCTUnwrap(summary, "no JSON summary; stderr:\n\(stderr)")
        XCTAssertEqual(status, 0, "errors: \(result["errors"] ?? "?")\n\(stderr)")
        let counters = try XCTUnwrap(result["counters"] as? [String: Any])
        let sent = try XCTUnwrap(counters["putsSent"] as? Int)
        XCTAssertGreaterThan(sent, 250, "about 200/s for 2 s")
        XCTAssertEqual(counters["putsAccepted"] as? Int, sent, "every POST answered 201")
        XCTAssertEqual(counters["notifications"] as? Int, sent)
        XCTAssertEqual((result["latency"] as? [String: Any])?["count"] as? Int, sent, "every notification timed from its POST")
    }

    func testWebPushStoredMessagesDrainInBatches() throws {
        let port = try startServer()
        // 12 channels: more than the server's batch of 10, so the second batch must follow the acks.
        let (status, stderr, summary) = try runLoadTest([
            "stored", "--webpush", "--payload-bytes", "4096", "--url", "ws://127.0.0.1:\(port)/", "--clients", "50",
            "--channels", "12",
        ])
        let result = try XCTUnwrap(summary, "no JSON summary; stderr:\n\(stderr)")
        XCTAssertEqual(status, 0, "errors: \(result["errors"] ?? "?")\n\(stderr)")
        let counters = try XCTUnwrap(result["counters"] as? [String: Any])
        XCTAssertEqual(counters["putsAccepted"] as? Int, 600)
        XCTAssertEqual(counters["drained"] as? Int, 600)
    }

    func testChurnOverTLSResumesReconnectsUnlessToldNotTo() throws {
        let certificates = try TestCertificates.make(in: scratchDirectory())
        let ca = certificates.caFile
        let port = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_LISTENER_CERT_FILE": certificates.certificateFile,
                                                 "SIMPLEPUSH_WEBSOCKET_LISTENER_KEY_FILE": certificates.keyFile])
        let churn = ["churn", "--url", "wss://127.0.0.1:\(port)/", "--ca-file", ca, "--clients", "40", "--rate", "80", "--duration", "1"]

        let (status, stderr, summary) = try runLoadTest(churn)
        let result = try XCTUnwrap(summary, "no JSON summary; stderr:\n\(stderr)")
        XCTAssertEqual(status, 0, "errors: \(result["errors"] ?? "?")\n\(stderr)")
        let counters = try XCTUnwrap(result["counters"] as? [String: Any])
        let reconnects = try XCTUnwrap(counters["reconnects"] as? Int)
        XCTAssertGreaterThan(reconnects, 40)
        XCTAssertEqual(counters["tlsFull"] as? Int, 40, "one full handshake per device, at set-up")
        XCTAssertEqual(counters["tlsResumed"] as? Int, reconnects, "every reconnect resumed its session")

        let (fullStatus, fullStderr, fullSummary) = try runLoadTest(churn + ["--no-tls-resume"])
        let full = try XCTUnwrap(fullSummary, "no JSON summary; stderr:\n\(fullStderr)")
        XCTAssertEqual(fullStatus, 0, "errors: \(full["errors"] ?? "?")")
        let fullCounters = try XCTUnwrap(full["counters"] as? [String: Any])
        XCTAssertEqual(fullCounters["tlsResumed"] as? Int, 0)
        XCTAssertEqual(fullCounters["tlsFull"] as? Int, 40 + (fullCounters["reconnects"] as? Int ?? -1))
    }

    func testTLSRefusesACertificateFromAnotherCA() throws {
        let server = try TestCertificates.make(in: scratchDirectory(), caName: "server-ca")
        let other = try TestCertificates.makeCA(in: scratchDirectory(), name: "other-ca").appendingPathComponent("ca.pem").path
        let port = try startServer(environment: ["SIMPLEPUSH_WEBSOCKET_LISTENER_CERT_FILE": server.certificateFile,
                                                 "SIMPLEPUSH_WEBSOCKET_LISTENER_KEY_FILE": server.keyFile])
        let (status, stderr, summary) = try runLoadTest([
            "connect", "--url", "wss://127.0.0.1:\(port)/", "--ca-file", other, "--clients", "5", "--duration", "0.5",
        ])
        let result = try XCTUnwrap(summary, "no JSON summary; stderr:\n\(stderr)")
        XCTAssertNotEqual(status, 0)
        let errors = try XCTUnwrap(result["errors"] as? [String: Int])
        XCTAssertEqual(errors.filter { $0.key.contains("certificate verify failed") }.values.reduce(0, +), 5, "\(errors)")
        XCTAssertEqual((result["counters"] as? [String: Any])?["tlsFull"] as? Int, 0)
    }

    func testRefusesARemoteTargetWithoutTheFlag() throws {
        let (status, stderr, summary) = try runLoadTest(["connect", "--url", "ws://192.0.2.1:80/", "--clients", "1"], watchdog: 20)
        XCTAssertNotEqual(status, 0)
        XCTAssertNil(summary)
        XCTAssertTrue(stderr.contains("--allow-remote"), stderr)
    }
}

/// A test precondition that did not hold; thrown so the test fails with the reason.
struct SetupFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Bytes a reader thread collects; read only after the thread finished.
private final class Collected: Sendable {
    private let data = Mutex(Data())
    func set(_ new: Data) { data.withLock { $0 = new } }
    var value: Data { data.withLock { $0 } }
}
