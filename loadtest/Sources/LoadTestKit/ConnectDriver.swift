/// `connect`: once every device is set up, hold the connections idle for the duration.
final class ConnectDriver: ScenarioDriver {
    private unowned let worker: LoadWorker
    private var holdUntil: UInt64 = .max

    init(worker: LoadWorker) { self.worker = worker }

    func setupFinished(now: UInt64) { worker.markReady(now: now) }

    func start(now: UInt64) { holdUntil = now + MonotonicClock.nanoseconds(worker.plan.duration) }

    func tick(now: UInt64) {
        if now >= holdUntil { worker.finish(now: now) }
    }

    var wantsPromptTicks: Bool { false }
}
