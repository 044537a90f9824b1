import Logging
import Observability
import Reactor
import Synchronization

/// What every worker of a node shares, across reactor threads.
final class NodeShared: Sendable {
    let registry: Registry
    /// Store calls in flight from every reactor, bounded by `maxStoreCalls`.
    let storeCalls: StoreCallLimiter
    /// Repeated failures (a store outage) log a line every few seconds, not one per message.
    let logThrottle = LogThrottle()
    let logger: Logger
    let version: String
    /// The fleet's node records; nil on a node alone.
    let placement: (any DevicePlacement)?
    /// Set once the workers exist; how one worker reaches another's connections.
    let workers = Mutex<[LoopBound<NodeWorker>]>([])

    init(storeCallLimit: Int, logger: Logger, version: String, placement: (any DevicePlacement)?) {
        storeCalls = StoreCallLimiter(limit: storeCallLimit)
        self.logger = logger
        self.version = version
        self.placement = placement
        registry = Registry(keepsConnectionTimes: placement != nil)
    }

    func worker(_ index: Int) -> LoopBound<NodeWorker>? {
        workers.withLock { index < $0.count ? $0[index] : nil }
    }
}
