import ArgumentParser
import Foundation
import LoadTestKit

/// Prints one value of a `--json` summary, for scripts.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print one field of a --json summary (dotted path, e.g. latency.p99).")

    @Argument(help: "Summary file written with --json.")
    var file: String
    @Argument(help: "Dotted path of the field.")
    var field: String

    func run() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let value = BenchmarkReport.field(field, inJSON: data) else {
            throw ValidationError("\(file) has no field \(field)")
        }
        print(value)
    }
}

/// Rewrites the generated section of BENCHMARKS.md from the bench script's runs.
struct BenchReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-report",
        abstract: "Render summaries listed in a manifest (tags<TAB>json<TAB>servers<TAB>command) into the marked section of a Markdown file.")

    @Option(help: "Manifest written by the bench script.")
    var manifest: String
    @Option(help: "Markdown file with the <!-- bench:begin --> and <!-- bench:end --> markers.")
    var markdown: String
    @Option(help: "Machine description for the header line.")
    var machine: String
    @Flag(help: "Render the TLS runs into the <!-- bench-tls:begin --> … <!-- bench-tls:end --> section instead (default: the main section).")
    var tls = false

    func run() throws {
        let entries = try BenchmarkReport.parseManifest(String(contentsOfFile: manifest, encoding: .utf8),
                                                        load: BenchmarkReport.loadSummary(path:))
        let date = ISO8601DateFormatter().string(from: Date())
        let document = try String(contentsOfFile: markdown, encoding: .utf8)
        let updated = tls
            ? try BenchmarkReport.replaceSection(in: document, with: BenchmarkTLS.markdown(entries, machine: machine, date: date),
                                                 between: BenchmarkTLS.beginMarker, and: BenchmarkTLS.endMarker)
            : try BenchmarkReport.replaceSection(in: document, with: BenchmarkReport.markdown(entries, machine: machine, date: date))
        try updated.write(toFile: markdown, atomically: true, encoding: .utf8)
    }
}
