import ArgumentParser
import Foundation
import LoadTestKit

/// Options every scenario takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "WebSocket URL of the server (ws:// or wss://), an IPv4 address or localhost")
    var url = "ws://127.0.0.1:8080/"
    @Option(help: "Devices to connect, at most \(PlanRequest.maxClients) (default: \(PlanRequest.defaultClients)).")
    var clients: Int?
    @Option(help: "Channels each device registers (default: 1 for notify and stored, 0 otherwise).")
    var channels: Int?
    @Option(help: "Seconds the measured phase lasts: hold, send, churn; for stored the longest drain (default: 30 for stored, 10 otherwise).")
    var duration: Double?
    @Option(help: "Worker processes; 0: as many as the open-file limit requires (default: 0).")
    var procs: Int?
    @Option(help: "Source addresses 127.0.0.2… to spread connections over (default: one per 5000 connections, more when the port range is narrow).")
    var sourceAddresses: Int?
    @Option(help: "Connections in set-up at one time, per process (default: \(PlanRequest.defaultMaxPending)).")
    var maxPending: Int?
    @Option(help: "Seconds a connection may take to connect, upgrade, hello and register (default: \(PlanRequest.defaultSetupTimeout)).")
    var setupTimeout: Double?
    @Option(help: "Hard limit on the whole run in seconds (default: the plan's expected length plus a margin).")
    var timeout: Double?
    @Option(help: "With wss://: verify the server's certificate against this CA file (default: no verification, for a test server's throwaway certificate).")
    var caFile: String?
    @Flag(help: "With wss://: make every reconnect a full handshake (default: a reconnect offers the device's last TLS session, as browsers do).")
    var noTLSResume = false
    @Flag(help: "Allow a target outside 127.0.0.0/8, only a server you operate (default: loopback only).")
    var allowRemote = false
    @Option(name: .customLong("server-pid"), help: "Server process to read VmRSS from before and after connecting, and CPU time from over the measured phase, repeatable (default: none).")
    var serverPIDs: [Int32] = []
    @Option(help: "Write the summary as JSON to this file (default: table only).")
    var json: String?
    @Flag(help: "No live progress line (default: a progress line on stderr).")
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
        request.caFile = caFile
        request.noTLSResume = noTLSResume
        return request
    }

    /// Validates, runs, prints the table, writes the JSON; exits 1 on a fatal failure, 2 when the
    /// run had errors, 3 when it was clean but fell short of its plan.
    func run(_ request: PlanRequest) throws {
        let summary = try execute(request)
        try report(summary)
        if summary.exitStatus != 0 { throw ExitCode(summary.exitStatus) }
    }

    /// `--find-max`: short runs at rising, then bisected rates, at most `budget` seconds in all
    /// (plus one run); reports the highest rate held. Exits 4 when no rate was held.
    func runSearch(_ request: PlanRequest, budget: Double) throws {
        _ = try resolve(request)
        let started = MonotonicClock.now()
        let search = MaxRateSearch(firstRate: request.rate ?? PlanRequest.defaultRate(request.scenario), budgetSeconds: budget)
        let outcome = try search.search(run: { rate in
            var probe = request
            probe.rate = rate
            let summary = try execute(probe)
            print(MaxRateReport.line(MaxRateProbe(rate: rate, summary: summary)))
            return summary
        }, elapsed: { MonotonicClock.seconds(MonotonicClock.now() - started) })
        guard var best = outcome.best else {
            print("no rate held: every run had errors or fell short of its plan")
            // The last (lowest) run stands for the search, so a script still finds a summary.
            if var last = outcome.last {
                last.search = outcome.probes
                try report(last)
            }
            throw ExitCode(4)
        }
        best.search = outcome.probes
        print(MaxRateReport.conclusion(best, probes: outcome.probes))
        try report(best)
    }

    private func execute(_ request: PlanRequest) throws -> RunSummary {
        try LoadRun.execute(plan: resolve(request), serverPIDs: serverPIDs, progress: quiet ? nil : ProgressPrinter())
    }

    private func resolve(_ request: PlanRequest) throws -> LoadPlan {
        do {
            return try request.resolve(limits: SystemLimits.current())
        } catch let error as LoadTestError {
            throw ValidationError(error.description)
        }
    }

    private func report(_ summary: RunSummary) throws {
        print(SummaryTable.render(summary))
        if let json {
            try summary.json().write(to: URL(fileURLWithPath: json))
        }
    }
}
