/// `notify`: PUT to the devices' channels at the planned rate and time every update from its PUT
/// to its notification. Versions count up from 1 in each worker, so a version names one PUT.
final class NotifyDriver: ScenarioDriver {
    private unowned let worker: LoadWorker
    /// Every (device, channel) with an endpoint, PUT to in turn.
    private var targets: [(device: Int, channel: Int)] = []
    private var cursor = 0
    private var schedule: RateSchedule?
    private var sendUntil: UInt64 = .max
    private var drainUntil: UInt64 = .max
    /// Per version (index version - 1): when its PUT went out.
    private var sentAt: [UInt64] = []
    private var state: [VersionState] = []
    private var answered = 0
    private var deliveredUnreceived = 0
    /// Set while the HTTP pool is being opened before the measured phase.
    private var warmingUntil: UInt64?
    private let body: (Int64) -> String

    private struct VersionState: OptionSet {
        let rawValue: UInt8
        static let received = VersionState(rawValue: 1)
        static let delivered = VersionState(rawValue: 2)
    }

    init(worker: LoadWorker) {
        self.worker = worker
        body = UpdateBody.maker(dataSize: worker.plan.dataSize)
    }

    func setupFinished(now: UInt64) {
        for device in worker.devices where device.stage == .ready {
            for (channel, path) in device.endpointPaths.enumerated() where path != nil {
                targets.append((device.slot, channel))
            }
        }
        if targets.isEmpty && !worker.devices.isEmpty { worker.report.count(error: "notify: no registered channel to send to") }
        worker.updates.preconnect()
        warmingUntil = now + MonotonicClock.nanoseconds(worker.plan.setupTimeout)
    }

    func start(now: UInt64) {
        guard !targets.isEmpty else {
            worker.finish(now: now)
            return
        }
        schedule = RateSchedule(start: now, perSecond: worker.share.rate)
        sendUntil = now + MonotonicClock.nanoseconds(worker.plan.duration)
        sentAt.reserveCapacity(min(worker.share.maxCount, 4_000_000))
    }

    var wantsPromptTicks: Bool { schedule != nil && drainUntil == .max }

    func tick(now: UInt64) {
        if let until = warmingUntil, !worker.updates.isConnecting || now >= until {
            warmingUntil = nil
            worker.markReady(now: now)
        }
        guard let schedule else { return }
        if drainUntil == .max {
            if now < sendUntil && sentAt.count < worker.share.maxCount {
                let due = min(worker.share.maxCount, schedule.due(at: now))
                worker.report.counters.putsScheduled = max(worker.report.counters.putsScheduled, due)
                while sentAt.count < due && sendNext(now: now) {}
            } else {
                drainUntil = now + MonotonicClock.nanoseconds(worker.plan.drainTimeout)
            }
        }
        if drainUntil != .max {
            let settled = answered == sentAt.count && deliveredUnreceived == 0
            if settled || now >= drainUntil { end(now: now) }
        }
    }

    private func sendNext(now: UInt64) -> Bool {
        guard worker.updates.hasCapacity else { return false }
        let target = targets[cursor % targets.count]
        guard let path = worker.devices[target.device].endpointPaths[target.channel] else { return false }
        let version = Int64(sentAt.count + 1)
        guard worker.updates.put(path: path, body: body(version), tag: Int(version), now: now) else { return false }
        cursor += 1
        sentAt.append(now)
        state.append([])
        worker.report.counters.putsSent += 1
        return true
    }

    func putAnswered(_ put: UpdateSender.Put, status: Int?, now: UInt64) {
        answered += 1
        let index = put.tag - 1
        guard index >= 0 && index < state.count else { return }
        switch status {
        case 200:
            state[index].insert(.delivered)
            if !state[index].contains(.received) { deliveredUnreceived += 1 }
        case 202:
            worker.report.count(error: "put: HTTP 202 (stored, device not connected)")
        default:
            break
        }
    }

    func received(_ updates: [UpdateRef], on device: Device, now: UInt64) {
        for update in updates {
            let index = Int(update.version) - 1
            guard index >= 0 && index < sentAt.count else {
                worker.report.count(error: "notification: unknown version")
                continue
            }
            guard !state[index].contains(.received) else {
                worker.report.count(error: "notification: duplicate")
                continue
            }
            state[index].insert(.received)
            if state[index].contains(.delivered) { deliveredUnreceived -= 1 }
            worker.report.latency.record(nanoseconds: now - sentAt[index])
            worker.report.marks.lastDelivery = now
        }
    }

    private func end(now: UInt64) {
        if deliveredUnreceived > 0 {
            worker.report.count(error: "notification: never arrived (PUT answered 200)", deliveredUnreceived)
        }
        let unanswered = sentAt.count - answered
        if unanswered > 0 { worker.report.count(error: "put: no answer", unanswered) }
        worker.finish(now: now)
    }
}

/// The form body of an update: `version=N`, plus `data` of the planned size.
enum UpdateBody {
    static func maker(dataSize: Int) -> (Int64) -> String {
        guard dataSize > 0 else { return { "version=\($0)" } }
        // Letters and digits need no form encoding, so the data is exactly dataSize bytes.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let data = String((0 ..< dataSize).map { alphabet[$0 % alphabet.count] })
        return { "version=\($0)&data=\(data)" }
    }
}
