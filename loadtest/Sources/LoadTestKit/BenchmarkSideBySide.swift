import Foundation

/// The bench's side-by-side runs against a peer server (pushgo): the same scenarios, alternating
/// the servers, several runs each. Entries are tagged `side`, `pair:<what both run on>`,
/// `role:ours` or `role:peer`, `server:<name>` and `figure:<max|half|cpu|connect|stored>`.
enum SideBySide {
    /// One figure as a table row: how it is read from a run, and what ours must reach.
    struct Figure {
        let name: String
        let run: String
        let unit: String
        let lowerIsBetter: Bool
        let value: (RunSummary) -> Double?
        /// The goal as text and whether (our median, the peer's median) meets it; nil for none.
        let goal: ((String) -> (text: String, met: (Double, Double) -> Bool))?
    }

    static func figures(pair: String) -> [Figure] {
        if pair == BenchmarkTLS.pair { return BenchmarkTLS.figures }
        let maxRatio = pair == "memcached" ? 3.0 : 2.0
        return [
            Figure(name: "Notifications/s, highest rate held (0 errors, ≥ 99% of plan)", run: "max", unit: "/s", lowerIsBetter: false,
                   value: { $0.throughputPerSecond }, goal: { _ in ("≥ \(Int(maxRatio))× the peer's", { $0 >= maxRatio * $1 }) }),
            Figure(name: "Server CPU per notification at 1,500/s", run: "cpu", unit: " µs", lowerIsBetter: true,
                   value: { $0.serverCPU?.microseconds(per: $0.counters.notifications) },
                   goal: { _ in ("≤ 100 µs and ≤ ½ the peer's", { $0 <= 100 && $0 <= $1 / 2 }) }),
            Figure(name: "p50 PUT → notification at half of each server's max", run: "half", unit: " ms", lowerIsBetter: true,
                   value: { $0.latency.p50 }, goal: { _ in ("not above the peer's", { $0 <= $1 }) }),
            Figure(name: "p99 PUT → notification at half of each server's max", run: "half", unit: " ms", lowerIsBetter: true,
                   value: { $0.latency.p99 }, goal: { _ in ("not above the peer's", { $0 <= $1 }) }),
            Figure(name: "Connects/s with hello", run: "connect", unit: "/s", lowerIsBetter: false,
                   value: { $0.connectsPerSecond }, goal: { _ in ("≥ 20,000/s on one reactor thread", { ours, _ in ours >= 20_000 }) }),
            Figure(name: "Idle server RSS, no clients", run: "connect", unit: " MiB", lowerIsBetter: true,
                   value: { $0.serverMemory.map { Double($0.totalBeforeKiB) / 1024 } }, goal: { _ in ("< 16 MiB", { ours, _ in ours < 16 }) }),
            Figure(name: "Stored updates drained/s", run: "stored", unit: "/s", lowerIsBetter: false,
                   value: { $0.throughputPerSecond }, goal: nil),
        ]
    }

    static func section(_ entries: [BenchmarkEntry], heading: String) -> [String] {
        let side = entries.filter { $0.tags.contains("side") }
        guard !side.isEmpty else { return [] }
        var lines = ["", "#### \(heading)", "",
                     "Each figure from fresh server processes, the two servers alternating, every run listed; the ratio is of the medians."]
        var pairs: [String] = []
        for entry in side { if let pair = entry.tag("pair"), !pairs.contains(pair) { pairs.append(pair) } }
        for pair in pairs {
            let inPair = side.filter { $0.tag("pair") == pair }
            let ours = inPair.first { $0.tags.contains("role:ours") }?.tag("server") ?? "ours"
            let peer = inPair.first { $0.tags.contains("role:peer") }?.tag("server") ?? "peer"
            lines += ["", "##### \(pair)", "",
                      "| Figure | \(ours): runs | median | \(peer): runs | median | ours ÷ peer | Goal | Met |",
                      "|---|---|---|---|---|---|---|---|"]
            for figure in figures(pair: pair) {
                let runs = inPair.filter { $0.tags.contains("figure:\(figure.run)") }
                // A search that held no rate has no maximum to show.
                let usable = runs.filter { figure.run != "max" || $0.summary.held }
                let mine = usable.filter { $0.tags.contains("role:ours") }.compactMap { figure.value($0.summary) }
                let theirs = usable.filter { $0.tags.contains("role:peer") }.compactMap { figure.value($0.summary) }
                guard !mine.isEmpty || !theirs.isEmpty else { continue }
                let (ourMedian, peerMedian) = (median(mine), median(theirs))
                let ratio = ourMedian.flatMap { o in peerMedian.flatMap { $0 > 0 ? String(format: "%.2f", o / $0) : nil } } ?? "–"
                var goalText = "–", met = "–"
                if let goal = figure.goal?(peer), let ourMedian {
                    goalText = goal.text
                    if let peerMedian { met = goal.met(ourMedian, peerMedian) ? "yes" : "**no**" }
                    else if !goal.text.contains("peer") { met = goal.met(ourMedian, 0) ? "yes" : "**no**" }
                }
                lines.append("| \(figure.name) | \(list(mine, figure)) | \(format(ourMedian, figure)) | \(list(theirs, figure)) | \(format(peerMedian, figure)) | \(ratio) | \(goalText) | \(met) |")
                if figure.run == "max", let ourMedian, mine.count > 1 {
                    let spread = mine.map { abs($0 - ourMedian) / ourMedian }.max() ?? 0
                    lines.append("| Run-to-run spread of \(ours)'s max rate | \(list(mine, figure)) | ±\(String(format: "%.1f", spread * 100))% of the median | | | | within ±15% | \(spread <= 0.15 ? "yes" : "**no**") |")
                }
            }
        }
        return lines
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    private static func format(_ value: Double?, _ figure: Figure) -> String {
        guard let value else { return "–" }
        switch figure.unit {
        case " ms": return String(format: "%.2f ms", value)
        case " MiB": return String(format: "%.1f MiB", value)
        default: return BenchmarkReport.grouped(value) + figure.unit
        }
    }

    private static func list(_ values: [Double], _ figure: Figure) -> String {
        values.isEmpty ? "–" : values.map { format($0, figure) }.joined(separator: "; ")
    }
}

extension BenchmarkEntry {
    /// The value of a `name:value` tag.
    func tag(_ name: String) -> String? {
        tags.first { $0.hasPrefix(name + ":") }.map { String($0.dropFirst(name.count + 1)) }
    }
}
