import LoadTestKit
import XCTest

final class BenchmarkReportTests: XCTestCase {
    private let limits = SystemLimits(openFiles: 20_000, ephemeralPorts: 28_232)

    private func summary(_ scenario: Scenario, ready: Int = 1000, bytesPerConnection: Double? = nil,
                         throughput: Double = 0, p99Microseconds: UInt64 = 1000, errors: [String: Int] = [:]) throws -> RunSummary {
        var request = PlanRequest(scenario: scenario)
        request.clients = ready
        let plan = try request.resolve(limits: limits)
        var report = WorkerReport(worker: 0)
        report.phase = .finished
        report.counters.ready = ready
        report.counters.notifications = Int(throughput * 10)
        report.counters.drained = Int(throughput * 10)
        report.counters.reconnects = Int(throughput * 10)
        report.marks = PhaseMarks()
        report.marks.setupStart = 1_000_000_000
        report.marks.setupEnd = 2_000_000_000
        report.marks.runStart = 2_000_000_000
        report.marks.runEnd = 12_000_000_000
        report.marks.lastDelivery = 12_000_000_000
        for _ in 0 ..< 100 { report.latency.record(microseconds: p99Microseconds) }
        for (kind, count) in errors { report.count(error: kind, count) }
        let memory = bytesPerConnection.map {
            ServerMemory(pids: [1], rssBeforeKiB: [10_000], rssAfterKiB: [10_000 + Int($0 * Double(ready) / 1024)], connections: ready)
        }
        return RunSummary(plan: plan, report: report, startedAt: Date(), elapsedSeconds: 12, serverMemory: memory)
    }

    func testGoalsTableSaysPlainlyWhatIsMetAndWhatIsNot() throws {
        let entries = [
            BenchmarkEntry(tags: ["idle"], summary: try summary(.connect, ready: 1024, bytesPerConnection: 200), servers: "1 × server", command: "loadtest connect --clients 1024"),
            BenchmarkEntry(tags: ["idle", "rate"], summary: try summary(.connect, ready: 15_360, bytesPerConnection: 400), servers: "1 × server", command: "loadtest connect --clients 15360"),
            BenchmarkEntry(tags: ["notify-max"], summary: try summary(.notify, throughput: 30_000), servers: "s", command: "loadtest notify --rate 200000"),
            BenchmarkEntry(tags: ["notify-half"], summary: try summary(.notify, throughput: 15_000, p99Microseconds: 4_000), servers: "s", command: "loadtest notify --rate 15000"),
            BenchmarkEntry(tags: ["stored", "note:SQLite store"], summary: try summary(.stored, throughput: 8_000, errors: ["drain: stored update never arrived": 3]), servers: "s", command: "loadtest stored"),
        ]
        let text = BenchmarkReport.markdown(entries, machine: "2 cores", date: "2030-01-01")
        XCTAssertTrue(text.contains("| Server memory per idle connection | ≤ 256 B | 1,024 conns: 200 B; 15,360 conns: 400 B | **no** |"), text)
        XCTAssertTrue(text.contains("| New connections/s with hello, server on one reactor thread | ≥ 20,000/s | 15,360/s | **no** |"), text)
        XCTAssertTrue(text.contains("| Notifications/s end to end | ≥ 50,000/s | 30,000/s | **no** |"), text)
        XCTAssertTrue(text.contains("| p99 PUT → notification at half the max rate | < 10 ms | 4.00 ms at 15,000/s | yes |"), text)
        XCTAssertTrue(text.contains("3 (drain: stored update never arrived: 3)"), text)
        XCTAssertTrue(text.contains("| stored: reconnect → all stored updates (SQLite store) |"), text)
        XCTAssertTrue(text.contains("| 2 | 15,360 | 1 | 1 | 10,000 → 16,000 KiB | 400 B | 15,360 |"), text)
        for (index, entry) in entries.enumerated() {
            XCTAssertTrue(text.contains("\(index + 1). Server: \(entry.servers)"), "command \(index + 1) listed")
            XCTAssertTrue(text.contains("`\(entry.command)`"))
        }
    }

    func testSectionIsReplacedBetweenTheMarkersOnly() throws {
        let document = "# Title\nintro\n\(BenchmarkReport.beginMarker)\nold figures\n\(BenchmarkReport.endMarker)\n## Lead's notes\nkept\n"
        let once = try BenchmarkReport.replaceSection(in: document, with: "new figures")
        XCTAssertEqual(once, "# Title\nintro\n\(BenchmarkReport.beginMarker)\nnew figures\n\(BenchmarkReport.endMarker)\n## Lead's notes\nkept\n")
        XCTAssertEqual(try BenchmarkReport.replaceSection(in: once, with: "new figures"), once, "rewriting is stable")
        XCTAssertThrowsError(try BenchmarkReport.replaceSection(in: "# no markers", with: "x"))
        XCTAssertThrowsError(try BenchmarkReport.replaceSection(in: "\(BenchmarkReport.endMarker) \(BenchmarkReport.beginMarker)", with: "x"))
    }

    func testManifestLinesAndSummaryFields() throws {
        let stored = try summary(.stored, throughput: 1234.5)
        let manifest = "idle,rate\t/a.json\t1 × server\tloadtest connect\n\nstored\t/b.json\ts\tloadtest stored\n"
        let entries = try BenchmarkReport.parseManifest(manifest) { path in
            XCTAssertTrue(["/a.json", "/b.json"].contains(path))
            return stored
        }
        XCTAssertEqual(entries.map(\.tags), [["idle", "rate"], ["stored"]])
        XCTAssertEqual(entries.map(\.command), ["loadtest connect", "loadtest stored"])
        XCTAssertThrowsError(try BenchmarkReport.parseManifest("only\ttwo") { _ in stored })

        let data = try stored.json()
        XCTAssertEqual(BenchmarkReport.field("scenario", inJSON: data), "stored")
        XCTAssertEqual(Double(try XCTUnwrap(BenchmarkReport.field("throughputPerSecond", inJSON: data))), 1234.5)
        XCTAssertEqual(BenchmarkReport.field("latency.count", inJSON: data), "100")
        XCTAssertNil(BenchmarkReport.field("latency.nothing", inJSON: data))
    }
}
