import Foundation
import PushCore
import Reactor
import SimplePush
import Store
import WebSocket

extension NodeWorker {
    func process(_ message: [UInt8], on connection: ConnectionID) {
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
        case .hello(nil, _):
            // A device without a UAID gets a new one: nothing to ask the store, nothing pending.
            completeHello(UAID.random(), isNew: true, on: connection)
        case .hello(let requested, let count):
            let maxChannels = engine.settings.maxChannels
            perform(on: connection, { [store] in
                try await HelloResolver.resolve(requested: requested, channelCount: count, maxChannels: maxChannels, store: store)
            }, then: { [self] uaid in completeHello(uaid, isNew: uaid != requested, on: connection) })
        case .repeatHello(let uaid):
            reactor.send(Replies.hello(uaid), to: connection)
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
        reactor.send(Replies.notification(updates), to: connection)
    }

    private func completeHello(_ uaid: UAID, isNew: Bool, on connection: ConnectionID) {
        let slot = Int(connection.slot)
        sessions[slot].uaid = uaid
        sessions[slot].phase = .ready
        reactor.clearDeadline(connection)
        if let previous = node.registry.claim(uaid, Registry.Entry(worker: entryIndex, connection: connection)) {
            node.closeSuperseded(previous)
        }
        reactor.send(Replies.hello(uaid), to: connection)
        if !isNew { sendPending(uaid, on: connection) }
    }

    /// Pending updates go out after the hello reply and after the UAID is claimed, so an update
    /// accepted in between is delivered live, perhaps twice, but never missed.
    private func sendPending(_ uaid: UAID, on connection: ConnectionID) {
        perform(on: connection, { [store] in try await store.fetchPending(uaid) }, then: { [self] updates in
            if !updates.isEmpty { sendNotification(updates, to: connection) }
        })
    }

    /// Runs store work off the reactor thread, holding the connection's later messages until it
    /// is done. A store failure answers error 999 and closes the connection.
    private func perform<T>(on connection: ConnectionID, _ work: @escaping @Sendable () async throws -> T,
                            then: @escaping (T) -> Void) {
        inFlight[connection.slot] = []
        let reactor = reactor
        Task {
            let result: Result<T, Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            reactor.execute { [self] in
                guard reactor.isCurrent(connection), let queued = inFlight.removeValue(forKey: connection.slot) else { return }
                switch result {
                case .success(let value):
                    then(value)
                case .failure(let error):
                    logger.error("store call failed", metadata: ["error": "\(error)"])
                    reactor.send(Replies.error(.internalError, echoing: [:]), to: connection)
                    reactor.close(connection, code: .internalError)
                    return
                }
                resume(queued, on: connection)
            }
        }
    }

    /// Handles messages that waited for store work; stops again if one of them starts new work.
    private func resume(_ queued: [[UInt8]], on connection: ConnectionID) {
        for (index, message) in queued.enumerated() {
            guard reactor.isCurrent(connection) else { return }
            if inFlight[connection.slot] != nil {
                inFlight[connection.slot]! += queued[index...]
                return
            }
            process(message, on: connection)
        }
    }

    /// A live update from the endpoint, for a connection that held `uaid` when it was looked up.
    func deliver(_ update: Update, to uaid: UAID, on connection: ConnectionID) {
        guard reactor.isCurrent(connection), sessions[Int(connection.slot)].uaid == uaid,
              sessions[Int(connection.slot)].phase == .ready else { return }
        sendNotification([update], to: connection)
    }
}
