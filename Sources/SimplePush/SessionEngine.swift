import PushCore
import Store

/// The SimplePush rules for one connection, free of any transport: a message and the clock go in,
/// what to do comes out. Work that needs the store is returned as a request; the caller runs it
/// off the reactor thread and comes back through `HelloResolver` and `Replies`.
public struct SessionEngine: Sendable {
    public struct Settings: Sendable {
        public var maxChannels: Int
        public var minPingInterval: Double
        public init(maxChannels: Int, minPingInterval: Double) {
            self.maxChannels = maxChannels
            self.minPingInterval = minPingInterval
        }
    }

    public enum Outcome {
        case reply(String)
        /// Answer, then close the socket (protocol errors).
        case replyAndClose(String)
        /// Close without a reply (not JSON, not an object).
        case close
        case nothing
        /// A hello to resolve against the store (`HelloResolver`); `spelling` is how the device
        /// wrote the requested UAID, for the reply when it is kept.
        case hello(requested: UAID?, channelCount: Int, spelling: UAID.Spelling)
        /// A hello on a socket that already has `uaid`: answer 200 again (in `spelling`) and resend
        /// pending updates.
        case repeatHello(UAID, spelling: UAID.Spelling)
        case register(UAID, ChannelID)
        case unregister(UAID, ChannelID)
        case ack(UAID, [(ChannelID, Version)])
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    public func handle(_ bytes: [UInt8], session: inout Session, now: Double) -> Outcome {
        switch ClientMessage.decode(bytes, afterHello: session.phase == .ready) {
        case .failure(.notAnObject):
            return .close
        case .failure(.protocolError(let error, let object)):
            return .replyAndClose(Replies.error(error, echoing: object))
        case .success(let (message, object)):
            return handle(message, object: object, session: &session, now: now)
        }
    }

    private func handle(_ message: ClientMessage, object: ClientMessage.Object, session: inout Session, now: Double) -> Outcome {
        if case .ping = message {
            if session.lastPing >= 0 && now - session.lastPing < settings.minPingInterval {
                return .replyAndClose(Replies.error(.tooManyPings, echoing: object))
            }
            session.lastPing = now
            return .reply(Replies.ping)
        }
        if case .purge = message { return .nothing }
        if case .hello(let requested, let count, let gaveUAID, let spelling) = message {
            guard session.phase == .ready, let current = session.uaid else {
                session.phase = .helloInFlight
                return .hello(requested: requested, channelCount: count, spelling: spelling)
            }
            if gaveUAID && requested != current {
                return .replyAndClose(Replies.error(.existingHandshake, echoing: object))
            }
            return .repeatHello(current, spelling: gaveUAID ? spelling : session.spelling)
        }
        guard session.phase == .ready, let uaid = session.uaid else {
            return .replyAndClose(Replies.error(.requiresHandshake, echoing: object))
        }
        switch message {
        case .register(let channel): return .register(uaid, channel)
        case .unregister(let text):
            guard let channel = ChannelID(text) else { return .reply(Replies.unregister(text)) }
            return .unregister(uaid, channel)
        case .ack(let updates): return .ack(uaid, updates)
        case .purge, .ping, .hello: return .nothing
        }
    }
}

/// Decides which UAID a hello gets, per the contract: a missing or invalid one, one the store
/// does not know while the device lists channels, or one listing more than `maxChannels`
/// channels (whose data is dropped) are replaced by a new UAID.
public enum HelloResolver {
    public static func resolve(requested: UAID?, channelCount: Int, maxChannels: Int, store: any Store) async throws -> UAID {
        guard let requested else { return UAID.random() }
        if channelCount > maxChannels {
            try await store.drop(requested)
            return UAID.random()
        }
        if channelCount > 0, try await !store.uaidExists(requested) {
            return UAID.random()
        }
        return requested
    }
}
