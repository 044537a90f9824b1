#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a plan: starts the workers (threads for one process, processes otherwise), shows
/// progress, reads server memory once every device is up, starts the measured phase on every
/// worker at once, and collects the results.
public enum LoadRun {
    /// Time between "every device is up" and the memory reading, so the server has finished
    /// the last hellos.
    static let settleSeconds = 1.0
    /// How long past the plan's timeout the parent waits before it kills its workers.
    static let graceSeconds = 10.0

    public static func execute(plan: LoadPlan, serverPIDs: [Int32] = [], progress: ProgressPrinter? = ProgressPrinter(),
                               executable: String? = nil) throws -> RunSummary {
        signal(SIGPIPE, SIG_IGN)
        Interruption.install()
        _ = SystemLimits.current()
        let startedAt = Date()
        let start = MonotonicClock.now()
        let rssBefore = ServerMemory.sample(serverPIDs)
        let workers = try startWorkers(plan: plan, executable: executable)

        var previous: WorkerReport?
        var previousAt = start
        var readyAt: UInt64?
        var serverMemory: ServerMemory?
        var goSent = false
        /// Server CPU seconds and the time when the measured phase began.
        var cpuAtGo: (seconds: Double, at: UInt64)?
        var stopSentAt: UInt64?
        let deadline = start + MonotonicClock.nanoseconds(plan.timeout + graceSeconds)

        while !workers.allSatisfy(\.isDone) {
            usleep(200_000)
            let now = MonotonicClock.now()
            let merged = WorkerReport.merged(workers.map(\.latest))
            if now - previousAt >= 1_000_000_000 || previous == nil {
                progress?.show(ProgressLine.text(merged, previous: previous, interval: MonotonicClock.seconds(now - previousAt),
                                                 elapsed: MonotonicClock.seconds(now - start), plan: plan), now: now)
                previous = merged
                previousAt = now
            }
            if !goSent && merged.phase >= .ready {
                readyAt = readyAt ?? now
                let settle = serverPIDs.isEmpty ? 0 : MonotonicClock.nanoseconds(settleSeconds)
                if now - readyAt! >= settle {
                    if !serverPIDs.isEmpty {
                        let current = WorkerReport.merged(workers.map(\.latest))
                        serverMemory = ServerMemory(pids: serverPIDs, rssBeforeKiB: rssBefore,
                                                    rssAfterKiB: ServerMemory.sample(serverPIDs), connections: current.counters.open)
                    }
                    if !serverPIDs.isEmpty { cpuAtGo = (ServerCPU.sample(serverPIDs), MonotonicClock.now()) }
                    workers.forEach { $0.send(.go) }
                    goSent = true
                }
            }
            if let stopSentAt {
                // Workers close their connections and report within moments of a stop.
                if now >= stopSentAt + MonotonicClock.nanoseconds(graceSeconds) {
                    workers.forEach { $0.terminate() }
                    break
                }
            } else if now >= deadline || Interruption.requested {
                workers.forEach { $0.send(.stop) }
                stopSentAt = now
            }
        }
        progress?.finish()
        // From the measured phase's start to the workers' end (their last notifications and closes).
        let serverCPU = cpuAtGo.map { ServerCPU(seconds: ServerCPU.sample(serverPIDs) - $0.seconds,
                                                wallSeconds: MonotonicClock.seconds(MonotonicClock.now() - $0.at)) }
        var final = WorkerReport.merged(workers.map(\.latest))
        if final.phase != .finished && final.fatal == nil { final.fatal = "workers did not finish in time" }
        return RunSummary(plan: plan, report: final, startedAt: startedAt,
                          elapsedSeconds: MonotonicClock.seconds(MonotonicClock.now() - start), serverMemory: serverMemory, serverCPU: serverCPU)
    }

    private static func startWorkers(plan: LoadPlan, executable: String?) throws -> [WorkerHandle] {
        if plan.procs == 1 { return [try ThreadWorker(plan: plan, index: 0)] }
        let path = try executable ?? ownExecutable()
        var started: [WorkerHandle] = []
        do {
            for index in 0 ..< plan.procs {
                started.append(try ProcessWorker(executable: path, plan: plan, index: index))
            }
        } catch {
            started.forEach { $0.terminate() }
            throw LoadTestError.system("could not start worker processes: \(error)")
        }
        return started
    }

    /// This binary, resolved now so workers run the same file even if it is replaced meanwhile.
    static func ownExecutable() throws -> String {
        var buffer = [Int8](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw LoadTestError.system("cannot resolve /proc/self/exe") }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
