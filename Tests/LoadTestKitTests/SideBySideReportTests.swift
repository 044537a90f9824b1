import LoadTestKit
import XCTest

final class SideBySideReportTests: XCTestCase {
    private let limits = SystemLimits(openFiles: 20_000, ephemeralPorts: 28_232)

    /// A notify run at `rate` for 10 s that kept its plan (or not) and delivered at that rate.
    private func notify(rate: Double, held: Bool = true, cpuSeconds: Double? = nil) throws -> RunSummary {
        var request = PlanRequest(scenario: .notify)
        request.rate = rate
        request.duration = 10
        let plan = try request.resolve(limits: limits)
        var report = WorkerReport(worker: 0)
        report.phase = .finished
        report.counters.putsSent = Int(rate * 10 * (held ? 1 : 0.5))
        report.counters.notifications = report.counters.putsSent
        report.marks.runStart = 1_000_000_000
        report.marks.runEnd = 11_000_000_000
        report.marks.lastDelivery = 11_000_000_000
        report.latency.record(microseconds: 2000)
        return RunSummary(plan: plan, report: report, startedAt: Date(), elapsedSeconds: 12, serverMemory: nil,
                          serverCPU: cpuSeconds.map { ServerCPU(seconds: $0, wallSeconds: 10) })
    }

    private func entry(_ role: String, _ figure: String, _ summary: RunSummary) -> BenchmarkEntry {
        let server = role == "ours" ? "simplepush (memory store)" : "pushgo (none)"
        return BenchmarkEntry(tags: ["side", "pair:no store", "role:\(role)", "server:\(server)", "figure:\(figure)"],
                              summary: summary, servers: server, command: "loadtest notify")
    }

    func testMediansRatiosAndGoalsAreShownAndOnlyHeldSearchesCount() throws {
        let entries = [
            entry("ours", "max", try notify(rate: 20_000)), entry("peer", "max", try notify(rate: 10_000)),
            entry("ours", "max", try notify(rate: 24_000)), entry("peer", "max", try notify(rate: 11_000)),
            entry("ours", "max", try notify(rate: 22_000)), entry("peer", "max", try notify(rate: 90_000, held: false)),
            // 1,500/s for 10 s = 15,000 notifications: 0.9 s is 60 µs each, 3 s is 200 µs.
            entry("ours", "cpu", try notify(rate: 1500, cpuSeconds: 0.9)), entry("peer", "cpu", try notify(rate: 1500, cpuSeconds: 3)),
        ]
        let text = BenchmarkReport.markdown(entries, machine: "2 cores", date: "2030-01-01")
        XCTAssertTrue(text.contains("#### Side by side with the peer"), text)
        XCTAssertTrue(text.contains("| simplepush (memory store): runs | median | pushgo (none): runs | median |"), text)
        // Ours: median 22,000; the peer's unheld search is left out: median of 10,000 and 11,000.
        XCTAssertTrue(text.contains("| 20,000/s; 24,000/s; 22,000/s | 22,000/s | 10,000/s; 11,000/s | 10,500/s | 2.10 | ≥ 2× the peer's | yes |"), text)
        XCTAssertTrue(text.contains("±9.1% of the median"), text)
        XCTAssertTrue(text.contains("| 60 µs | 60 µs | 200 µs | 200 µs | 0.30 | ≤ 100 µs and ≤ ½ the peer's | yes |"), text)
        XCTAssertFalse(text.contains("#### Notifications"), "side-by-side runs stay out of the server's own tables")
    }

    func testAMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() throws {
        let entries = [
            entry("ours", "max", try notify(rate: 1000)), entry("ours", "max", try notify(rate: 3000)),
            entry("peer", "max", try notify(rate: 1000)),
        ]
        let text = BenchmarkReport.markdown(entries, machine: "2 cores", date: "2030-01-01")
        XCTAssertTrue(text.contains("| 1,000/s; 3,000/s | 2,000/s | 1,000/s | 1,000/s | 2.00 |"), text)
    }
}
