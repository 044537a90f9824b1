import ArgumentParser
import Foundation
import LoadTestKit

/// Options every scenario takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "WebSocket URL of the server (an IPv4 address or localhost).")
    var url = "ws://127.0.0.1:8080/"
    @Option(help: "Devices to connect (at most 200000).")
    var clients: Int?
    @Option(help: "Channels each device registers.")
    var channels: Int?
    @Option(help: "Seconds the measured phase lasts (hold, send, churn; for stored the longest drain).")
    var duration: Double?
    @Option(help: "Worker processes; 0 or absent: as many as the open-file limit requires.")
    var procs: Int?
    @Option(help: "Source addresses 127.0.0.2… to spread connections over; absent: enough for the port range.")
    var sourceAddresses: Int?
    @Option(help: "Connections in set-up at one time, per process.")
    var maxPending: Int?
    @Option(help: "Seconds a connection may take to connect, upgrade, hello and register.")
    var setupTimeout: Double?
    @Option(help: "Hard limit on the whole run in seconds (default: from the plan).")
    var timeout: Double?
    @Flag(help: "Allow a target outside 127.0.0.0/8 (only a server you operate).")
    var allowRemote = false
    @Option(name: .customLong("server-pid"), help: "Server process to read VmRSS from before and after connecting (repeatable).")
    var serverPIDs: [Int32] = []
    @Option(help: "Write the summary as JSON to this file.")
    var json: String?
    @Flag(help: "No live progress line.")
    var quiet = false

    func request(_ scenario: Scenario) -> PlanRequest {
        var request = PlanRequest(scenario: scenario, url: url)
        request.clients = clients
        request.channels = channels
        request.duration = duration
        request.procs = procs
        request.sourceAddresses = sourceAddresses
        request.maxPending = maxPending
        request.setupTimeout = setupTimeout
        request.timeout = timeout
        request.allowRemote = allowRemote
        return request
    }

    /// Validates, runs, prints the table, writes the JSON; exits 2 when the run had errors.
    func run(_ request: PlanRequest) throws {
        let plan: LoadPlan
        do {
            plan = try request.resolve(limits: SystemLimits.current())
        } catch let error as LoadTestError {
            throw ValidationError(error.description)
        }
        let summary = try LoadRun.execute(plan: plan, serverPIDs: serverPIDs, progress: quiet ? nil : ProgressPrinter())
        print(SummaryTable.render(summary))
        if let json {
            try summary.json().write(to: URL(fileURLWithPath: json))
        }
        if summary.fatal != nil { throw ExitCode(1) }
        if !summary.clean { throw ExitCode(2) }
    }
}
