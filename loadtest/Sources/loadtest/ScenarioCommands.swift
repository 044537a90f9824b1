import ArgumentParser
import LoadTestKit

struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open --clients connections at up to --rate per second, hello (and register --channels), hold them idle for --duration.")

    @OptionGroup var common: CommonOptions
    @Option(help: "New connections per second (default: \(defaultRate(.connect))).")
    var rate: Double?

    func run() throws {
        var request = common.request(.connect)
        request.rate = rate
        try common.run(request)
    }
}

/// Options of the scenarios that send updates as an app server would.
struct UpdateOptions: ParsableArguments {
    @Option(help: "SimplePush: bytes of data sent with each update (default: 0).")
    var dataSize: Int?
    @Option(help: "Keep-alive HTTP connections for the updates, over all processes (default: \(PlanRequest.defaultHTTPConnections)).")
    var httpConnections: Int?
    @Option(help: "Seconds to wait for outstanding notifications after the last update (default: \(PlanRequest.defaultDrainTimeout)).")
    var drainTimeout: Double?
    @Flag(name: .customLong("webpush"), help: "Speak WebPush: devices say use_webpush, the app server POSTs with VAPID and expects 201 (default: SimplePush).")
    var webPush = false
    @Option(help: "WebPush: bytes of each push's aes128gcm-shaped body, 0 for none or \(PlanRequest.minPayloadBytes)…\(PlanRequest.maxPayloadBytes) (default: 0).")
    var payloadBytes: Int?
    @Flag(help: "WebPush: sign a fresh VAPID token for every push, defeating the server's token cache (default: one token per worker process).")
    var vapidPerPush = false
    @Option(help: "Send the updates to this endpoint (http://host:port) instead of each pushEndpoint's own host: another node of a fleet, which hands them on (default: the pushEndpoint's host).")
    var updateURL: String?

    func apply(to request: inout PlanRequest) {
        request.dataSize = dataSize
        request.httpConnections = httpConnections
        request.drainTimeout = drainTimeout
        request.webPush = webPush
        request.payloadBytes = payloadBytes
        request.vapidPerPush = vapidPerPush
        request.updateURL = updateURL
    }
}

/// A scenario's default rate as the help shows it.
func defaultRate(_ scenario: Scenario) -> Int { Int(PlanRequest.defaultRate(scenario)) }

struct Notify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect and register devices, then send updates at --rate for --duration; every notification is acked and timed from its request.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var updates: UpdateOptions
    @Option(help: "Updates (PUTs, or POSTs with --webpush) per second (default: \(defaultRate(.notify))).")
    var rate: Double?
    @Option(help: "New connections per second while setting up (default: \(PlanRequest.defaultConnectRate)).")
    var connectRate: Double?
    @Option(help: "Most updates to send (default: rate × duration).")
    var maxCount: Int?
    @Flag(help: "Search the highest rate held with 0 errors and at least 99% of the plan sent: runs of --duration each, from --rate doubling until one fails, then bisecting (default: one run at --rate).")
    var findMax = false
    @Option(help: "Seconds the --find-max search may take in all; it stops before a run that would overrun it (default: \(Int(MaxRateSearch.defaultBudgetSeconds))).")
    var findMaxBudget: Double?

    func validate() throws {
        if findMax && maxCount != nil { throw ValidationError("--find-max sets the count of each run from its rate; drop --max-count") }
        if findMaxBudget != nil && !findMax { throw ValidationError("--find-max-budget needs --find-max") }
        if let findMaxBudget, !(1...3600).contains(findMaxBudget) { throw ValidationError("--find-max-budget must be 1…3600 seconds") }
    }

    func run() throws {
        var request = common.request(.notify)
        request.rate = rate
        request.connectRate = connectRate
        request.maxCount = maxCount
        updates.apply(to: &request)
        if findMax {
            return try common.runSearch(request, budget: findMaxBudget ?? MaxRateSearch.defaultBudgetSeconds)
        }
        try common.run(request)
    }
}

struct Churn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconnect storm: devices drop and reconnect with their UAID at --rate per second for --duration.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Reconnects per second (default: \(defaultRate(.churn))).")
    var rate: Double?
    @Option(help: "New connections per second while setting up (default: \(PlanRequest.defaultConnectRate)).")
    var connectRate: Double?
    @Option(help: "Most reconnects (default: rate × duration).")
    var maxCount: Int?

    func run() throws {
        var request = common.request(.churn)
        request.rate = rate
        request.connectRate = connectRate
        request.maxCount = maxCount
        try common.run(request)
    }
}

struct Stored: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send every channel one update while its device is offline, then reconnect the devices and time the stored updates draining.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var updates: UpdateOptions
    @Option(help: "Updates per second while the devices are offline (default: \(defaultRate(.stored))).")
    var rate: Double?
    @Option(help: "Connections per second, for set-up and for the reconnects that drain (default: \(PlanRequest.defaultConnectRate)).")
    var connectRate: Double?

    func run() throws {
        var request = common.request(.stored)
        request.rate = rate
        request.connectRate = connectRate
        updates.apply(to: &request)
        try common.run(request)
    }
}

/// What the parent starts for each worker process; not for people.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: WorkerEntry.commandName, shouldDisplay: false)

    @Option var plan: String
    @Option var index: Int

    func run() throws {
        let status = WorkerEntry.run(planJSON: plan, index: index)
        if status != 0 { throw ExitCode(status) }
    }
}
