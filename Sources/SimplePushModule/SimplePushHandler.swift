import ConnectionNode
import Foundation
import PushCore
import Reactor
import Routing
import SimplePush
import Store

/// The SimplePush module on the connection node: makes one `SimplePushHandler` per reactor.
public struct SimplePushProtocol: ConnectionProtocolModule {
    let store: any Store
    let settings: Live<SimplePushSettings>

    public init(store: any Store, settings: Live<SimplePushSettings>) {
        self.store = store
        self.settings = settings
    }

    public func makeHandler(on worker: NodeWorker) -> any ConnectionProtocol {
        SimplePushHandler(worker: worker, store: store, settings: settings)
    }
}

/// Runs the SimplePush sessions of one reactor's connections, on that reactor's thread.
final class SimplePushHandler: ConnectionProtocol {
    unowned let worker: NodeWorker
    let store: any Store
    /// Refreshed when a reload replaced the settings; read per message without a lock.
    var settings: Live<SimplePushSettings>.Cache
    var sessions = ConnectionTable(initial: Session())
    /// The newest version sent to each connection per channel, for connections that were sent
    /// any: a live delivery never goes back to an older version (two PUTs saved in one order may
    /// reach the reactor in the other).
    var lastSent: [ConnectionID: [ChannelID: Version]] = [:]

    init(worker: NodeWorker, store: any Store, settings: Live<SimplePushSettings>) {
        self.worker = worker
        self.store = store
        self.settings = Live.Cache(settings)
    }

    var reactor: Reactor { worker.reactor }

    /// SimplePush is the default protocol: it takes every connection no other protocol claimed,
    /// and answers a first message that is not its hello with its own errors.
    func accepts(firstMessage message: [UInt8]) -> Bool { true }

    func didOpen(_ connection: ConnectionID) {
        sessions.open(connection)
    }

    func didClose(_ connection: ConnectionID) {
        lastSent[connection] = nil
        if sessions[connection].phase == .ready, let uaid = sessions[connection].uaid {
            worker.release(uaid, for: connection)
        }
        sessions.close(connection)
    }

    func deadlinePassed(_ connection: ConnectionID) {
        // The only deadline is the hello timeout; after hello the reactor watches for idleness.
        if sessions[connection].phase != .ready { reactor.close(connection, code: .policyViolation) }
    }

    func didReceive(_ message: [UInt8], on connection: ConnectionID) {
        let current = settings.value
        let engine = SessionEngine(settings: .init(maxChannels: current.maxChannels, minPingInterval: current.minPingInterval))
        let outcome = engine.handle(message, session: &sessions[connection], now: ProcessInfo.processInfo.systemUptime)
        count(outcome)
        switch outcome {
        case .nothing:
            break
        case .reply(let text):
            reactor.send(text, to: connection)
        case .replyAndClose(let text):
            reactor.send(text, to: connection)
            reactor.close(connection, code: .policyViolation)
        case .close:
            reactor.close(connection, code: .invalidPayload)
        case .hello(nil, _, _):
            // A device without a UAID gets a new one: nothing to ask the store, nothing pending.
            completeHello(UAID.random(), isNew: true, spelling: .canonical, on: connection)
        case .hello(let requested, let count, let spelling):
            let maxChannels = current.maxChannels
            perform(on: connection, { [store] in
                try await HelloResolver.resolve(requested: requested, channelCount: count, maxChannels: maxChannels, store: store)
            }, then: { [self] uaid in
                let kept = uaid == requested
                completeHello(uaid, isNew: !kept, spelling: kept ? spelling : .canonical, on: connection)
            })
        case .repeatHello(let uaid, let spelling):
            reactor.send(Replies.hello(uaid, spelling: spelling), to: connection)
            sendPending(uaid, on: connection)
        case .register(let uaid, let channel):
            let maxChannels = current.maxChannels
            perform(on: connection, { [store] in
                try await store.register(uaid, channel: channel, maxChannels: maxChannels)
            }, then: { [self] result in
                switch result {
                case .registered:
                    reactor.send(Replies.register(channel, endpoint: settings.value.endpointURL(uaid, channel, base: worker.publicURL(for: connection))), to: connection)
                case .tooManyChannels:
                    reactor.send(Replies.tooManyChannels(channel), to: connection)
                }
            })
        case .unregister(let uaid, let channel):
            perform(on: connection, { [store] in try await store.unregister(uaid, channel: channel) },
                    then: { [self] in reactor.send(Replies.unregister(channel.value), to: connection) })
        case .ack(let uaid, let updates):
            // No reply, but held in order with the connection's other store work, so a later
            // hello on this socket never sees an acked update again. A store that never blocks
            // takes it on this thread: the ack is the one store call per notification here.
            if let inline = store.nonBlocking {
                return worker.performInline(on: connection, {
                    for (channel, version) in updates where try inline.ackNow(uaid, channel: channel, version: version) {
                        SimplePushMetrics.notificationsAcked.increment()
                    }
                }, then: { _ in }, failed: failureHandler(connection))
            }
            perform(on: connection, { [store] in
                for (channel, version) in updates where try await store.ack(uaid, channel: channel, version: version) {
                    SimplePushMetrics.notificationsAcked.increment()
                }
            }, then: { _ in })
        }
    }

    /// A routed update for a connection that held `uaid` when it was looked up. Dropped when the
    /// connection was already sent this channel's version or a newer one.
    func deliver(_ message: PushMessage, to uaid: UAID, on connection: ConnectionID) {
        guard case .simplePush(let update) = message,
              sessions[connection].uaid == uaid, sessions[connection].phase == .ready else { return }
        if let sent = lastSent[connection]?[update.channelID], update.version <= sent { return }
        sendNotification([update], to: connection)
    }

    private func count(_ outcome: SessionEngine.Outcome) {
        switch outcome {
        case .reply(Replies.ping): SimplePushMetrics.pings.increment()
        case .hello, .repeatHello: SimplePushMetrics.hellos.increment()
        case .register: SimplePushMetrics.registers.increment()
        case .unregister: SimplePushMetrics.unregisters.increment()
        case .ack: SimplePushMetrics.acks.increment()
        default: break
        }
    }

    private func sendNotification(_ updates: [Update], to connection: ConnectionID) {
        SimplePushMetrics.notificationsSent.increment(by: Int64(updates.count))
        for update in updates where update.version > lastSent[connection]?[update.channelID] ?? -1 {
            lastSent[connection, default: [:]][update.channelID] = update.version  // in place, no copy
        }
        reactor.send(Replies.notification(updates), to: connection)
    }

    private func completeHello(_ uaid: UAID, isNew: Bool, spelling: UAID.Spelling, on connection: ConnectionID) {
        guard reactor.isOpen(connection) else { return }
        sessions[connection].uaid = uaid
        sessions[connection].phase = .ready
        sessions[connection].spelling = spelling
        reactor.watchIdle(connection)
        // The pending updates are read once the claim is made; they go out after this reply,
        // which is sent at once (store work comes back on a later loop turn).
        worker.claim(uaid, for: connection) { [self] in
            if !isNew { sendPending(uaid, on: connection) }
        }
        reactor.send(Replies.hello(uaid, spelling: spelling), to: connection)
    }

    /// Pending updates go out after the hello reply and after the UAID is claimed, so an update
    /// accepted in between is delivered live, perhaps twice, but never missed.
    private func sendPending(_ uaid: UAID, on connection: ConnectionID) {
        perform(on: connection, { [store] in try await store.fetchPending(uaid) }, then: { [self] updates in
            if !updates.isEmpty { sendNotification(updates, to: connection) }
        })
    }

    /// Store work for `connection`; a store failure answers error 999 and closes the connection.
    private func perform<T: Sendable>(on connection: ConnectionID, _ work: @escaping @Sendable () async throws -> T,
                                      then: @escaping (T) -> Void) {
        worker.perform(on: connection, work, then: then, failed: failureHandler(connection))
    }

    private func failureHandler(_ connection: ConnectionID) -> (any Error) -> Void {
        { [reactor] _ in
            reactor.send(Replies.error(.internalError, echoing: []), to: connection)
            reactor.close(connection, code: .internalError)
        }
    }
}
