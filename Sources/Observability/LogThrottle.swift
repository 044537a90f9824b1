import Foundation
import Logging

/// Lets one line of each kind through per interval and counts the ones held back, so a failing
/// store or a flood logs a line every few seconds instead of one per message on every thread.
public final class LogThrottle: @unchecked Sendable {  // all mutable state is behind `lock`
    private let lock = NSLock()
    private let interval: Double
    private var lastLine: [String: (at: Double, heldBack: Int)] = [:]

    public init(interval: Double = 10) { self.interval = interval }

    /// Logs `message` unless a line of the same `kind` went out less than `interval` ago; the line
    /// that does go out says how many were held back since the previous one.
    public func log(_ logger: Logger, _ level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
                    kind: String, metadata: Logger.Metadata = [:], now: Double = ProcessInfo.processInfo.systemUptime) {
        guard logger.logLevel <= level else { return }
        lock.lock()
        let previous = lastLine[kind]
        if let previous, now - previous.at < interval {
            lastLine[kind] = (previous.at, previous.heldBack + 1)
            lock.unlock()
            return
        }
        lastLine[kind] = (now, 0)
        lock.unlock()
        var metadata = metadata
        if let previous, previous.heldBack > 0 { metadata["suppressed"] = "\(previous.heldBack)" }
        logger.log(level: level, message(), metadata: metadata)
    }
}
