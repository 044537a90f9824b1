import ConnectionNode
import Foundation
import PushCore
import Reactor
import Routing
import Store
import VAPID
import WebPush

/// The WebPush module on the connection node: makes one `WebPushHandler` per reactor. Give it
/// before SimplePush in the node's protocol list: it takes only hellos with `use_webpush`.
public struct WebPushProtocol: ConnectionProtocolModule {
    let store: any Store
    let settings: Live<WebPushSettings>

    public init(store: any Store, settings: Live<WebPushSettings>) {
        self.store = store
        self.settings = settings
    }

    public func makeHandler(on worker: NodeWorker) -> any ConnectionProtocol {
        WebPushHandler(worker: worker, store: store, settings: settings)
    }
}

/// Runs the WebPush sessions of one reactor's connections, on that reactor's thread.
///
/// Every message with a TTL is in the store before it is routed here, so nothing the device
/// has not acked is lost when its socket closes: the store still has it, and the next hello
/// drains it. What this handler tracks is only what it sent and is waiting to hear acked, so it
/// sends a message once per connection even when it comes both live and from the store.
final class WebPushHandler: ConnectionProtocol {
    unowned let worker: NodeWorker
    let store: any Store
    var settings: Live<WebPushSettings>.Cache
    var sessions = ConnectionTable(initial: WebPushSession())
    /// Sent and not yet acked, for connections that have any.
    var unacked: [ConnectionID: Set<MessageKey>] = [:]
    /// Connections reading their stored messages, each with its `recheck` flag: a stored message
    /// was routed live meanwhile and left to the store, so the drain reads once more before it ends.
    var draining: [ConnectionID: Bool] = [:]

    init(worker: NodeWorker, store: any Store, settings: Live<WebPushSettings>) {
        self.worker = worker
        self.store = store
        self.settings = Live.Cache(settings)
    }

    var reactor: Reactor { worker.reactor }

    func accepts(firstMessage message: [UInt8]) -> Bool { DeviceMessage.isWebPushHello(message) }

    func didOpen(_ connection: ConnectionID) {
        sessions.open(connection)
    }

    func didClose(_ connection: ConnectionID) {
        unacked[connection] = nil
        draining[connection] = nil
        if sessions[connection].phase == .ready, let uaid = sessions[connection].uaid {
            worker.release(uaid, for: connection)
        }
        sessions.close(connection)
    }

    func deadlinePassed(_ connection: ConnectionID) {
        if sessions[connection].phase != .ready { reactor.close(connection, code: .policyViolation) }
    }

    func didReceive(_ bytes: [UInt8], on connection: ConnectionID) {
        let message = DeviceMessage.decode(bytes)
        WebPushMetrics.count(message)
        if case .ping = message { return ping(connection) }
        if case .invalid = message { return reactor.close(connection, code: .policyViolation) }
        if case .hello(let requested) = message { return hello(requested, on: connection) }
        guard sessions[connection].phase == .ready, let uaid = sessions[connection].uaid else {
            return reactor.close(connection, code: .policyViolation)
        }
        switch message {
        case .register(let channel, let key):
            register(channel, key: key, for: uaid, on: connection)
        case .badRegister(let channel):
            reactor.send(DeviceReplies.registerFailed(channel, status: 400), to: connection)
        case .unregister(let channel):
            perform(on: connection, { [store] in try await store.unregister(uaid, channel: channel) },
                    then: { [self] in reactor.send(DeviceReplies.unregister(channel), to: connection) })
        case .ack(let versions):
            acknowledge(versions, for: uaid, on: connection)
        case .nack, .broadcastSubscribe, .ping, .hello, .invalid:
            break
        }
    }

    /// A routed message for a connection that held `uaid` when it was looked up.
    func deliver(_ message: PushMessage, to uaid: UAID, on connection: ConnectionID) {
        guard case .webPush(let notification) = message,
              sessions[connection].uaid == uaid, sessions[connection].phase == .ready else { return }
        if notification.ttl > 0 {
            // Stored: while the drain reads the store, it is sent from there.
            if draining[connection] != nil { return draining[connection] = true }
            if unacked[connection]?.contains(notification.key) == true { return }
            unacked[connection, default: []].insert(notification.key)
        }
        send(notification, to: connection)
    }

    // MARK: Messages

    private func ping(_ connection: ConnectionID) {
        let now = ProcessInfo.processInfo.systemUptime
        let last = sessions[connection].lastPing
        if last >= 0 && now - last < settings.value.minPingInterval {
            return reactor.close(connection, code: .policyViolation)
        }
        sessions[connection].lastPing = now
        reactor.send(DeviceReplies.ping, to: connection)
    }

    private func hello(_ requested: UAID?, on connection: ConnectionID) {
        switch sessions[connection].phase {
        case .ready:
            // A repeated hello on the same socket: the same answer, unless it names another device.
            guard let current = sessions[connection].uaid, requested == nil || requested == current else {
                return reactor.close(connection, code: .policyViolation)
            }
            reactor.send(DeviceReplies.hello(current), to: connection)
        case .helloInFlight:
            reactor.close(connection, code: .policyViolation)
        case .awaitingHello:
            sessions[connection].phase = .helloInFlight
            guard let requested else { return completeHello(UAID.random(), known: false, on: connection) }
            // A UAID is kept only when the store knows it as a WebPush device; anything else
            // (unknown, dropped, a SimplePush device) starts over, and the browser re-subscribes.
            perform(on: connection, { [store] in try await store.deviceProtocol(requested) == .webPush },
                    then: { [self] known in completeHello(known ? requested : UAID.random(), known: known, on: connection) })
        }
    }

    private func completeHello(_ uaid: UAID, known: Bool, on connection: ConnectionID) {
        guard reactor.isOpen(connection) else { return }
        sessions[connection].uaid = uaid
        sessions[connection].phase = .ready
        reactor.watchIdle(connection)
        worker.claim(uaid, for: connection) { [self] in
            if known { drain(uaid, on: connection) }
        }
        reactor.send(DeviceReplies.hello(uaid), to: connection)
    }

    private func register(_ channel: ChannelID, key: [UInt8]?, for uaid: UAID, on connection: ConnectionID) {
        let maxChannels = settings.value.maxChannels
        perform(on: connection, { [store] in
            try await store.register(uaid, channel: channel, protocol: .webPush, maxChannels: maxChannels)
        }, then: { [self] result in
            switch result {
            case .registered:
                let live = settings.value
                let subscription = Subscription(uaid: uaid, channel: channel, keyHash: key.map(VAPIDCredentials.keyHash(of:)))
                let endpoint = (worker.publicURL(for: connection) ?? live.publicURL) + "/wpush/" + live.tokens.endpointPath(for: subscription)
                reactor.send(DeviceReplies.register(channel, endpoint: endpoint), to: connection)
            case .tooManyChannels:
                reactor.send(DeviceReplies.registerFailed(channel.value, status: 413), to: connection)
            }
        })
    }

    /// Deletes what the device acked from the store, then, when the drain's batch is all acked,
    /// reads the next one. Ids that do not open, or name another device, are ignored.
    private func acknowledge(_ versions: [String], for uaid: UAID, on connection: ConnectionID) {
        let tokens = settings.value.tokens
        let references = versions.compactMap { version -> MessageReference? in
            guard let (owner, reference) = tokens.openMessageID(version), owner == uaid,
                  case .timestamp(let timestamp) = reference.match else { return nil }
            unacked[connection]?.remove(MessageKey(channel: reference.channel, slotKey: reference.slotKey, timestamp: timestamp))
            return reference
        }
        if unacked[connection]?.isEmpty == true { unacked[connection] = nil }
        // Nothing this device may delete: nothing changed, no store call.
        guard !references.isEmpty else { return }
        let acked: (Int) -> Void = { [self] deleted in
            WebPushMetrics.acked.increment(by: Int64(deleted))
            if draining[connection] != nil && unacked[connection] == nil { drain(uaid, on: connection) }
        }
        // A store that never blocks deletes on this thread: no task, no hop, per notification.
        if let inline = store.nonBlocking {
            return worker.performInline(on: connection, {
                var deleted = 0
                for reference in references where try inline.deleteNow(reference, for: uaid) { deleted += 1 }
                return deleted
            }, then: acked, failed: failureHandler(connection))
        }
        perform(on: connection, { [store] in
            var deleted = 0
            for reference in references where try await store.delete(reference, for: uaid) { deleted += 1 }
            return deleted
        }, then: acked)
    }

    /// Reads the next batch of stored messages and sends those this connection was not sent yet.
    /// An empty batch ends the drain, unless a stored message was routed live meanwhile.
    private func drain(_ uaid: UAID, on connection: ConnectionID) {
        draining[connection] = false
        let (limit, tokens) = (settings.value.batchSize, settings.value.tokens)
        perform(on: connection, { [store] in try await store.fetchMessages(uaid, limit: limit) }, then: { [self] messages in
            var sent = 0
            for message in messages {
                let key = message.key
                guard unacked[connection, default: []].insert(key).inserted else { continue }
                send(WebPushNotification(stored: message, key: key, messageID: tokens.messageID(uaid: uaid, message: message)),
                     to: connection)
                sent += 1
            }
            if unacked[connection]?.isEmpty == true { unacked[connection] = nil }
            if sent > 0 || unacked[connection] != nil { return }  // the acks bring the next batch
            if draining[connection] == true { return drain(uaid, on: connection) }
            draining[connection] = nil
        })
    }

    private func send(_ notification: WebPushNotification, to connection: ConnectionID) {
        WebPushMetrics.notificationsSent.increment()
        reactor.send(DeviceReplies.notification(notification), to: connection)
    }

    /// Store work for `connection`; a store failure closes the connection (the device reconnects
    /// and finds everything still stored).
    private func perform<T: Sendable>(on connection: ConnectionID, _ work: @escaping @Sendable () async throws -> T,
                                      then: @escaping (T) -> Void) {
        worker.perform(on: connection, work, then: then, failed: failureHandler(connection))
    }

    private func failureHandler(_ connection: ConnectionID) -> (any Error) -> Void {
        { [reactor] _ in reactor.close(connection, code: .internalError) }
    }
}

extension WebPushNotification {
    /// A stored message as the device is sent it; its TTL is what is left of it.
    init(stored message: StoredMessage, key: MessageKey, messageID: String) {
        let left = message.expiry.map { max(0, $0 - StoredMessage.unixSeconds()) } ?? 0
        self.init(channel: message.channel, messageID: messageID, key: key, ttl: Int(left), urgency: message.urgency,
                  data: message.data, headers: message.headers)
    }
}
