import ArgumentParser
import LoadTestKit

@main
struct LoadTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load generator for the SimplePush server: many idle devices, notification latency, reconnect storms, stored delivery.",
        discussion: """
        Every run is bounded by --duration, its counts and --timeout, stops by itself, and refuses \
        targets outside 127.0.0.0/8 unless --allow-remote is given.
        """,
        subcommands: [Connect.self, Notify.self, Churn.self, Stored.self, Inspect.self, BenchReport.self, Worker.self])
}
