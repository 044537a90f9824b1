/// `churn`: devices drop their connection and reconnect with their UAID (and channels), in turn,
/// at the planned rate — a reconnect storm. Times each reconnect from connect to hello answer.
final class ChurnDriver: ScenarioDriver {
    private unowned let worker: LoadWorker
    private var schedule: RateSchedule?
    private var churnUntil: UInt64 = .max
    private var issued = 0
    /// Reconnects that got their hello answered or failed.
    private var settled = 0
    private var cursor = 0
    private var stopped = false
    private var settleUntil: UInt64 = .max

    init(worker: LoadWorker) { self.worker = worker }

    func setupFinished(now: UInt64) { worker.markReady(now: now) }

    func start(now: UInt64) {
        schedule = RateSchedule(start: now, perSecond: worker.share.rate)
        churnUntil = now + MonotonicClock.nanoseconds(worker.plan.duration)
    }

    var wantsPromptTicks: Bool { schedule != nil && !stopped }

    func tick(now: UInt64) {
        guard let schedule else { return }
        if !stopped {
            if now < churnUntil && issued < worker.share.maxCount {
                let due = min(worker.share.maxCount, schedule.due(at: now))
                var probes = 0
                while issued < due && probes < worker.devices.count {
                    probes += 1
                    if reconnectNext(now: now) { issued += 1 }
                }
            } else {
                stopped = true
                settleUntil = now + MonotonicClock.nanoseconds(worker.plan.setupTimeout)
            }
        }
        if stopped && (now >= settleUntil || settled >= issued) {
            worker.finish(now: now)
        }
    }

    /// Reconnects the next device that has a UAID and is not mid-connect.
    private func reconnectNext(now: UInt64) -> Bool {
        let device = worker.devices[cursor % worker.devices.count]
        cursor += 1
        guard !device.uaid.isEmpty, !device.isSettingUp else { return false }
        if device.stage == .ready { worker.disconnect(device) }
        worker.connect(device, purpose: .resume, now: now)
        return true
    }

    func deviceLost(_ device: Device, whileConnecting: Bool, now: UInt64) {
        if whileConnecting { settled += 1 }
    }

    func deviceResumed(_ device: Device, now: UInt64) {
        settled += 1
        worker.report.counters.reconnects += 1
        worker.report.latency.record(nanoseconds: now - device.attemptStarted)
    }
}
