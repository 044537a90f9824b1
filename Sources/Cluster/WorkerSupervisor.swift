import Logging
import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a cluster's worker processes: starts each, starts again one that ends (after a back-off
/// that grows while it keeps failing), forwards SIGHUP and SIGUSR1 to all, and on SIGTERM or
/// SIGINT stops all of them gracefully, killing those still running after `stopTimeout`.
public actor WorkerSupervisor {
    public struct Plan: Sendable {
        /// The program each worker runs, and its arguments for worker i.
        public var executable: String
        public var arguments: @Sendable (Int) -> [String]
        public var procs: Int
        public var policy = RestartPolicy()
        /// Longest wait for the workers to stop after SIGTERM before SIGKILL.
        public var stopTimeout: Double

        public init(executable: String, arguments: @escaping @Sendable (Int) -> [String], procs: Int, stopTimeout: Double) {
            self.executable = executable
            self.arguments = arguments
            self.procs = procs
            self.stopTimeout = stopTimeout
        }
    }

    private struct Slot {
        var pid: pid_t?
        var startedAt = ContinuousClock.now
        var firstRun = true
        var restartsInARow = 0
        var restartAt: ContinuousClock.Instant?
    }

    private let plan: Plan
    private let logger: Logger
    private let onSignal: @Sendable (UnixSignal) -> Void
    private var slots: [Slot]
    private var stopDeadline: ContinuousClock.Instant?
    private var killed = false
    private var failure: String?

    /// `onSignal` sees each forwarded signal too (the supervisor reopens its own log on SIGUSR1).
    public init(_ plan: Plan, logger: Logger, onSignal: @escaping @Sendable (UnixSignal) -> Void = { _ in }) {
        self.plan = plan
        self.logger = logger
        self.onSignal = onSignal
        slots = Array(repeating: Slot(), count: plan.procs)
    }

    /// Returns the exit status for the supervisor: 0 after a requested stop, 1 when a worker could not start.
    public func run() async -> Int32 {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup, .sigusr1)
        let listening = Task { for await signal in signals { self.received(signal) } }
        defer { listening.cancel() }
        logger.info("starting workers", metadata: ["procs": "\(plan.procs)"])
        for index in slots.indices { start(index) }
        while !isFinished {
            check()
            try? await Task.sleep(for: .milliseconds(50))
        }
        if let failure {
            logger.error("cluster stopped: a worker could not start", metadata: ["reason": "\(failure)"])
            return 1
        }
        logger.info("all workers stopped")
        return 0
    }

    /// This program's own file, to start the workers from.
    public static func currentExecutable(fallback: String) -> String {
        WorkerProcess.currentExecutable(fallback: fallback)
    }

    private var isFinished: Bool { stopDeadline != nil && slots.allSatisfy { $0.pid == nil } }

    private func received(_ signal: UnixSignal) {
        switch signal {
        case .sigterm, .sigint:
            if stopDeadline == nil {
                logger.info("stopping workers", metadata: ["signal": "\(signal)"])
                stop()
            } else {
                logger.notice("second stop signal: killing the workers", metadata: ["signal": "\(signal)"])
                killAll()
            }
        default:
            onSignal(signal)
            for pid in slots.compactMap(\.pid) { WorkerProcess.signal(pid, signal.rawValue) }
        }
    }

    private func start(_ index: Int) {
        slots[index].restartAt = nil
        do {
            let pid = try WorkerProcess.spawn(plan.executable, arguments: plan.arguments(index))
            slots[index].pid = pid
            slots[index].startedAt = .now
            logger.info("worker started", metadata: ["worker": "\(index)", "pid": "\(pid)"])
        } catch {
            logger.error("cannot start a worker", metadata: ["worker": "\(index)", "error": "\(error)"])
            scheduleRestart(index, ranFor: 0)
        }
    }

    /// Collects the workers that ended, starts those whose back-off is over, and kills what is
    /// left once a stop has run out of time.
    private func check() {
        for (pid, ending) in WorkerProcess.reapEnded() {
            guard let index = slots.firstIndex(where: { $0.pid == pid }) else { continue }
            ended(index, ending)
        }
        let now = ContinuousClock.now
        if let deadline = stopDeadline {
            if now >= deadline && !killed {
                logger.warning("workers still running after the stop timeout: killing them",
                               metadata: ["timeout": "\(plan.stopTimeout)s"])
                killAll()
            }
            return
        }
        for index in slots.indices {
            if let due = slots[index].restartAt, due <= now { start(index) }
        }
    }

    private func ended(_ index: Int, _ ending: RestartPolicy.Ending) {
        let slot = slots[index]
        slots[index].pid = nil
        let ranFor = Self.seconds(slot.startedAt.duration(to: .now))
        let how: String
        switch ending {
        case .exited(let status): how = "exit status \(status)"
        case .signaled(let signal): how = "signal \(signal)"
        }
        guard stopDeadline == nil else {
            logger.info("worker stopped", metadata: ["worker": "\(index)", "pid": "\(slot.pid ?? 0)", "how": "\(how)"])
            return
        }
        if plan.policy.isStartupFailure(ending, firstRun: slot.firstRun, ranFor: ranFor) {
            failure = "worker \(index) ended with \(how) \(format2(ranFor)) s after it started"
            stop()
            return
        }
        logger.error("worker ended", metadata: ["worker": "\(index)", "pid": "\(slot.pid ?? 0)", "how": "\(how)",
                                                "ran": "\(format2(ranFor))s"])
        scheduleRestart(index, ranFor: ranFor)
    }

    private func scheduleRestart(_ index: Int, ranFor: Double) {
        slots[index].firstRun = false
        let (delay, restarts) = plan.policy.delay(afterRestartsInARow: slots[index].restartsInARow, ranFor: ranFor)
        slots[index].restartsInARow = restarts
        slots[index].restartAt = .now + .milliseconds(Int64(delay * 1000))
        logger.info("starting the worker again", metadata: ["worker": "\(index)", "in": "\(format2(delay))s"])
    }

    private func stop() {
        stopDeadline = .now + .milliseconds(Int64(plan.stopTimeout * 1000))
        for index in slots.indices {
            slots[index].restartAt = nil
            if let pid = slots[index].pid { WorkerProcess.signal(pid, SIGTERM) }
        }
    }

    private func killAll() {
        killed = true
        for pid in slots.compactMap(\.pid) { WorkerProcess.signal(pid, SIGKILL) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Two decimals, without Foundation.
private func format2(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
