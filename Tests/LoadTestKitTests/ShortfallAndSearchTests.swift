import LoadTestKit
import XCTest

/// A run short of its plan is told apart from one with errors, and `--find-max` finds the highest
/// rate held within its probes.
final class ShortfallAndSearchTests: XCTestCase {
    private let limits = SystemLimits(openFiles: 20_000, ephemeralPorts: 28_232)

    /// A notify run planned at `rate` for 10 s that sent `sent` updates and had `errors` errors.
    private func notifySummary(rate: Double, sent: Int, errors: Int = 0) throws -> RunSummary {
        var request = PlanRequest(scenario: .notify, url: "ws://127.0.0.1:9/")
        request.rate = rate
        request.duration = 10
        let plan = try request.resolve(limits: limits)
        var report = WorkerReport(worker: 0)
        report.phase = .finished
        report.counters.putsSent = sent
        report.counters.notifications = sent
        report.marks.runStart = 1_000_000_000
        report.marks.runEnd = 11_000_000_000
        report.marks.lastDelivery = 11_000_000_000
        if errors > 0 { report.count(error: "put: HTTP 503", errors) }
        return RunSummary(plan: plan, report: report, startedAt: Date(), elapsedSeconds: 12, serverMemory: nil)
    }

    func testAShortfallOverOnePercentFailsTheRunApartFromErrors() throws {
        let held = try notifySummary(rate: 3400, sent: 33_700)  // 0.9% short
        XCTAssertTrue(held.planMet)
        XCTAssertEqual(held.exitStatus, 0)
        XCTAssertEqual(held.resultText, "clean")

        let short = try notifySummary(rate: 3400, sent: 31_120)  // 8.5% short, as in 3,112/s of 3,400/s
        XCTAssertTrue(short.clean, "no errors")
        XCTAssertFalse(short.planMet)
        XCTAssertEqual(short.exitStatus, 3)
        XCTAssertEqual(short.resultText, "short of plan")
        XCTAssertEqual(short.shortfall, 1 - 31_120.0 / 34_000, accuracy: 1e-9)
        let table = SummaryTable.render(short)
        XCTAssertTrue(table.contains("31120 of 34000 planned (8.5% short"), table)

        let failing = try notifySummary(rate: 3400, sent: 34_000, errors: 5)
        XCTAssertEqual(failing.exitStatus, 2)
        XCTAssertEqual(failing.resultText, "with errors")
        let both = try notifySummary(rate: 3400, sent: 20_000, errors: 5)
        XCTAssertEqual(both.exitStatus, 2)
        XCTAssertEqual(both.resultText, "with errors, short of plan")

        let decoded = try JSONDecoder().decode(RunSummary.self, from: short.json())
        XCTAssertEqual(decoded.planned, 34_000)
        XCTAssertEqual(decoded.achieved, 31_120)
        XCTAssertFalse(decoded.planMet)
    }

    /// A fake server that holds every rate up to `capacity` (sending what is planned) and falls
    /// short above it, sending only `capacity` per second.
    private func search(capacity: Double, firstRate: Double, budget: Double = 1000,
                        secondsPerProbe: Double = 7) throws -> (MaxRateSearch.Outcome, [Double]) {
        var tried: [Double] = []
        var clock = 0.0
        let outcome = try MaxRateSearch(firstRate: firstRate, budgetSeconds: budget).search(run: { rate in
            tried.append(rate)
            clock += secondsPerProbe
            return try notifySummary(rate: rate, sent: Int(min(rate, capacity) * 10))
        }, elapsed: { clock })
        return (outcome, tried)
    }

    func testTheSearchDoublesThenBisectsToWithinFivePercent() throws {
        let (outcome, tried) = try search(capacity: 9_000, firstRate: 1_000)
        XCTAssertEqual(Array(tried.prefix(5)), [1_000, 2_000, 4_000, 8_000, 16_000])
        let best = try XCTUnwrap(outcome.best)
        XCTAssertLessThanOrEqual(best.plan.rate, 9_000)
        XCTAssertGreaterThan(best.plan.rate, 9_000 / 1.05 / 1.05, "within the search's precision of the capacity")
        XCTAssertEqual(outcome.probes.count, tried.count)
        XCTAssertTrue(outcome.probes.contains { !$0.held }, "the failed probes are reported too")
    }

    func testTheSearchGoesDownWhenTheFirstRateFails() throws {
        let (outcome, tried) = try search(capacity: 300, firstRate: 1_000)
        XCTAssertEqual(Array(tried.prefix(3)), [1_000, 500, 250])
        XCTAssertLessThanOrEqual(try XCTUnwrap(outcome.best).plan.rate, 300)
    }

    func testTheSearchStopsBeforeOverrunningItsBudget() throws {
        let (outcome, tried) = try search(capacity: 1_000_000, firstRate: 1_000, budget: 30, secondsPerProbe: 7)
        // 7 s each: after the 4th probe (28 s) a 5th would end at 35 s, past the budget.
        XCTAssertEqual(tried.count, 4)
        XCTAssertEqual(outcome.best?.plan.rate, 8_000)
    }

    func testNoRateHeldWhenTheServerHoldsNothing() throws {
        let (outcome, tried) = try search(capacity: 0, firstRate: 100)
        XCTAssertNil(outcome.best)
        XCTAssertEqual(tried, [100, 50, 25, 12.5], "halving down to the floor of 10/s")
    }
}
