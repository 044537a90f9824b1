/// How far a worker is. Workers move forward only; the parent waits for all of them to reach a
/// phase before moving on (e.g. starts the measured phase once every device is set up).
public enum WorkerPhase: Int, Codable, Comparable, Sendable, CustomStringConvertible {
    case settingUp = 0
    case ready = 1
    case running = 2
    case finished = 3

    public static func < (lhs: WorkerPhase, rhs: WorkerPhase) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .settingUp: return "setting up"
        case .ready: return "ready"
        case .running: return "running"
        case .finished: return "finished"
        }
    }
}

/// Event counts. Every field is a sum over workers.
public struct LoadCounters: Codable, Equatable, Sendable {
    /// TCP connections started, first connections and reconnects alike.
    public var attempted = 0
    /// Devices whose first connection got its hello (and registrations) through.
    public var ready = 0
    /// Devices whose first connection failed for good.
    public var failed = 0
    /// WebSockets open at the moment of the report.
    public var open = 0
    public var channelsRegistered = 0
    /// Reconnections with the device's UAID that got their hello through.
    public var reconnects = 0
    /// Update requests (SimplePush PUTs, WebPush POSTs) that were due by the schedule; more than
    /// `putsSent` means the tool fell behind.
    public var putsScheduled = 0
    public var putsSent = 0
    public var putsDelivered = 0
    public var putsStored = 0
    /// WebPush pushes answered 201 (the answer does not say whether delivered or stored).
    public var putsAccepted = 0
    /// Updates received in notifications.
    public var notifications = 0
    /// Updates acknowledged back to the server.
    public var acked = 0
    /// Stored updates received after a reconnect.
    public var drained = 0
    public var errors = 0
    /// TLS handshakes completed in full, and by resuming an earlier session.
    public var tlsFull = 0
    public var tlsResumed = 0

    public init() {}

    public mutating func add(_ other: LoadCounters) {
        attempted += other.attempted
        ready += other.ready
        failed += other.failed
        open += other.open
        channelsRegistered += other.channelsRegistered
        reconnects += other.reconnects
        putsScheduled += other.putsScheduled
        putsSent += other.putsSent
        putsDelivered += other.putsDelivered
        putsStored += other.putsStored
        putsAccepted += other.putsAccepted
        notifications += other.notifications
        acked += other.acked
        drained += other.drained
        errors += other.errors
        tlsFull += other.tlsFull
        tlsResumed += other.tlsResumed
    }
}

/// Monotonic-clock marks (nanoseconds; 0 = not reached). CLOCK_MONOTONIC is one clock for every
/// process on the machine, so marks from different workers can be compared directly.
public struct PhaseMarks: Codable, Equatable, Sendable {
    public var setupStart: UInt64 = 0
    public var setupEnd: UInt64 = 0
    public var runStart: UInt64 = 0
    public var runEnd: UInt64 = 0
    /// When the last notification (or drained update) arrived.
    public var lastDelivery: UInt64 = 0

    public init() {}

    /// Starts take the earliest worker, ends the latest.
    public mutating func merge(_ other: PhaseMarks) {
        setupStart = Self.earliest(setupStart, other.setupStart)
        runStart = Self.earliest(runStart, other.runStart)
        setupEnd = max(setupEnd, other.setupEnd)
        runEnd = max(runEnd, other.runEnd)
        lastDelivery = max(lastDelivery, other.lastDelivery)
    }

    private static func earliest(_ a: UInt64, _ b: UInt64) -> UInt64 {
        a == 0 ? b : (b == 0 ? a : min(a, b))
    }
}

/// What a worker tells the parent: sent as one JSON line on stdout from worker processes.
public struct WorkerReport: Codable, Equatable, Sendable {
    public var worker: Int
    public var phase: WorkerPhase = .settingUp
    public var counters = LoadCounters()
    /// Error counts by kind, e.g. "connect: ECONNREFUSED" or "put: HTTP 404".
    public var errors: [String: Int] = [:]
    /// Connect start → hello answered (and channels registered) for first connections.
    public var setupLatency = LatencyHistogram()
    /// The scenario's own latency: PUT → notification, reconnect → hello, reconnect → all stored
    /// updates.
    public var latency = LatencyHistogram()
    public var marks = PhaseMarks()
    /// Set when the worker could not run at all.
    public var fatal: String?

    public init(worker: Int) { self.worker = worker }

    public mutating func count(error kind: String, _ times: Int = 1) {
        errors[kind, default: 0] += times
        counters.errors += times
    }

    /// Combines every worker's report: counts and histograms add up, the phase is the slowest
    /// worker's.
    public static func merged(_ reports: [WorkerReport]) -> WorkerReport {
        var total = WorkerReport(worker: -1)
        total.phase = reports.map(\.phase).min() ?? .settingUp
        for report in reports {
            total.counters.add(report.counters)
            total.errors.merge(report.errors, uniquingKeysWith: +)
            total.setupLatency.merge(report.setupLatency)
            total.latency.merge(report.latency)
            total.marks.merge(report.marks)
            if let fatal = report.fatal { total.fatal = (total.fatal.map { $0 + "; " } ?? "") + "worker \(report.worker): \(fatal)" }
        }
        return total
    }
}
