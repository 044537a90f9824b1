import Foundation
import Logging
import PushCore
import Reactor
import Routing
import WebSocket

/// Serves the connections of one reactor: answers the status page, refuses bad upgrades, picks
/// each connection's protocol from its first message and hands it everything after. Everything here
/// happens on the reactor's thread; store work runs in tasks whose results come back through
/// the reactor's mailbox.
public final class NodeWorker: ReactorDelegate {
    public let reactor: Reactor
    let shared: NodeShared
    /// Indexed by the protocol tag minus one (the tag is 0 until a connection's first message).
    var handlers: [any ConnectionProtocol] = []
    /// Connections with store work in flight or waiting for a place.
    var busy: Set<ConnectionID> = []
    var configuration: NodeConfiguration
    /// The public URLs devices came in under behind a proxy, by admission note minus one: a
    /// connection keeps only that byte. Per reactor thread, so no lock; at most 255.
    private var forwardedBases: [String] = []
    private var forwardedNotes: [String: UInt8] = [:]
    private var saidForwardedTableFull = false

    init(reactor: Reactor, shared: NodeShared, configuration: NodeConfiguration) {
        self.reactor = reactor
        self.shared = shared
        self.configuration = configuration
        reactor.delegate = self
    }

    public var logger: Logger { shared.logger }
    var index: Int { reactor.index }

    func apply(_ configuration: NodeConfiguration) {
        self.configuration = configuration
        let limits = configuration.reactor
        reactor.updateLimits(maxMessageLen: limits.maxMessageLen, handshakeTimeout: limits.handshakeTimeout,
                             idleTimeout: limits.idleTimeout, pongTimeout: limits.pongTimeout)
    }

    private func handler(of connection: ConnectionID) -> (any ConnectionProtocol)? {
        let tag = reactor.tag(of: connection)
        return tag == 0 ? nil : handlers[Int(tag) - 1]
    }

    // MARK: ReactorDelegate

    public func reactor(_ reactor: Reactor, plainRequest head: RequestHead) -> [UInt8] {
        guard head.method == "GET" else {
            return Handshake.errorResponse(HTTPFailure(status: 405, reason: "Method Not Allowed",
                message: "only GET is served here", extraHeaders: [("Allow", "GET")]))
        }
        guard head.path == "/status/" || head.path == "/status" else {
            return Handshake.errorResponse(HTTPFailure(status: 404, reason: "Not Found",
                message: "not found; WebSocket clients connect to /", extraHeaders: []))
        }
        let body = #"{"status":"OK","clients":\#(shared.registry.count),"version":"\#(shared.version)"}"#
        return Handshake.response(status: 200, reason: "OK", contentType: "application/json", body: body)
    }

    public func reactor(_ reactor: Reactor, shouldAccept head: RequestHead) -> Admission {
        guard head.path == "/" else {
            return .refuse(HTTPFailure(status: 404, reason: "Not Found", message: "WebSocket clients connect to /", extraHeaders: []))
        }
        let origins = configuration.origins
        if !origins.isEmpty && !origins.contains(head.header("Origin") ?? "") {
            return .refuse(HTTPFailure(status: 403, reason: "Forbidden", message: "origin not allowed", extraHeaders: []))
        }
        return .accept(note: forwardedNote(head))
    }

    /// The note naming the public URL a proxy says the device came in under; 0 for none.
    private func forwardedNote(_ head: RequestHead) -> UInt8 {
        guard configuration.forwardedHeaders,
              let base = ForwardedBase.from(proto: head.header("X-Forwarded-Proto"), host: head.header("X-Forwarded-Host") ?? head.header("Host"),
                                            allowed: configuration.forwardedHosts)
        else { return 0 }
        if let note = forwardedNotes[base] { return note }
        guard forwardedBases.count < Int(UInt8.max) else {
            if !saidForwardedTableFull {
                saidForwardedTableFull = true
                logger.warning("more than 255 forwarded hosts: later ones get the configured endpoint URL (list yours in endpoint.forwarded_hosts)",
                               metadata: ["host": "\(base)"])
            }
            return 0
        }
        forwardedBases.append(base)
        let note = UInt8(forwardedBases.count)
        forwardedNotes[base] = note
        return note
    }

    /// The public URL a connection's endpoints are built on when a proxy named one, else nil.
    public func publicURL(for connection: ConnectionID) -> String? {
        let note = reactor.note(of: connection)
        return note == 0 ? nil : forwardedBases[Int(note) - 1]
    }

    public func reactor(_ reactor: Reactor, didOpen connection: ConnectionID) {
        reactor.setDeadline(connection, after: configuration.helloTimeout)
        logger.debug("connection opened", metadata: ["connection": "\(index)/\(connection)"])
    }

    public func reactor(_ reactor: Reactor, didReceive message: [UInt8], on connection: ConnectionID) {
        guard reactor.isOpen(connection) else { return }
        if let handler = handler(of: connection) { return handler.didReceive(message, on: connection) }
        // The first message chooses the protocol; the last one takes whatever the others refuse.
        let chosen = handlers.firstIndex { $0.accepts(firstMessage: message) } ?? handlers.count - 1
        reactor.setTag(UInt8(chosen + 1), for: connection)
        handlers[chosen].didOpen(connection)
        handlers[chosen].didReceive(message, on: connection)
    }

    public func reactor(_ reactor: Reactor, didClose connection: ConnectionID) {
        busy.remove(connection)
        // Reported before the slot is reused, so the tag is still this connection's.
        let tag = reactor.tag(of: connection)
        if tag != 0 { handlers[Int(tag) - 1].didClose(connection) }
        logger.debug("connection closed", metadata: ["connection": "\(index)/\(connection)"])
    }

    public func reactor(_ reactor: Reactor, deadlinePassed connection: ConnectionID) {
        guard let handler = handler(of: connection) else {
            // No first message within the hello timeout.
            return reactor.close(connection, code: .policyViolation)
        }
        handler.deadlinePassed(connection)
    }

    // MARK: For protocol handlers

    /// Records `connection` as the holder of `uaid` on this node, so routed messages reach it; the
    /// previous holder (on any reactor) is closed: the newest connection wins. Then `then` runs:
    /// at once on a node alone; in a fleet once the shared store records this node as the
    /// device's, so an update another node stored before it looked the device up is among what
    /// `then` reads. If a newer connection on another node holds the device, this one is closed
    /// instead.
    public func claim(_ uaid: UAID, for connection: ConnectionID, then: @escaping () -> Void) {
        // Only a fleet's node records name connections by time; a node alone skips the clock.
        let connectedAt = shared.placement == nil ? 0 : Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        if let previous = shared.registry.claim(uaid, Registry.Entry(worker: index, connection: connection), connectedAt: connectedAt) {
            shared.worker(previous.worker)?.execute { $0.reactor.close(previous.connection, code: .normal) }
        }
        guard let placement = shared.placement else { return then() }
        perform(on: connection, { await placement.claim(uaid, connectedAt: connectedAt) }, then: { [reactor] held in
            guard held else { return reactor.close(connection, code: .normal) }
            then()
        }, failed: { _ in })
    }

    /// Forgets that `connection` holds `uaid`, unless a newer connection has claimed it since.
    public func release(_ uaid: UAID, for connection: ConnectionID) {
        guard let connectedAt = shared.registry.release(uaid, Registry.Entry(worker: index, connection: connection)),
              let placement = shared.placement else { return }
        // Within the limit of store calls like the rest: a mass disconnect queues small
        // closures, not a task per device all calling the store at once.
        let limiter = shared.storeCalls
        let run: @Sendable () -> Void = {
            Task {
                await placement.release(uaid, connectedAt: connectedAt)
                limiter.release()
            }
        }
        if limiter.acquire(orQueue: run) { run() }
    }

    /// A routed message for a connection that held `uaid` when it was looked up.
    func deliver(_ message: PushMessage, to uaid: UAID, on connection: ConnectionID) {
        guard reactor.isOpen(connection), let handler = handler(of: connection) else { return }
        handler.deliver(message, to: uaid, on: connection)
    }

    /// Runs store work off the reactor thread, within the node's limit of calls in flight. The
    /// connection is not read until the work is done, so its later messages wait in the socket,
    /// in order. On success `then` runs, on failure `failed` (after a throttled log line); both on
    /// this thread and only while the connection is still open. Nothing starts for a connection
    /// that is no longer open.
    public func perform<T: Sendable>(on connection: ConnectionID, _ work: @escaping @Sendable () async throws -> T,
                                     then: @escaping (T) -> Void, failed: @escaping (any Error) -> Void) {
        guard reactor.isOpen(connection) else { return }
        busy.insert(connection)
        reactor.pauseReading(connection)
        let this = LoopBound(self, handle: reactor.handle)
        let completion = LoopBound((then: then, failed: failed), handle: reactor.handle)
        let limiter = shared.storeCalls
        let run: @Sendable () -> Void = {
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                limiter.release()
                this.execute { $0.finish(connection, result, completion.value) }
            }
        }
        let startedNow = limiter.acquire(orQueue: {
            // A place came free, perhaps much later and on another thread: start only if the
            // connection is still there to take the answer.
            this.execute { worker in
                if worker.reactor.isOpen(connection) && worker.busy.contains(connection) { run() } else { limiter.release() }
            }
        })
        if startedNow { run() }
    }

    /// Store work that never blocks (a non-blocking store's calls): done now, on this thread,
    /// with no task and no hop; then `then` or `failed` as `perform` would call them. Used where
    /// `perform` would be, so the connection's store work stays in order: none is in flight while
    /// its messages are being read.
    public func performInline<T>(on connection: ConnectionID, _ work: () throws -> T,
                                 then: (T) -> Void, failed: (any Error) -> Void) {
        guard reactor.isOpen(connection) else { return }
        let value: T
        do {
            value = try work()
        } catch {
            logStoreFailure(error)
            return failed(error)
        }
        then(value)
    }

    private func logStoreFailure(_ error: any Error) {
        shared.logThrottle.log(logger, .error, "store call failed", kind: "store-call", metadata: ["error": "\(error)"])
    }

    private func finish<T>(_ connection: ConnectionID, _ result: Result<T, any Error>,
                           _ completion: (then: (T) -> Void, failed: (any Error) -> Void)) {
        guard busy.remove(connection) != nil, reactor.isOpen(connection) else { return }
        switch result {
        case .success(let value):
            completion.then(value)
        case .failure(let error):
            logStoreFailure(error)
            completion.failed(error)
            return
        }
        // `then` may have started the next piece of work (a hello fetching what is pending).
        if !busy.contains(connection) && reactor.isOpen(connection) { reactor.resumeReading(connection) }
    }
}
