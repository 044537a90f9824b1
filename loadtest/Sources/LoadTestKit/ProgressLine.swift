#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The live status line: updated in place on a terminal, printed as plain lines (once a second)
/// when stderr is a file or pipe, so logs stay readable.
public final class ProgressPrinter {
    private let inPlace: Bool
    private var lastPrinted: UInt64 = 0
    private var wroteInPlace = false

    public init(inPlace: Bool = isatty(STDERR_FILENO) == 1) { self.inPlace = inPlace }

    public func show(_ line: String, now: UInt64 = MonotonicClock.now()) {
        if inPlace {
            // Erase the line, then rewrite it without a newline.
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            wroteInPlace = true
        } else if now - lastPrinted >= 1_000_000_000 || lastPrinted == 0 {
            FileHandle.standardError.write(Data((line + "\n").utf8))
            lastPrinted = now
        }
    }

    /// Ends an in-place line so later output starts on its own line.
    public func finish() {
        if wroteInPlace { FileHandle.standardError.write(Data("\n".utf8)) }
        wroteInPlace = false
    }
}

/// Builds the status text from the merged report and the one before it.
public enum ProgressLine {
    public static func text(_ report: WorkerReport, previous: WorkerReport?, interval: Double, elapsed: Double, plan: LoadPlan) -> String {
        let counters = report.counters
        let settingUp = report.phase < .running
        let histogram = settingUp || plan.scenario == .connect ? report.setupLatency : report.latency
        let measure: (LoadCounters) -> Int
        let unit: String
        if settingUp {
            if plan.scenario == .stored && counters.putsSent > 0 {
                measure = { $0.putsStored + $0.putsDelivered + $0.putsAccepted }
                unit = "stored/s"
            } else {
                measure = { $0.ready + $0.failed }
                unit = "conn/s"
            }
        } else {
            switch plan.scenario {
            case .connect: measure = { $0.ready + $0.failed }; unit = "conn/s"
            case .notify: measure = { $0.notifications }; unit = "notif/s"
            case .churn: measure = { $0.reconnects }; unit = "reconn/s"
            case .stored: measure = { $0.drained }; unit = "drained/s"
            }
        }
        let rate = previous.map { interval > 0 ? Double(measure(counters) - measure($0.counters)) / interval : 0 } ?? 0
        var parts = [
            String(format: "[%@ %.1fs]", plan.scenario.rawValue, elapsed),
            report.phase.description,
            "connected \(counters.open)/\(plan.clients)",
            String(format: "%.0f %@", rate, unit),
        ]
        if plan.scenario == .notify && !settingUp { parts.append("sent \(counters.putsSent) recv \(counters.notifications)") }
        if histogram.count > 0 {
            parts.append(String(format: "p50 %.2fms p99 %.2fms", histogram.milliseconds(atPercentile: 50), histogram.milliseconds(atPercentile: 99)))
        }
        parts.append("errors \(counters.errors)")
        return parts.joined(separator: "  ")
    }
}
