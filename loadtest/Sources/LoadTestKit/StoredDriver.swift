/// `stored`: register, go offline, send every channel one update while offline (the server must
/// store each: SimplePush answers 202, WebPush 201), then reconnect everyone and time how fast the
/// stored updates drain.
final class StoredDriver: ScenarioDriver {
    private enum State {
        case settingUp
        /// Devices closed; give the server a moment to notice before storing.
        case waitingForServer(until: UInt64)
        case storing(RateSchedule)
        case stored
        case draining(RateSchedule)
    }

    private unowned let worker: LoadWorker
    private var state = State.settingUp
    private var targets: [(device: Int, channel: Int)] = []
    private var putsAnswered = 0
    private var lastPutAt: UInt64 = 0
    private var toDrain: [Device] = []
    private var reconnected = 0
    /// Reconnects that got their hello answered or failed.
    private var reconnectsSettled = 0
    private var devicesDone = 0
    private var drainUntil: UInt64 = .max
    private let webPush: Bool
    /// A fresh channel's first version; any version moves it forward.
    private static let version: Int64 = 1

    init(worker: LoadWorker) {
        self.worker = worker
        webPush = worker.plan.webPush != nil
    }

    func setupFinished(now: UInt64) {
        for device in worker.devices where device.stage == .ready {
            worker.disconnect(device)
            for (channel, path) in device.endpointPaths.enumerated() where path != nil {
                targets.append((device.slot, channel))
            }
        }
        state = .waitingForServer(until: now + 500_000_000)
    }

    var wantsPromptTicks: Bool {
        switch state {
        case .storing, .draining: return true
        default: return false
        }
    }

    func tick(now: UInt64) {
        switch state {
        case .settingUp, .stored:
            break
        case .waitingForServer(let until):
            if now >= until { state = .storing(RateSchedule(start: now, perSecond: worker.share.rate)) }
        case .storing(let schedule):
            store(schedule, now: now)
        case .draining(let schedule):
            drain(schedule, now: now)
        }
    }

    private func store(_ schedule: RateSchedule, now: UInt64) {
        let due = min(targets.count, schedule.due(at: now))
        worker.report.counters.putsScheduled = max(worker.report.counters.putsScheduled, due)
        while worker.report.counters.putsSent < due {
            let target = targets[worker.report.counters.putsSent]
            guard let path = worker.devices[target.device].endpointPaths[target.channel],
                  worker.updates.send(path: path, version: Self.version, tag: worker.report.counters.putsSent, now: now) else { break }
            worker.report.counters.putsSent += 1
            lastPutAt = now
        }
        let allSent = worker.report.counters.putsSent == targets.count
        let timedOut = lastPutAt > 0 && now - lastPutAt > MonotonicClock.nanoseconds(worker.plan.setupTimeout)
        if allSent && (putsAnswered == targets.count || timedOut) {
            toDrain = worker.devices.filter { !$0.awaitedChannels.isEmpty }
            state = .stored
            worker.markReady(now: now)
        }
    }

    func updateAnswered(_ request: UpdateSender.Request, _ answer: UpdateSender.Answer?, now: UInt64) {
        putsAnswered += 1
        guard request.tag >= 0 && request.tag < targets.count else { return }
        let target = targets[request.tag]
        let device = worker.devices[target.device]
        switch answer?.status {
        case 202 where !webPush, 201 where webPush:
            device.awaitedChannels.insert(device.channelIDs[target.channel].lowercased())
        case 200 where !webPush:
            worker.report.count(error: "put: HTTP 200 (delivered to a device that had disconnected)")
        default:
            break
        }
    }

    func start(now: UInt64) {
        guard !toDrain.isEmpty else {
            worker.finish(now: now)
            return
        }
        state = .draining(RateSchedule(start: now, perSecond: worker.share.connectRate))
        drainUntil = now + MonotonicClock.nanoseconds(worker.plan.duration)
    }

    private func drain(_ schedule: RateSchedule, now: UInt64) {
        let due = min(toDrain.count, schedule.due(at: now))
        while reconnected < due && reconnected - reconnectsSettled < worker.plan.maxPending {
            worker.connect(toDrain[reconnected], purpose: .resume, now: now)
            reconnected += 1
        }
        if devicesDone == toDrain.count || now >= drainUntil { end(now: now) }
    }

    func deviceResumed(_ device: Device, now: UInt64) {
        worker.report.counters.reconnects += 1
        reconnectsSettled += 1
    }

    func received(_ updates: [UpdateRef], on device: Device, now: UInt64) {
        drained(updates.lazy.map(\.channelID), on: device, now: now)
    }

    func received(webPush update: WebPushUpdate, on device: Device, now: UInt64) {
        drained(CollectionOfOne(update.channelID), on: device, now: now)
    }

    /// One notification's channels arrived on a resumed device.
    private func drained(_ channelIDs: some Sequence<String>, on device: Device, now: UInt64) {
        guard case .draining = state else {
            worker.report.count(error: "notification: while offline phase")
            return
        }
        var drainedHere = false
        for channelID in channelIDs {
            if device.awaitedChannels.remove(channelID.lowercased()) != nil {
                worker.report.counters.drained += 1
                worker.report.marks.lastDelivery = now
                drainedHere = true
            } else {
                worker.report.count(error: "drain: unexpected or repeated update")
            }
        }
        if drainedHere && device.awaitedChannels.isEmpty {
            worker.report.latency.record(nanoseconds: now - device.attemptStarted)
            devicesDone += 1
        }
    }

    func deviceLost(_ device: Device, whileConnecting: Bool, now: UInt64) {
        guard case .draining = state else { return }
        if whileConnecting { reconnectsSettled += 1 }
        guard !device.awaitedChannels.isEmpty else { return }
        worker.report.count(error: "drain: connection lost before all stored updates arrived")
        worker.report.count(error: "drain: stored update never arrived", device.awaitedChannels.count)
        device.awaitedChannels.removeAll()
        devicesDone += 1
    }

    private func end(now: UInt64) {
        let missing = toDrain.reduce(0) { $0 + $1.awaitedChannels.count }
        if missing > 0 { worker.report.count(error: "drain: stored update never arrived", missing) }
        worker.finish(now: now)
    }
}
