import Foundation
import Logging
import Synchronization

/// Lets one line of each kind through per interval and counts the ones held back, so a failing
/// store or a flood logs a line every few seconds instead of one per message on every thread.
public final class LogThrottle: Sendable {
    private let interval: Double
    private struct Line {
        var at: Double
        var heldBack: Int
    }

    private let lastLine = Mutex<[String: Line]>([:])

    public init(interval: Double = 10) { self.interval = interval }

    /// Logs `message` unless a line of the same `kind` went out less than `interval` ago; the line
    /// that does go out says how many were held back since the previous one.
    public func log(_ logger: Logger, _ level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
                    kind: String, metadata: Logger.Metadata = [:], now: Double = ProcessInfo.processInfo.systemUptime) {
        guard logger.logLevel <= level else { return }
        let interval = interval
        let passed: Line?? = lastLine.withLock { lastLine -> Line?? in
            let previous = lastLine[kind]
            if let previous, now - previous.at < interval {
                lastLine[kind] = Line(at: previous.at, heldBack: previous.heldBack + 1)
                return .none
            }
            lastLine[kind] = Line(at: now, heldBack: 0)
            return .some(previous)
        }
        // Outer nil: held back; inner: the kind's previous line, if any.
        guard case .some(let previous) = passed else { return }
        var metadata = metadata
        if let previous, previous.heldBack > 0 { metadata["suppressed"] = "\(previous.heldBack)" }
        logger.log(level: level, message(), metadata: metadata)
    }
}
