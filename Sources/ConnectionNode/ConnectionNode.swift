import Foundation
import Logging
import Observability
import PushCore
import Reactor
import Routing
import Synchronization
import TLS

/// The device-facing side: `workers` reactors sharing the WebSocket port, each serving the
/// protocols it was given (one chosen per connection at its hello), with one registry of
/// connected UAIDs. As a `Router` it hands messages to the connection that holds the device.
public final class ConnectionNode: InlineRouter, Sendable {
    let shared: NodeShared
    let workers: [LoopBound<NodeWorker>]
    /// One per worker, made with the workers so `start` may be called from any thread.
    let threads: [ReactorThread]
    /// A loop that never ran cannot be asked to stop, and one that stopped cannot be asked again
    /// (nobody would answer): only the first `start` and the first `stop` act.
    private enum Phase { case made, running, stopped }
    private let phase = Mutex(Phase.made)
    public let boundPort: Int

    /// Binds the listener (once per worker, SO_REUSEPORT) and makes each worker's protocol
    /// handlers, in the order given. Nothing runs until `start()`.
    public init(_ configuration: NodeConfiguration, protocols: [any ConnectionProtocolModule],
                version: String, logger: Logger, placement: (any DevicePlacement)? = nil) throws {
        precondition(!protocols.isEmpty && protocols.count < 256, "a node serves one to 255 protocols")
        // The registry names a device's reactor in one byte.
        let count = min(255, configuration.workers > 0 ? configuration.workers : ProcessInfo.processInfo.activeProcessorCount)
        var settings = configuration.reactor
        // The limit is for the listener as a whole; each reactor takes its share.
        let limit = settings.maxConnections
        settings.maxConnections = limit == 0 ? 0 : (limit + count - 1) / count
        var reactors: [Reactor] = []
        for index in 0..<count {
            // Port 0 asks for any free port: the other workers then join the first one's.
            if index == 1 && settings.port == 0 { settings.port = reactors[0].boundPort }
            reactors.append(try Reactor(index: index, settings: settings, logger: logger))
        }
        boundPort = reactors[0].boundPort
        // The workers are made on this thread, which owns the reactors until `start` hands each
        // to its own thread.
        let shared = NodeShared(storeCallLimit: configuration.maxStoreCalls, logger: logger, version: version, placement: placement)
        var workers: [LoopBound<NodeWorker>] = []
        for reactor in reactors {
            let worker = NodeWorker(reactor: reactor, shared: shared, configuration: configuration)
            worker.handlers = protocols.map { $0.makeHandler(on: worker) }
            workers.append(LoopBound(worker, handle: reactor.handle))
        }
        self.workers = workers
        threads = reactors.map { $0.makeThread() }
        self.shared = shared
        shared.workers.withLock { $0 = workers }
    }

    deinit {
        // Workers reach each other through `shared`; letting go of them ends the cycle.
        shared.workers.withLock { $0 = [] }
    }

    public var workerCount: Int { workers.count }

    /// Starts each reactor on its own thread, from any thread; only the first call does anything.
    public func start() {
        let starting = phase.withLock { phase in
            defer { if phase == .made { phase = .running } }
            return phase == .made
        }
        guard starting else { return }
        for thread in threads { thread.start() }
    }

    /// Stops accepting, closes every connection with 1001 (going away) so devices reconnect
    /// elsewhere, and returns once every reactor has ended.
    public func stop() async {
        let wasRunning = phase.withLock { phase in
            defer { phase = .stopped }
            return phase == .running
        }
        guard wasRunning else { return }
        await withTaskGroup(of: Void.self) { group in
            for worker in workers {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        worker.execute { $0.reactor.stop(closing: .goingAway) { continuation.resume() } }
                    }
                }
            }
        }
    }

    /// Applies the settings that can change while running (after a reload): message, handshake
    /// and idle limits, origins, hello timeout. Listener, workers and store-call limit keep their
    /// start-up values.
    public func apply(_ configuration: NodeConfiguration) {
        for worker in workers {
            worker.execute { $0.apply(configuration) }
        }
    }

    /// Device connections accepted from now on use `context` (a reloaded certificate).
    public func replaceTLSContext(_ context: TLSContext) {
        for worker in workers {
            worker.execute { $0.reactor.replaceTLSContext(context) }
        }
    }

    /// Devices connected to this node right now (after hello).
    public var connectedClients: Int { shared.registry.count }

    /// In a fleet: every device connected here, with the time that names its connection in the node records.
    public func heldDevices() -> [(uaid: UAID, connectedAt: Int64)] { shared.registry.heldDevices() }

    // MARK: Router

    /// Hands `message` to the connection holding `uaid` on this node; nil when none does. The
    /// connection's reactor sends it after its current loop turn.
    public func route(_ message: PushMessage, to uaid: UAID) async -> RouteOutcome? {
        routeNow(message, to: uaid)
    }

    public func routeNow(_ message: PushMessage, to uaid: UAID) -> RouteOutcome? {
        guard let entry = shared.registry.lookup(uaid)?.entry else { return nil }
        workers[entry.worker].execute { $0.deliver(message, to: uaid, on: entry.connection) }
        return .deliveredHere
    }

    /// Closes this node's connection for `uaid` if it is the one claimed at `connectedAt` (a
    /// newer connection on another node took the device). Returns whether it was.
    public func disconnect(_ uaid: UAID, ifConnectedAt connectedAt: Int64) -> Bool {
        guard let holder = shared.registry.lookup(uaid), holder.connectedAt == connectedAt else { return false }
        let entry = holder.entry
        workers[entry.worker].execute { $0.reactor.close(entry.connection, code: .normal) }
        return true
    }
}
