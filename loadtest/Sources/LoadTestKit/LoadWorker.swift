#if canImport(Glibc)
import Glibc
#endif
import CEpoll
import TLS

/// One event loop driving a share of the devices (and, for update scenarios, the app-server side)
/// on the calling thread: one epoll set, one read buffer, no thread per connection.
public final class LoadWorker {
    let plan: LoadPlan
    let share: WorkerShare
    let control: ControlSource
    let publish: (WorkerReport) -> Void
    var report: WorkerReport
    let epoll: Int32
    var devices: [Device]
    var driver: ScenarioDriver!
    var updates: UpdateSender!
    var random = FastRandom()
    let readBuffer: UnsafeMutableRawBufferPointer
    /// One client context for every device of a wss:// run.
    let tlsContext: TLSContext?

    static let controlToken: UInt64 = 1 << 41
    static let httpTokenBit: UInt64 = 1 << 40
    static let maxServerMessage = 1 << 20

    // Set-up pacing.
    var setupSchedule: RateSchedule?
    var nextToSetUp = 0
    var setupInFlight = 0
    var setupSettled = 0
    var setupDone = false
    var goReceived = false
    let hardDeadline: UInt64

    /// `control` delivers go/stop; `publish` receives progress snapshots and the final report.
    init(plan: LoadPlan, worker index: Int, control: ControlSource, publish: @escaping (WorkerReport) -> Void) throws {
        self.plan = plan
        share = plan.share(of: index)
        self.control = control
        self.publish = publish
        report = WorkerReport(worker: index)
        hardDeadline = MonotonicClock.now() + MonotonicClock.nanoseconds(plan.timeout)
        do {
            tlsContext = try plan.tls.map { try TLSContext.client(trusting: $0.caFile) }
        } catch {
            throw LoadTestError.system("TLS client context: \(error)")
        }
        epoll = cepoll_create()
        guard epoll >= 0 else { throw LoadTestError.system("epoll_create failed: \(ErrnoName.of(errno))") }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        devices = share.clients.enumerated().map { Device(client: $0.element, slot: $0.offset) }
        var channelRandom = FastRandom()
        for device in devices {
            device.channelIDs = (0 ..< plan.channels).map { _ in channelRandom.uuidString() }
            device.endpointPaths = Array(repeating: nil, count: plan.channels)
        }
        let requests: UpdateRequests = plan.webPush.map { WebPushRequests(plan: $0) } ?? SimplePushRequests(dataSize: plan.dataSize)
        updates = UpdateSender(requests: requests, maxConnections: share.httpConnections, epoll: epoll,
                               tokenBit: Self.httpTokenBit, scratch: readBuffer)
        updates.onAnswer = { [unowned self] request, answer, now in self.updateAnswered(request, answer, now: now) }
        updates.onError = { [unowned self] kind in self.report.count(error: kind) }
        driver = Self.makeDriver(for: plan.scenario, worker: self)
        guard cepoll_add(epoll, control.fd, UInt32(CEPOLL_IN), Self.controlToken) == 0 else {
            throw LoadTestError.system("epoll_ctl on the control channel failed: \(ErrnoName.of(errno))")
        }
    }

    deinit {
        readBuffer.deallocate()
        close(epoll)
    }

    static func makeDriver(for scenario: Scenario, worker: LoadWorker) -> ScenarioDriver {
        switch scenario {
        case .connect: return ConnectDriver(worker: worker)
        case .notify: return NotifyDriver(worker: worker)
        case .churn: return ChurnDriver(worker: worker)
        case .stored: return StoredDriver(worker: worker)
        }
    }

    /// Runs until the scenario finishes, the parent says stop, or the plan's timeout; returns the
    /// final report (also published).
    @discardableResult
    public func run() -> WorkerReport {
        let events = UnsafeMutablePointer<cepoll_event>.allocate(capacity: 256)
        defer { events.deallocate() }
        var now = MonotonicClock.now()
        report.marks.setupStart = now
        setupSchedule = RateSchedule(start: now, perSecond: share.connectRate)
        var nextSweep = now + 1_000_000_000
        var nextPublish = now
        var lastPublished: WorkerReport?
        if devices.isEmpty { finishSetup(now: now) }

        while report.phase != .finished {
            let setupPacing = !setupDone && nextToSetUp < devices.count
            let timeout: Int32 = setupPacing || (setupDone && driver.wantsPromptTicks) ? 1 : 50
            let count = cepoll_wait(epoll, events, 256, timeout)
            now = MonotonicClock.now()
            if count > 0 {
                for index in 0 ..< Int(count) { dispatch(events[index], now: now) }
            }
            if !setupDone { pumpSetup(now: now) } else if report.phase != .finished { driver.tick(now: now) }
            if now >= nextSweep {
                sweepTimeouts(now: now)
                nextSweep = now + 1_000_000_000
            }
            if now >= hardDeadline && report.phase != .finished {
                report.count(error: "run: stopped at --timeout")
                finish(now: now)
            }
            if now >= nextPublish {
                // Encoding a report's histograms is the costliest thing an idle worker does: an
                // unchanged report (devices held idle) is not sent again.
                if report != lastPublished {
                    publish(report)
                    lastPublished = report
                }
                nextPublish = now + 1_000_000_000
            }
        }
        closeEverything()
        publish(report)
        return report
    }

    private func dispatch(_ event: cepoll_event, now: UInt64) {
        if event.token == Self.controlToken {
            handleControl(now: now)
        } else if event.token & Self.httpTokenBit != 0 {
            updates.handle(index: Int(event.token & ~Self.httpTokenBit), events: event.events, now: now)
        } else {
            let index = Int(event.token)
            guard index < devices.count else { return }
            handleDeviceEvent(devices[index], events: event.events, now: now)
        }
    }

    private func handleControl(now: UInt64) {
        guard let commands = control.receive() else {
            // The parent is gone: nobody would read the results.
            report.count(error: "run: parent went away")
            finish(now: now)
            return
        }
        for command in commands {
            switch command {
            case .go:
                goReceived = true
                startIfReady(now: now)
            case .stop:
                if report.phase != .finished {
                    report.count(error: "run: stopped by parent")
                    finish(now: now)
                }
            }
        }
    }

    // MARK: Phases, for the drivers

    /// The driver has done its own preparation: tell the parent, and start if it already said go.
    func markReady(now: UInt64) {
        guard report.phase == .settingUp else { return }
        report.phase = .ready
        publish(report)
        startIfReady(now: now)
    }

    private func startIfReady(now: UInt64) {
        guard goReceived, report.phase == .ready else { return }
        report.phase = .running
        report.marks.runStart = now
        driver.start(now: now)
    }

    func finish(now: UInt64) {
        guard report.phase != .finished else { return }
        if report.marks.runStart != 0 { report.marks.runEnd = now }
        report.phase = .finished
    }

    // MARK: Set-up

    private func pumpSetup(now: UInt64) {
        if let schedule = setupSchedule {
            let allowed = min(devices.count, schedule.due(at: now))
            while nextToSetUp < allowed && setupInFlight < plan.maxPending {
                let device = devices[nextToSetUp]
                nextToSetUp += 1
                setupInFlight += 1
                connect(device, purpose: .setup, now: now)
            }
        }
        if setupSettled == devices.count { finishSetup(now: now) }
    }

    private func finishSetup(now: UInt64) {
        guard !setupDone else { return }
        setupDone = true
        report.marks.setupEnd = now
        driver.setupFinished(now: now)
    }

    /// A first connection ended, set up or failed.
    func setupSettled(_ device: Device, succeeded: Bool, now: UInt64) {
        setupInFlight -= 1
        setupSettled += 1
        if succeeded {
            report.counters.ready += 1
            report.setupLatency.record(nanoseconds: now - device.attemptStarted)
        } else {
            report.counters.failed += 1
        }
    }

    private func sweepTimeouts(now: UInt64) {
        let limit = MonotonicClock.nanoseconds(plan.setupTimeout)
        for device in devices where device.isSettingUp && now - device.attemptStarted > limit {
            fail(device, "timeout: \(Self.stageName(device.stage))", now: now)
        }
        updates.sweep(now: now, timeout: limit)
    }

    static func stageName(_ stage: Device.Stage) -> String {
        switch stage {
        case .offline: return "offline"
        case .connecting: return "tcp connect"
        case .securing: return "tls handshake"
        case .upgrading: return "websocket upgrade"
        case .greeting: return "hello"
        case .registering: return "register"
        case .ready: return "idle"
        }
    }

    private func closeEverything() {
        for device in devices where device.fd >= 0 { closeSocket(device) }
        updates.closeAll()
    }

    private func updateAnswered(_ request: UpdateSender.Request, _ answer: UpdateSender.Answer?, now: UInt64) {
        switch answer?.status {
        case 200: report.counters.putsDelivered += 1
        case 202: report.counters.putsStored += 1
        case 201: report.counters.putsAccepted += 1
        default: break
        }
        driver.updateAnswered(request, answer, now: now)
    }
}
