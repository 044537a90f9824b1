import Foundation
import MemcachedTestSupport
import PushCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `serve` with `cluster.procs` 3 and memcached: a supervisor and three worker processes that
/// share the websocket and endpoint ports, each a node of one fleet.
final class ClusterTests: MemcachedEndToEndTestCase {
    private struct Cluster {
        let supervisor: ServerProcess
        /// Worker i serves GET /metrics on metricsBase + i.
        let metricsBase: Int
        let routerBase: Int

        /// The workers' pids, by scanning /proc for the supervisor's children.
        var workers: [pid_t] { ProcessTable.children(of: supervisor.pid) }

        /// Open device connections on each worker, from its `simplepush_connections` gauges.
        func connections(onWorker index: Int) throws -> Int {
            let metrics = try HTTPTestClient.get("http://127.0.0.1:\(metricsBase + index)/metrics")
            return metrics.text.split(separator: "\n")
                .filter { $0.hasPrefix("simplepush_connections{") || $0.hasPrefix("simplepush_connections ") }
                .compactMap { Double($0.split(separator: " ").last ?? "") }
                .reduce(0) { $0 + Int($1) }
        }

        func workerHolding(atLeast count: Int) throws -> Int? {
            try (0 ..< 3).first { try connections(onWorker: $0) >= count }
        }
    }

    private func startCluster(extra: [String: String] = [:]) throws -> Cluster {
        let routerBase = try LoopbackPort.freeRange(3)
        let metricsBase = try LoopbackPort.freeRange(3)
        let supervisor = try startMemcachedServer(environment: [
            "SIMPLEPUSH_CLUSTER_PROCS": "3",
            "SIMPLEPUSH_ROUTER_ADDR": "127.0.0.1:\(routerBase)",
            "SIMPLEPUSH_METRICS_ADDR": "127.0.0.1:\(metricsBase)",
        ].merging(extra) { _, new in new })
        let cluster = Cluster(supervisor: supervisor, metricsBase: metricsBase, routerBase: routerBase)
        // The shared ports accept as soon as one worker listens; wait for all three.
        let deadline = Deadline(seconds: 10)
        while !(0 ..< 3).allSatisfy({ LoopbackPort.isAccepting(metricsBase + $0) && LoopbackPort.isAccepting(routerBase + $0) }) {
            if deadline.hasPassed { throw TestFailure("the three workers did not all listen; console:\n\(supervisor.console)") }
            usleep(20_000)
        }
        return cluster
    }

    func testTheWorkersShareBothPortsAndAnUpdateThroughAnyOfThemIsDelivered() throws {
        let cluster = try startCluster()
        XCTAssertEqual(cluster.workers.count, 3)
        let devices = try (0 ..< 12).map { _ in try registeredDevice(on: cluster.supervisor) }
        let counts = try (0 ..< 3).map { try cluster.connections(onWorker: $0) }
        XCTAssertEqual(counts.reduce(0, +), 12, "every device is on one worker: \(counts)")
        XCTAssertGreaterThan(counts.filter { $0 > 0 }.count, 1, "the kernel spreads connections over the workers: \(counts)")
        for (index, device) in devices.enumerated() {
            let version = Int64(index + 1)
            // The endpoint port is shared too, so this reaches any worker, mostly not the device's.
            assertStatus(try HTTPTestClient.put(cluster.supervisor.updateURL(token: token(of: device.endpoint)), version: String(version)), 200,
                         "PUT for device \(index)")
            XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: version)])
        }
    }

    func testAWorkerKilledIsStartedAgainAndItsDeviceLosesNoUpdate() throws {
        let cluster = try startCluster()
        let device = try registeredDevice(on: cluster.supervisor)
        let index = try XCTUnwrap(try cluster.workerHolding(atLeast: 1))
        let before = cluster.workers
        let victim = try XCTUnwrap(ProcessTable.listener(of: cluster.metricsBase + index, among: before))
        Glibc.kill(victim, SIGKILL)
        // The kernel closes the dead worker's sockets.
        try device.client.expectClose(timeout: 5)
        // Whichever worker takes it finds the device's node gone (no answer, or a new worker that
        // does not hold it): the update is stored.
        // A connection the kernel had queued on the dead worker's listener is reset, as an app
        // server sees when a node crashes: it sends the PUT again.
        let url = cluster.supervisor.updateURL(token: token(of: device.endpoint))
        let answer = try (try? HTTPTestClient.put(url, version: "7")) ?? HTTPTestClient.put(url, version: "7")
        assertStatus(answer, 202, "PUT with the device's worker dead")

        let deadline = Deadline(seconds: 10)
        while !(cluster.workers.count == 3 && !cluster.workers.contains(victim) && LoopbackPort.isAccepting(cluster.metricsBase + index)) {
            if deadline.hasPassed { throw TestFailure("worker \(index) was not started again; console:\n\(cluster.supervisor.console)") }
            usleep(50_000)
        }
        XCTAssertEqual(Set(cluster.workers).intersection(before).count, 2, "the other two workers kept running")
        let (again, _) = try connectDevice(to: cluster.supervisor, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(try again.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 7)])
    }

    func testSIGTERMToTheSupervisorStopsEveryWorkerGracefully() throws {
        let cluster = try startCluster()
        let device = try registeredDevice(on: cluster.supervisor)
        let workers = cluster.workers
        try cluster.supervisor.signal(SIGTERM)
        XCTAssertEqual(try device.client.expectClose(timeout: 10).code, 1001, "a worker going away says so")
        let (reason, status) = try cluster.supervisor.waitForExit(timeout: 20)
        XCTAssertEqual(reason, .exit)
        XCTAssertEqual(status, 0)
        XCTAssertTrue(workers.allSatisfy { !ProcessTable.isAlive($0) }, "no worker outlives its supervisor")
    }

    func testWorkersEndWhenTheirSupervisorIsKilled() throws {
        let cluster = try startCluster()
        let workers = cluster.workers
        XCTAssertEqual(workers.count, 3)
        cluster.supervisor.kill()
        let deadline = Deadline(seconds: 20)
        while workers.contains(where: ProcessTable.isAlive) {
            if deadline.hasPassed { XCTFail("workers still running after their supervisor was killed"); return }
            usleep(50_000)
        }
    }

    func testAWorkerThatCannotStartStopsTheClusterWithItsReason() throws {
        // Worker 1's router port is taken, so it fails to start; starting it again would fail the same way.
        let routerBase = try LoopbackPort.freeRange(3)
        let blocker = try LoopbackPort.listening(on: routerBase + 1)
        defer { close(blocker) }
        var console = ""
        do {
            let supervisor = try startMemcachedServer(environment: ["SIMPLEPUSH_CLUSTER_PROCS": "3",
                                                                    "SIMPLEPUSH_ROUTER_ADDR": "127.0.0.1:\(routerBase)"])
            let (_, status) = try supervisor.waitForExit(timeout: 20)
            XCTAssertEqual(status, 1)
            console = supervisor.console
        } catch let failure as TestFailure {
            // It may stop before the shared ports ever accept.
            XCTAssertTrue(failure.description.contains("exited with status 1"), failure.description)
            console = failure.description
        }
        XCTAssertTrue(console.contains("a worker could not start"), console)
        XCTAssertTrue(console.contains("worker 1 ended with exit status"), console)
    }
}

/// What /proc says about processes (Linux).
enum ProcessTable {
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { parentOf($0) == parent }.sorted()
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        // A zombie has ended; only its parent's wait is missing.
        guard let state = statFields(pid)?.first else { return false }
        return state != "Z"
    }

    /// Which of `pids` has a socket listening on the loopback port, from /proc/<pid>/net/tcp and its fds.
    static func listener(of port: Int, among pids: [pid_t]) -> pid_t? {
        let hexPort = String(format: ":%04X", port)
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return nil }
        // Local address, then state 0A (LISTEN); the inode is the tenth field.
        let inodes = Set(table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1].hasSuffix(hexPort), fields[3] == "0A" else { return nil }
            return String(fields[9])
        })
        return pids.first { pid in
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return fds.contains { fd in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)") else { return false }
                return inodes.contains { target == "socket:[\($0)]" }
            }
        }
    }

    private static func parentOf(_ pid: pid_t) -> pid_t? {
        guard let fields = statFields(pid), fields.count > 1 else { return nil }
        return pid_t(fields[1])
    }

    /// The fields of /proc/<pid>/stat after the command name: state, ppid, …
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: end)...].split(separator: " ")
    }
}
