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
    public var fatal: String?

    public init(plan: LoadPlan, report: WorkerReport, startedAt start: Date, elapsedSeconds: Double, serverMemory: ServerMemory?) {
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
        clean = report.counters.errors == 0 && report.fatal == nil && report.phase == .finished
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
