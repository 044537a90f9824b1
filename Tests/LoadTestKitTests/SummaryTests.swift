import LoadTestKit
import XCTest

final class SummaryTests: XCTestCase {
    private let limits = SystemLimits(openFiles: 20_000, ephemeralPorts: 28_232)

    private func report(worker: Int, notifications: Int, latencies: [UInt64], phase: WorkerPhase = .finished,
                        runStart: UInt64, lastDelivery: UInt64, errors: [String: Int] = [:]) -> WorkerReport {
        var report = WorkerReport(worker: worker)
        report.phase = phase
        report.counters.ready = 100
        report.counters.notifications = notifications
        report.counters.putsSent = notifications
        latencies.forEach { report.latency.record(microseconds: $0) }
        report.setupLatency.record(microseconds: 900)
        report.marks.setupStart = runStart - 2_000_000_000
        report.marks.setupEnd = runStart - 1_000_000_000
        report.marks.runStart = runStart
        report.marks.runEnd = lastDelivery
        report.marks.lastDelivery = lastDelivery
        for (kind, count) in errors { report.count(error: kind, count) }
        return report
    }

    func testMergedReportAddsCountsAndTakesTheSlowestPhase() {
        let a = report(worker: 0, notifications: 10, latencies: [1000], phase: .running, runStart: 5_000_000_000,
                       lastDelivery: 8_000_000_000, errors: ["put: HTTP 404": 2])
        let b = report(worker: 1, notifications: 30, latencies: [3000, 5000], runStart: 4_000_000_000,
                       lastDelivery: 9_000_000_000, errors: ["put: HTTP 404": 1, "read: ECONNRESET": 4])
        let merged = WorkerReport.merged([a, b])
        XCTAssertEqual(merged.phase, .running)
        XCTAssertEqual(merged.counters.notifications, 40)
        XCTAssertEqual(merged.counters.ready, 200)
        XCTAssertEqual(merged.counters.errors, 7)
        XCTAssertEqual(merged.errors, ["put: HTTP 404": 3, "read: ECONNRESET": 4])
        XCTAssertEqual(merged.latency.count, 3)
        XCTAssertEqual(merged.marks.runStart, 4_000_000_000, "earliest start")
        XCTAssertEqual(merged.marks.lastDelivery, 9_000_000_000, "latest delivery")
    }

    func testJSONSummaryCarriesTheFiguresAndRoundTrips() throws {
        var request = PlanRequest(scenario: .notify, url: "ws://127.0.0.1:9/")
        request.clients = 200
        request.rate = 20
        let plan = try request.resolve(limits: limits)
        let reports = [
            report(worker: 0, notifications: 100, latencies: Array(repeating: 2000, count: 100), runStart: 10_000_000_000, lastDelivery: 15_000_000_000),
            report(worker: 1, notifications: 100, latencies: Array(repeating: 4000, count: 100), runStart: 10_000_000_000, lastDelivery: 20_000_000_000),
        ]
        let memory = ServerMemory(pids: [10, 11], rssBeforeKiB: [1000, 1000], rssAfterKiB: [1500, 1500], connections: 4096)
        let summary = RunSummary(plan: plan, report: WorkerReport.merged(reports), startedAt: Date(timeIntervalSince1970: 0),
                                 elapsedSeconds: 12.5, serverMemory: memory)
        let data = try summary.json()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])

        XCTAssertEqual(object["scenario"] as? String, "notify")
        XCTAssertEqual(object["target"] as? String, "ws://127.0.0.1:9/")
        XCTAssertEqual(object["clean"] as? Bool, true)
        XCTAssertEqual((object["counters"] as? [String: Any])?["notifications"] as? Int, 200)
        // 200 notifications over the 10 s from the first run start to the last delivery.
        XCTAssertEqual(try XCTUnwrap(object["throughputPerSecond"] as? Double), 20, accuracy: 1e-9)
        let latency = try XCTUnwrap(object["latency"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(latency["p50"] as? Double), 2, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(latency["p99"] as? Double), 4, accuracy: 0.01)
        XCTAssertEqual(latency["count"] as? Int, 200)
        let server = try XCTUnwrap(object["serverMemory"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(server["bytesPerConnection"] as? Double), 250, accuracy: 1e-9)
        XCTAssertEqual(server["totalAfterKiB"] as? Int, 3000)
        XCTAssertEqual(object["startedAt"] as? String, "1970-01-01T00:00:00Z")

        XCTAssertEqual(try JSONDecoder().decode(RunSummary.self, from: data), summary)
    }

    func testSummaryIsNotCleanWithErrorsOrUnfinishedWorkers() throws {
        let plan = try PlanRequest(scenario: .connect).resolve(limits: limits)
        let failing = report(worker: 0, notifications: 0, latencies: [], runStart: 1_000_000_000_000,
                             lastDelivery: 1_000_000_000_001, errors: ["connect: ECONNREFUSED": 1])
        XCTAssertFalse(RunSummary(plan: plan, report: failing, startedAt: Date(), elapsedSeconds: 1, serverMemory: nil).clean)
        let unfinished = report(worker: 0, notifications: 0, latencies: [], phase: .ready, runStart: 1_000_000_000_000,
                                lastDelivery: 1_000_000_000_001)
        XCTAssertFalse(RunSummary(plan: plan, report: unfinished, startedAt: Date(), elapsedSeconds: 1, serverMemory: nil).clean)
    }

    func testTableShowsFiguresAndErrorsByKind() throws {
        var request = PlanRequest(scenario: .notify)
        request.rate = 10
        let plan = try request.resolve(limits: limits)
        let summary = RunSummary(plan: plan, report: report(worker: 0, notifications: 42, latencies: [1500], runStart: 3_000_000_000,
                                                            lastDelivery: 4_000_000_000, errors: ["put: HTTP 410": 3]),
                                 startedAt: Date(), elapsedSeconds: 3, serverMemory: nil)
        let table = SummaryTable.render(summary)
        XCTAssertTrue(table.contains("42 received"), table)
        XCTAssertTrue(table.contains("p50 1.50 ms"), table)
        XCTAssertTrue(table.contains("put: HTTP 410"), table)
        XCTAssertTrue(table.contains("with errors"), table)
    }

    func testProgressLineShowsConnectionsRateAndPercentiles() throws {
        let plan = try PlanRequest(scenario: .connect).resolve(limits: limits)
        var before = WorkerReport(worker: 0)
        before.counters.ready = 100
        var now = before
        now.counters.ready = 600
        now.counters.open = 600
        now.setupLatency.record(microseconds: 2500)
        let line = ProgressLine.text(now, previous: before, interval: 0.5, elapsed: 3, plan: plan)
        XCTAssertTrue(line.contains("connected 600/1000"), line)
        XCTAssertTrue(line.contains("1000 conn/s"), line)
        XCTAssertTrue(line.contains("p50 2.50ms"), line)
        XCTAssertFalse(line.contains("\n"))
    }

    func testVmRSSIsReadFromProcStatus() throws {
        XCTAssertEqual(ProcessMemory.residentKiB(statusText: "Name:\tx\nVmRSS:\t  12345 kB\nVmData:\t1 kB\n"), 12345)
        XCTAssertNil(ProcessMemory.residentKiB(statusText: "Name:\tx\n"))
        let own = try XCTUnwrap(ProcessMemory.residentKiB(pid: getpid()))
        XCTAssertGreaterThan(own, 1000, "a test process uses more than a megabyte")
        XCTAssertNil(ProcessMemory.residentKiB(pid: -5))
    }
}
