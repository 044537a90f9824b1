import Foundation

/// Percentiles of one latency histogram, in milliseconds.
public struct LatencyFigures: Codable, Equatable, Sendable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    public init(_ histogram: LatencyHistogram) {
        count = histogram.count
        p50 = histogram.milliseconds(atPercentile: 50)
        p90 = histogram.milliseconds(atPercentile: 90)
        p99 = histogram.milliseconds(atPercentile: 99)
        p999 = histogram.milliseconds(atPercentile: 99.9)
        max = histogram.maxMilliseconds
        mean = histogram.meanMilliseconds
    }
}

/// The result of a run: what `--json` writes and what the table shows.
public struct RunSummary: Codable, Equatable, Sendable {
    public var scenario: Scenario
    public var target: String
    public var plan: LoadPlan
    /// Wall-clock start, ISO 8601.
    public var startedAt: String
    public var elapsedSeconds: Double
    /// True when the run finished by itself without errors.
    public var clean: Bool
    /// Events the measured phase's plan called for: PUTs or POSTs (notify, stored), reconnects
    /// (churn); 0 for connect, which has no rate to fall short of.
    public var planned: Int
    /// Of those, how many were made.
    public var achieved: Int
    /// False when `achieved` fell more than 1% short of `planned`: the load tester (or the server
    /// holding it back) could not keep the rate, and the figures are not the plan's.
    public var planMet: Bool
    public var counters: LoadCounters
    public var errors: [String: Int]
    /// First connection start → last device set up (or failed).
    public var setupSeconds: Double
    /// Devices set up per second during set-up.
    public var connectsPerSecond: Double
    public var setupLatency: LatencyFigures
    /// Length of the measured phase.
    public var runSeconds: Double
    /// The measured phase's throughput: notifications/s (notify), reconnects/s (churn), stored
    /// updates drained/s (stored); 0 for connect.
    public var throughputPerSecond: Double
    /// PUTs sent per second during the measured phase (notify).
    public var putsPerSecond: Double
    public var latency: LatencyFigures
    public var serverMemory: ServerMemory?
    /// Server CPU over the measured phase, when server pids were given.
    public var serverCPU: ServerCPU?
    public var fatal: String?
    /// For `--find-max`: every probe of the search; this summary is the highest one held.
    public var search: [MaxRateProbe]?

    /// Shortfall of more than this fraction of the plan fails a run.
    public static let allowedShortfall = 0.01

    public init(plan: LoadPlan, report: WorkerReport, startedAt start: Date, elapsedSeconds: Double, serverMemory: ServerMemory?,
                serverCPU: ServerCPU? = nil) {
        scenario = plan.scenario
        target = plan.target.description
        self.plan = plan
        startedAt = ISO8601DateFormatter().string(from: start)
        self.elapsedSeconds = elapsedSeconds
        counters = report.counters
        errors = report.errors
        fatal = report.fatal
        let marks = report.marks
        setupSeconds = Self.span(marks.setupStart, marks.setupEnd)
        connectsPerSecond = setupSeconds > 0 ? Double(report.counters.ready) / setupSeconds : 0
        setupLatency = LatencyFigures(report.setupLatency)
        latency = LatencyFigures(report.latency)
        runSeconds = Self.span(marks.runStart, marks.runEnd)
        let deliverySeconds = Self.span(marks.runStart, max(marks.lastDelivery, marks.runStart))
        switch plan.scenario {
        case .connect:
            throughputPerSecond = 0
        case .notify:
            throughputPerSecond = deliverySeconds > 0 ? Double(report.counters.notifications) / deliverySeconds : 0
        case .churn:
            throughputPerSecond = runSeconds > 0 ? Double(report.counters.reconnects) / runSeconds : 0
        case .stored:
            throughputPerSecond = deliverySeconds > 0 ? Double(report.counters.drained) / deliverySeconds : 0
        }
        putsPerSecond = plan.scenario == .notify && runSeconds > 0 ? Double(report.counters.putsSent) / min(runSeconds, plan.duration) : 0
        self.serverMemory = serverMemory
        self.serverCPU = serverCPU
        clean = report.counters.errors == 0 && report.fatal == nil && report.phase == .finished
        switch plan.scenario {
        case .connect: (planned, achieved) = (0, 0)
        case .notify: (planned, achieved) = (plan.maxCount, report.counters.putsSent)
        case .stored: (planned, achieved) = (plan.clients * plan.channels, report.counters.putsSent)
        case .churn: (planned, achieved) = (plan.maxCount, report.counters.reconnects)
        }
        planMet = Double(achieved) >= Double(planned) * (1 - Self.allowedShortfall)
    }

    /// How far short of the plan the run fell, as a fraction (0 when it was met or exceeded).
    public var shortfall: Double {
        planned > 0 ? max(0, 1 - Double(achieved) / Double(planned)) : 0
    }

    /// Clean and at the planned rate: the only runs whose figures stand.
    public var held: Bool { clean && planMet }

    /// The exit status: 0 held, 1 fatal, 2 errors, 3 clean but short of the plan.
    public var exitStatus: Int32 {
        if fatal != nil { return 1 }
        if !clean { return 2 }
        return planMet ? 0 : 3
    }

    /// The result row: errors and shortfall said apart.
    public var resultText: String {
        switch (clean, planMet) {
        case (true, true): return "clean"
        case (false, true): return "with errors"
        case (true, false): return "short of plan"
        case (false, false): return "with errors, short of plan"
        }
    }

    static func span(_ start: UInt64, _ end: UInt64) -> Double {
        start > 0 && end > start ? MonotonicClock.seconds(end - start) : 0
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
