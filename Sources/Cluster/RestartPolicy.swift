/// When a worker that ended is started again, and which endings stop the whole cluster.
public struct RestartPolicy: Sendable, Equatable {
    /// The first restart waits this long; each further one in a row waits twice as long as the last.
    public var firstDelay = 0.5
    public var maximumDelay = 30.0
    /// A worker that ran at least this long before it ended starts its back-off again from the first delay.
    public var stableAfter = 30.0
    /// A worker that exits with a failure status this soon after its first start failed to start
    /// (a port in use, a store it cannot open): starting it again would fail the same way.
    public var startupWindow = 5.0

    public init() {}

    /// How a worker ended, from waitpid(2).
    public enum Ending: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// The wait before the next start, given the restarts already made in a row and how long
    /// the ended run lasted; it returns the new count of restarts in a row too.
    public func delay(afterRestartsInARow restarts: Int, ranFor seconds: Double) -> (delay: Double, restartsInARow: Int) {
        let count = seconds >= stableAfter ? 0 : restarts
        var delay = firstDelay
        for _ in 0 ..< min(count, 16) { delay *= 2 }
        return (min(delay, maximumDelay), count + 1)
    }

    /// True when the ending means the worker cannot start: a failure status from its first run,
    /// inside the start-up window. A signal (a crash, or kill -9) never counts: it may not recur.
    public func isStartupFailure(_ ending: Ending, firstRun: Bool, ranFor seconds: Double) -> Bool {
        guard firstRun, seconds < startupWindow, case .exited(let status) = ending else { return false }
        return status != 0
    }
}
