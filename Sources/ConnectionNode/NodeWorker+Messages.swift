import Foundation
import PushCore
import Reactor
import SimplePush
import Store
import WebSocket

extension NodeWorker {
    func process(_ message: [UInt8], on connection: ConnectionID) {
        guard reactor.isOpen(connection) else { return }
        let slot = Int(connection.slot)
        let engine = settings.engine
        let outcome = engine.handle(message, session: &sessions[slot], now: ProcessInfo.processInfo.systemUptime)
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
            let maxChannels = engine.settings.maxChannels
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
            perform(on: connection, { [store] in
                try await store.register(uaid, channel: channel, maxChannels: engine.settings.maxChannels)
            }, then: { [self] result in
                switch result {
                case .registered: reactor.send(Replies.register(channel, endpoint: node.endpointURL(uaid, channel)), to: connection)
                case .tooManyChannels: reactor.send(Replies.tooManyChannels(channel), to: connection)
                }
            })
        case .unregister(let uaid, let channel):
            perform(on: connection, { [store] in try await store.unregister(uaid, channel: channel) },
                    then: { [self] in reactor.send(Replies.unregister(channel.value), to: connection) })
        case .ack(let uaid, let updates):
            // No reply, but held in order with the connection's other store work, so a later
            // hello on this socket never sees an acked update again.
            perform(on: connection, { [store] in
                for (channel, version) in updates where try await store.ack(uaid, channel: channel, version: version) {
                    NodeMetrics.notificationsAcked.increment()
                }
            }, then: { _ in })
        }
    }

    private func count(_ outcome: SessionEngine.Outcome) {
        switch outcome {
        case .reply(Replies.ping): NodeMetrics.pings.increment()
        case .hello, .repeatHello: NodeMetrics.hellos.increment()
        case .register: NodeMetrics.registers.increment()
        case .unregister: NodeMetrics.unregisters.increment()
        case .ack: NodeMetrics.acks.increment()
        default: break
        }
    }

    private func sendNotification(_ updates: [Update], to connection: ConnectionID) {
        NodeMetrics.notificationsSent.increment(by: Int64(updates.count))
        for update in updates where update.version > lastSent[connection]?[update.channelID] ?? -1 {
            lastSent[connection, default: [:]][update.channelID] = update.version  // in place, no copy
        }
        reactor.send(Replies.notification(updates), to: connection)
    }

    private func completeHello(_ uaid: UAID, isNew: Bool, spelling: UAID.Spelling, on connection: ConnectionID) {
        guard reactor.isOpen(connection) else { return }
        let slot = Int(connection.slot)
        sessions[slot].uaid = uaid
        sessions[slot].phase = .ready
        sessions[slot].spelling = spelling
        reactor.watchIdle(connection)
        if let previous = node.registry.claim(uaid, Registry.Entry(worker: entryIndex, connection: connection)) {
            node.closeSuperseded(previous)
        }
        reactor.send(Replies.hello(uaid, spelling: spelling), to: connection)
        if !isNew { sendPending(uaid, on: connection) }
    }

    /// Pending updates go out after the hello reply and after the UAID is claimed, so an update
    /// accepted in between is delivered live, perhaps twice, but never missed.
    private func sendPending(_ uaid: UAID, on connection: ConnectionID) {
        perform(on: connection, { [store] in try await store.fetchPending(uaid) }, then: { [self] updates in
            if !updates.isEmpty { sendNotification(updates, to: connection) }
        })
    }

    /// Runs store work off the reactor thread, within the node's limit of calls in flight. The
    /// connection is not read until the work is done, so its later messages wait in the socket,
    /// in order. A store failure answers error 999 and closes the connection. Nothing starts for
    /// a connection that is no longer open.
    private func perform<T>(on connection: ConnectionID, _ work: @escaping @Sendable () async throws -> T,
                            then: @escaping (T) -> Void) {
        guard reactor.isOpen(connection) else { return }
        busy.insert(connection)
        reactor.pauseReading(connection)
        let reactor = reactor
        let limiter = node.storeCalls
        let run = { [self] in
            _ = Task {
                let result: Result<T, Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                limiter.release()
                reactor.execute { [self] in finish(connection, result, then: then) }
            }
        }
        let startedNow = limiter.acquire(orQueue: { [self] in
            // A place came free, perhaps much later and on another thread: start only if the
            // connection is still there to take the answer.
            reactor.execute { [self] in
                if reactor.isOpen(connection) && busy.contains(connection) { run() } else { limiter.release() }
            }
        })
        if startedNow { run() }
    }

    private func finish<T>(_ connection: ConnectionID, _ result: Result<T, Error>, then: (T) -> Void) {
        guard busy.remove(connection) != nil, reactor.isOpen(connection) else { return }
        switch result {
        case .success(let value):
            then(value)
        case .failure(let error):
            node.logThrottle.log(logger, .error, "store call failed", kind: "store-call",
                                 metadata: ["error": "\(error)"])
            reactor.send(Replies.error(.internalError, echoing: []), to: connection)
            reactor.close(connection, code: .internalError)
            return
        }
        // `then` may have started the next piece of work (a hello fetching what is pending).
        if !busy.contains(connection) { reactor.resumeReading(connection) }
    }

    /// A live update from the endpoint, for a connection that held `uaid` when it was looked up.
    /// Dropped when the connection was already sent this channel's version or a newer one.
    func deliver(_ update: Update, to uaid: UAID, on connection: ConnectionID) {
        guard reactor.isOpen(connection), sessions[Int(connection.slot)].uaid == uaid,
              sessions[Int(connection.slot)].phase == .ready else { return }
        if let sent = lastSent[connection]?[update.channelID], update.version <= sent { return }
        sendNotification([update], to: connection)
    }
}
