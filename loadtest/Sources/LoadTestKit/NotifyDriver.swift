/// `notify`: send updates to the devices' channels at the planned rate and time each from its
/// request to its notification. Requests are numbered from 0 in each worker; SimplePush finds
/// request i again by its version, i + 1, WebPush by the message id its 201 names.
final class NotifyDriver: ScenarioDriver {
    private unowned let worker: LoadWorker
    /// Every (device, channel) with an endpoint, sent to in turn.
    private var targets: [(device: Int, channel: Int)] = []
    private var cursor = 0
    private var schedule: RateSchedule?
    private var sendUntil: UInt64 = .max
    private var drainUntil: UInt64 = .max
    /// Per request: when it went out.
    private var sentAt: [UInt64] = []
    private var state: [VersionState] = []
    private var answered = 0
    private var deliveredUnreceived = 0
    /// Set while the HTTP pool is being opened before the measured phase.
    private var warmingUntil: UInt64?
    private let webPush: Bool
    private var messages = MessageMatcher()

    private struct VersionState: OptionSet {
        let rawValue: UInt8
        static let received = VersionState(rawValue: 1)
        /// Answered 200 (SimplePush) or 201 (WebPush).
        static let delivered = VersionState(rawValue: 2)
    }

    init(worker: LoadWorker) {
        self.worker = worker
        webPush = worker.plan.webPush != nil
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
        guard worker.updates.send(path: path, version: version, tag: Int(version), now: now) else { return false }
        cursor += 1
        sentAt.append(now)
        state.append([])
        worker.report.counters.putsSent += 1
        return true
    }

    func updateAnswered(_ request: UpdateSender.Request, _ answer: UpdateSender.Answer?, now: UInt64) {
        answered += 1
        let index = request.tag - 1
        guard index >= 0 && index < state.count, let answer else { return }
        switch answer.status {
        case 200 where !webPush:
            markDelivered(index)
        case 202 where !webPush:
            worker.report.count(error: "put: HTTP 202 (stored, device not connected)")
        case 201 where webPush:
            guard let id = answer.location.flatMap(MessageMatcher.messageID(location:)) else {
                worker.report.count(error: "post: 201 without a message id in Location")
                return
            }
            if let arrival = messages.accepted(id, index: index) {
                settle(index, arrivedAt: arrival)
            } else {
                markDelivered(index)
            }
        default:
            break
        }
    }

    private func markDelivered(_ index: Int) {
        state[index].insert(.delivered)
        if !state[index].contains(.received) { deliveredUnreceived += 1 }
    }

    func received(_ updates: [UpdateRef], on device: Device, now: UInt64) {
        for update in updates {
            let index = Int(update.version) - 1
            guard index >= 0 && index < sentAt.count else {
                worker.report.count(error: "notification: unknown version")
                continue
            }
            settle(index, arrivedAt: now)
        }
    }

    func received(webPush update: WebPushUpdate, on device: Device, now: UInt64) {
        switch messages.arrived(update.messageID, at: now) {
        case .matched(let index): settle(index, arrivedAt: now)
        case .early: break  // timed when its 201 is read
        case .duplicate: worker.report.count(error: "notification: duplicate")
        }
    }

    /// Request `index`'s notification arrived: time it from the request.
    private func settle(_ index: Int, arrivedAt arrival: UInt64) {
        guard !state[index].contains(.received) else {
            worker.report.count(error: "notification: duplicate")
            return
        }
        state[index].insert(.received)
        if state[index].contains(.delivered) { deliveredUnreceived -= 1 }
        worker.report.latency.record(nanoseconds: arrival - sentAt[index])
        worker.report.marks.lastDelivery = max(worker.report.marks.lastDelivery, arrival)
    }

    private func end(now: UInt64) {
        if deliveredUnreceived > 0 {
            let answer = webPush ? "POST answered 201" : "PUT answered 200"
            worker.report.count(error: "notification: never arrived (\(answer))", deliveredUnreceived)
        }
        if messages.unclaimed > 0 { worker.report.count(error: "notification: unknown message id", messages.unclaimed) }
        let unanswered = sentAt.count - answered
        if unanswered > 0 { worker.report.count(error: "\(worker.updates.requestName): no answer", unanswered) }
        worker.finish(now: now)
    }
}
