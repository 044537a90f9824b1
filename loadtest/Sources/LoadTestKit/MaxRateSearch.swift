import Foundation

/// One short run of a `--find-max` search.
public struct MaxRateProbe: Codable, Equatable, Sendable {
    public var rate: Double
    public var achievedPerSecond: Double
    public var errors: Int
    public var planMet: Bool
    public var p50: Double
    public var p99: Double

    public init(rate: Double, summary: RunSummary) {
        self.rate = rate
        achievedPerSecond = summary.putsPerSecond
        errors = summary.counters.errors + (summary.fatal == nil ? 0 : 1)
        planMet = summary.planMet
        p50 = summary.latency.p50
        p99 = summary.latency.p99
    }

    public var held: Bool { errors == 0 && planMet }
}

/// Finds the highest rate a server holds: 0 errors and at least 99% of the planned updates sent.
/// Doubles from the first rate until a run fails, then bisects between the best held rate and
/// the lowest failed one until they are within `precision` of each other, the probes run out or
/// the next probe would overrun the time budget. The search itself never runs past its budget
/// by more than one probe's length, and each probe is bounded like any run.
public struct MaxRateSearch {
    public static let defaultBudgetSeconds = 120.0

    public var firstRate: Double
    public var budgetSeconds: Double
    public var precision = 0.05
    public var maxProbes = 16
    /// Rates below this are not tried: a server that holds none of them has failed outright.
    public var floorRate = 10.0
    public var ceilingRate = PlanRequest.maxRate

    public init(firstRate: Double, budgetSeconds: Double) {
        self.firstRate = firstRate
        self.budgetSeconds = budgetSeconds
    }

    public struct Outcome {
        /// The run at the highest rate held; nil when none was.
        public var best: RunSummary?
        /// The last run made, held or not.
        public var last: RunSummary?
        public var probes: [MaxRateProbe]
    }

    /// `run` makes one run at the rate given; `elapsed` reads a clock in seconds.
    public func search(run: (Double) throws -> RunSummary, elapsed: () -> Double) rethrows -> Outcome {
        var probes: [MaxRateProbe] = []
        var best: RunSummary?
        var last: RunSummary?
        var held: Double?     // highest rate held
        var failed: Double?   // lowest rate that failed
        var rate = min(max(firstRate, floorRate), ceilingRate)
        var longestProbe = 0.0
        while probes.count < maxProbes {
            let start = elapsed()
            let summary = try run(rate)
            last = summary
            longestProbe = max(longestProbe, elapsed() - start)
            let probe = MaxRateProbe(rate: rate, summary: summary)
            probes.append(probe)
            if probe.held {
                held = rate
                best = summary
            } else {
                failed = rate
            }
            guard let next = nextRate(held: held, failed: failed),
                  elapsed() + longestProbe <= budgetSeconds else { break }
            rate = next
        }
        return Outcome(best: best, last: last, probes: probes)
    }

    /// The next rate to try, nil when the search is done.
    func nextRate(held: Double?, failed: Double?) -> Double? {
        switch (held, failed) {
        case (let held?, nil):
            return held >= ceilingRate ? nil : min(held * 2, ceilingRate)
        case (nil, let failed?):
            let lower = failed / 2
            return lower < floorRate ? nil : lower
        case (let held?, let failed?):
            guard failed > held * (1 + precision) else { return nil }
            return ((held + failed) / 2).rounded()
        case (nil, nil):
            return nil
        }
    }
}

/// The lines a search prints.
public enum MaxRateReport {
    public static func line(_ probe: MaxRateProbe) -> String {
        let verdict = probe.held ? "held" : probe.errors > 0 ? "\(probe.errors) errors" : "short of plan"
        return "find-max: \(SummaryTable.rate(probe.rate))/s planned, \(SummaryTable.rate(probe.achievedPerSecond))/s sent: \(verdict)"
            + (probe.held ? String(format: " (p50 %.2f ms, p99 %.2f ms)", probe.p50, probe.p99) : "")
    }

    public static func conclusion(_ best: RunSummary, probes: [MaxRateProbe]) -> String {
        "highest rate held: \(SummaryTable.rate(best.plan.rate))/s of updates, \(SummaryTable.rate(best.throughputPerSecond)) notifications/s, "
            + String(format: "p50 %.2f ms, p99 %.2f ms (%d runs)", best.latency.p50, best.latency.p99, probes.count)
    }
}
