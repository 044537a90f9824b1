import ArgumentParser
import LoadTestKit

struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open --clients connections at up to --rate per second, hello (and register --channels), hold them idle for --duration.")

    @OptionGroup var common: CommonOptions
    @Option(help: "New connections per second.")
    var rate: Double?

    func run() throws {
        var request = common.request(.connect)
        request.rate = rate
        try common.run(request)
    }
}

/// Options of the scenarios that PUT updates as an app server would.
struct UpdateOptions: ParsableArguments {
    @Option(help: "Bytes of data sent with each update.")
    var dataSize: Int?
    @Option(help: "Keep-alive HTTP connections for the PUTs (over all processes).")
    var httpConnections: Int?
    @Option(help: "Seconds to wait for outstanding notifications after the last PUT.")
    var drainTimeout: Double?

    func apply(to request: inout PlanRequest) {
        request.dataSize = dataSize
        request.httpConnections = httpConnections
        request.drainTimeout = drainTimeout
    }
}

struct Notify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect and register devices, then PUT updates at --rate for --duration; every notification is acked and timed from its PUT.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var updates: UpdateOptions
    @Option(help: "PUTs per second.")
    var rate: Double?
    @Option(help: "New connections per second while setting up.")
    var connectRate: Double?
    @Option(help: "Most PUTs to send (default: rate × duration).")
    var maxCount: Int?

    func run() throws {
        var request = common.request(.notify)
        request.rate = rate
        request.connectRate = connectRate
        request.maxCount = maxCount
        updates.apply(to: &request)
        try common.run(request)
    }
}

struct Churn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconnect storm: devices drop and reconnect with their UAID at --rate per second for --duration.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Reconnects per second.")
    var rate: Double?
    @Option(help: "New connections per second while setting up.")
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
        abstract: "PUT to every channel while its device is offline, then reconnect the devices and time the stored updates draining.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var updates: UpdateOptions
    @Option(help: "PUTs per second while the devices are offline.")
    var rate: Double?
    @Option(help: "Connections per second, for set-up and for the reconnects that drain.")
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
