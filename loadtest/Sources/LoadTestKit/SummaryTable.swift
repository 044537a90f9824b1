import Foundation

/// The human-readable end of a run: two aligned columns, the figures first, then errors by kind.
public enum SummaryTable {
    public static func render(_ summary: RunSummary) -> String {
        var rows: [(String, String)] = [
            ("scenario", "\(summary.scenario.rawValue) → \(summary.target)"),
            ("result", summary.resultText),
            ("elapsed", seconds(summary.elapsedSeconds)),
            ("clients", "\(summary.plan.clients) in \(summary.plan.procs) process(es), \(summary.plan.sourceAddresses) source address(es)"),
            ("set up", "\(summary.counters.ready) ready, \(summary.counters.failed) failed, \(summary.counters.channelsRegistered) channels"),
            ("set-up time", "\(seconds(summary.setupSeconds)) (\(rate(summary.connectsPerSecond)) connections/s)"),
            ("set-up latency", latency(summary.setupLatency)),
        ]
        let webPush = summary.plan.webPush != nil
        let requests = webPush ? "POSTs" : "PUTs"
        if let plan = summary.plan.webPush {
            let body = plan.payloadBytes == 0 ? "no body" : "\(plan.payloadBytes)-byte aes128gcm bodies"
            rows.append(("webpush", "\(body), TTL \(plan.ttl), VAPID \(plan.vapidPerPush ? "token signed per push" : "one token per process")"))
        }
        switch summary.scenario {
        case .connect:
            rows.append(("held idle", seconds(summary.runSeconds)))
        case .notify:
            let answers = webPush ? "\(summary.counters.putsAccepted) answered 201"
                : "\(summary.counters.putsDelivered) delivered live, \(summary.counters.putsStored) stored"
            rows.append((requests, "\(summary.counters.putsSent) sent (\(rate(summary.putsPerSecond))/s of \(rate(summary.plan.rate))/s planned), \(answers)"))
            rows.append(("notifications", "\(summary.counters.notifications) received, \(summary.counters.acked) acked, \(rate(summary.throughputPerSecond))/s"))
            rows.append((webPush ? "POST → notification" : "PUT → notification", latency(summary.latency)))
        case .churn:
            rows.append(("reconnects", "\(summary.counters.reconnects) in \(seconds(summary.runSeconds)), \(rate(summary.throughputPerSecond))/s"))
            rows.append(("reconnect → hello", latency(summary.latency)))
        case .stored:
            let stored = webPush ? "\(summary.counters.putsAccepted) of \(summary.counters.putsSent) POSTs answered 201"
                : "\(summary.counters.putsStored) of \(summary.counters.putsSent) PUTs answered 202"
            rows.append(("stored", stored))
            rows.append(("drained", "\(summary.counters.drained) updates, \(rate(summary.throughputPerSecond))/s"))
            rows.append(("reconnect → all stored", latency(summary.latency)))
        }
        if !summary.planMet {
            rows.append(("shortfall", String(format: "%d of %d planned (%.1f%% short; more than %.0f%% fails the run)",
                                             summary.achieved, summary.planned, summary.shortfall * 100,
                                             RunSummary.allowedShortfall * 100)))
        }
        if summary.plan.tls != nil {
            rows.append(("tls handshakes", "\(summary.counters.tlsFull) full, \(summary.counters.tlsResumed) resumed"))
        }
        if let cpu = summary.serverCPU {
            let perEvent = cpu.microseconds(per: summary.scenario == .notify ? summary.counters.notifications : 0)
                .map { String(format: ", %.0f µs per notification", $0) } ?? ""
            rows.append(("server CPU", String(format: "%.2f s over %.2f s", cpu.seconds, cpu.wallSeconds) + perEvent))
        }
        if let memory = summary.serverMemory {
            let perConnection = memory.bytesPerConnection.map { String(format: "%.0f bytes/connection", $0) } ?? "n/a"
            rows.append(("server RSS", "\(memory.totalBeforeKiB) KiB → \(memory.totalAfterKiB) KiB with \(memory.connections) connections: \(perConnection)"))
        }
        rows.append(("errors", "\(summary.counters.errors)"))
        for (kind, count) in summary.errors.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
            rows.append(("  \(kind)", "\(count)"))
        }
        if let fatal = summary.fatal { rows.append(("fatal", fatal)) }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }

    static func latency(_ figures: LatencyFigures) -> String {
        guard figures.count > 0 else { return "none recorded" }
        return String(format: "p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  (n=%llu)",
                      figures.p50, figures.p99, figures.p999, figures.max, figures.count)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }

    static func rate(_ value: Double) -> String { value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value) }
}
