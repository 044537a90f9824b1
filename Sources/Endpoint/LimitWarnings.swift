import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One log line per limit per `window` when endpoint limits close connections: the first time
/// at once, then the count of what happened since, so a flood is visible without flooding the log.
final class LimitWarnings: Sendable {
    enum Limit: String, CaseIterable, Sendable {
        case headerTimeout = "header_timeout"
        case bodyTimeout = "body_timeout"
        case idleTimeout = "idle_timeout"
        /// The oldest idle connection was closed to make room for a new one.
        case maxConnectionsShed = "max_connections_shed"
        /// A new connection was closed at once: every connection had a request under way.
        case maxConnectionsRefused = "max_connections_refused"
        /// accept failed for want of descriptors (the open-file limit) and was paused.
        case openFiles = "open_files"

        /// Kept-alive connections expiring is routine for pooled app-server clients, so it is not
        /// a warning; the others mean a client was cut off.
        var level: Logger.Level { self == .idleTimeout ? .notice : .warning }
    }

    private struct Window {
        var isOpen = false
        var countSinceReport = 0
    }

    static let defaultWindow = TimeAmount.seconds(10)

    private let logger: Logger
    private let window: TimeAmount
    private let windows = NIOLockedValueBox([Limit: Window]())

    init(logger: Logger, window: TimeAmount = LimitWarnings.defaultWindow) {
        self.logger = logger
        self.window = window
    }

    /// Counts one closed connection; `eventLoop` runs the timer that reports what the window gathered.
    func record(_ limit: Limit, on eventLoop: any EventLoop) {
        EndpointMetrics.limitClosures[limit]?.increment()
        let reportNow = windows.withLockedValue { windows -> Bool in
            if windows[limit, default: Window()].isOpen {
                windows[limit]!.countSinceReport += 1
                return false
            }
            windows[limit] = Window(isOpen: true, countSinceReport: 0)
            return true
        }
        guard reportNow else { return }
        log(limit, count: 1)
        scheduleReport(limit, on: eventLoop)
    }

    private func scheduleReport(_ limit: Limit, on eventLoop: any EventLoop) {
        eventLoop.scheduleTask(in: window) { [self] in
            let count = windows.withLockedValue { windows -> Int in
                let count = windows[limit]?.countSinceReport ?? 0
                // Nothing new: the next occurrence is reported at once again.
                windows[limit] = Window(isOpen: count > 0, countSinceReport: 0)
                return count
            }
            guard count > 0 else { return }
            log(limit, count: count)
            scheduleReport(limit, on: eventLoop)
        }
    }

    private func log(_ limit: Limit, count: Int) {
        logger.log(level: limit.level, "endpoint limit closed connections", metadata: [
            "limit": "\(limit.rawValue)",
            "count": "\(count)",
            "window_s": "\(window.nanoseconds / 1_000_000_000)",
        ])
    }
}
